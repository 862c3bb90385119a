import {createHash, createPrivateKey, X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {extname} from 'node:path'
import {ConfigError} from './errors.js'
import {BIN} from './product.js'

/**
 * A client certificate in the shape msal-node wants: the PEM private key, the SHA-256 thumbprint (PS256 assertion
 * with x5t#S256) and the chain as x5c, so subject-name/issuer (SNI) authentication works too.
 */
export interface ClientCertificate {
  privateKey: string
  thumbprintSha256: string
  /** PEM certificates, leaf first. */
  x5c: string
}

export async function loadClientCertificate(path: string, password: string | undefined): Promise<ClientCertificate> {
  let data: Buffer
  try {
    data = await readFile(path)
  } catch (error) {
    throw new ConfigError(
      `Cannot read the certificate ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Fix the path with '${BIN} config edit'.`,
      'CERTIFICATE',
    )
  }
  const ext = extname(path).toLowerCase()
  const parts =
    ext === '.pfx' || ext === '.p12'
      ? await fromPkcs12(data, password, path)
      : fromPem(data.toString('utf8'), password, path)
  if (parts.certificates.length === 0) throw new ConfigError(`${path} contains no certificate.`, 'CERTIFICATE')
  const leaf = new X509Certificate(parts.certificates[0])
  if (!leaf.checkPrivateKey(createPrivateKey({format: 'pem', key: parts.privateKey}))) {
    throw new ConfigError(`The private key in ${path} does not belong to its first certificate.`, 'CERTIFICATE')
  }
  return {
    privateKey: parts.privateKey,
    thumbprintSha256: createHash('sha256').update(leaf.raw).digest('hex').toUpperCase(),
    x5c: parts.certificates.join('\n'),
  }
}

interface CertificateParts {
  privateKey: string
  certificates: string[]
}

function fromPem(text: string, password: string | undefined, path: string): CertificateParts {
  const certificates = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  const keyBlock = text.match(
    /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/,
  )
  if (!keyBlock)
    throw new ConfigError(`${path} has no private key; put the certificate and its key in one PEM file.`, 'CERTIFICATE')
  try {
    const key = createPrivateKey({format: 'pem', key: keyBlock[0], passphrase: password})
    return {certificates, privateKey: key.export({format: 'pem', type: 'pkcs8'}).toString()}
  } catch {
    throw new ConfigError(
      `Cannot read the private key in ${path}: wrong or missing certificate password?`,
      'CERTIFICATE',
    )
  }
}

/** PKCS#12 is not readable with node:crypto; node-forge (pure JS, loaded only here) is. */
async function fromPkcs12(data: Buffer, password: string | undefined, path: string): Promise<CertificateParts> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const forge = require('node-forge') as typeof import('node-forge')
  let p12: import('node-forge').pkcs12.Pkcs12Pfx
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary'))),
      password ?? '',
    )
  } catch {
    throw new ConfigError(
      `Cannot open ${path}: wrong certificate password, or not a PKCS#12 file. Store the password with '${BIN} config edit --certificate-password-stdin'.`,
      'CERTIFICATE',
    )
  }
  const keyBags = [
    ...(p12.getBags({bagType: forge.pki.oids.pkcs8ShroudedKeyBag})[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({bagType: forge.pki.oids.keyBag})[forge.pki.oids.keyBag] ?? []),
  ]
  const key = keyBags.find((bag) => bag.key)?.key
  if (!key) throw new ConfigError(`${path} contains no private key.`, 'CERTIFICATE')
  const certs = (p12.getBags({bagType: forge.pki.oids.certBag})[forge.pki.oids.certBag] ?? [])
    .map((bag) => bag.cert)
    .filter((cert): cert is import('node-forge').pki.Certificate => Boolean(cert))
  const privateKey = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)))
  // Leaf first: the certificate whose public key matches the private key, then the rest of the chain.
  const publicModulus = (key as import('node-forge').pki.rsa.PrivateKey).n.toString(16)
  certs.sort(
    (a, b) =>
      Number((b.publicKey as import('node-forge').pki.rsa.PublicKey).n.toString(16) === publicModulus) -
      Number((a.publicKey as import('node-forge').pki.rsa.PublicKey).n.toString(16) === publicModulus),
  )
  return {certificates: certs.map((cert) => forge.pki.certificateToPem(cert).trim()), privateKey}
}
