/**
 * X.509 material for tests: a throw-away certificate authority, HTTPS server certificates it issues, and client
 * certificates (PEM + PKCS#12) like the ones a user uploads to an Entra app registration.
 *
 * node-forge builds and signs the certificates (Node's crypto can parse X.509 but not create it). RSA keys come
 * from Node's native `generateKeyPairSync`, because forge's pure-JS prime search takes seconds per 2048-bit key.
 */
import {createHash, generateKeyPairSync, randomBytes} from 'node:crypto'
import forge from 'node-forge'

export interface PemPair {
  certPem: string
  keyPem: string
}

export interface ClientCertificate extends PemPair {
  /** PKCS#12 holding the key and the certificate (and the issuing CA when `chain` was asked for). */
  pfx: Buffer
  /** Upper-case hex, the form the Azure portal shows. */
  thumbprintSha1Hex: string
  thumbprintSha256Hex: string
  /** The issuing CA when `chain: true`; otherwise the certificate is self-signed, as most Entra app certificates are. */
  caCertPem?: string
}

export interface ClientCertificateOptions {
  commonName: string
  /** PKCS#12 password. Without one the PFX is written unencrypted (what `openssl pkcs12 -nodes -passout pass:` users have). */
  password?: string
  /** Issue the certificate from a fresh CA and put that CA into the PFX too, as exports from a corporate PKI do. */
  chain?: boolean
  /** Validity in days from now (default 365). Negative values give an already expired certificate. */
  validDays?: number
}

interface KeyMaterial {
  keyPem: string
  privateKey: forge.pki.rsa.PrivateKey
  publicKey: forge.pki.rsa.PublicKey
}

const DAY_MS = 24 * 60 * 60 * 1000

/** A native RSA-2048 key pair, handed to forge through PEM. PKCS#8 PEM is what msal-node, jose and Node all read. */
export function generateRsaKey(): KeyMaterial {
  const {privateKey: keyPem} = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: {type: 'spki', format: 'pem'},
    privateKeyEncoding: {type: 'pkcs8', format: 'pem'},
  })
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e)
  return {keyPem, privateKey, publicKey}
}

/** Positive serial (top bit clear, so DER does not read it as negative), 16 random bytes as RFC 5280 suggests. */
function randomSerial(): string {
  const bytes = randomBytes(16)
  bytes[0] &= 0x7f
  bytes[0] |= 0x01
  return bytes.toString('hex')
}

function newCertificate(subjectCn: string, key: KeyMaterial, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate()
  cert.publicKey = key.publicKey
  cert.serialNumber = randomSerial()
  const now = Date.now()
  // Back-date by an hour so a slightly skewed clock on the verifying side does not reject a fresh certificate.
  cert.validity.notBefore = new Date(Math.min(now - 60 * 60 * 1000, now + validDays * DAY_MS - DAY_MS))
  cert.validity.notAfter = new Date(now + validDays * DAY_MS)
  cert.setSubject([{name: 'commonName', value: subjectCn}])
  return cert
}

function subjectKeyId(publicKey: forge.pki.rsa.PublicKey): string {
  return forge.pki.getPublicKeyFingerprint(publicKey, {type: 'RSAPublicKey'}).getBytes()
}

function sign(cert: forge.pki.Certificate, issuerKey: forge.pki.rsa.PrivateKey): void {
  cert.sign(issuerKey, forge.md.sha256.create())
}

export type CertificateAuthority = PemPair

/** A self-signed root CA (RSA-2048, SHA-256) valid for a year. */
export function createCertificateAuthority(commonName = 'entra-auth-cli test CA'): CertificateAuthority {
  const key = generateRsaKey()
  const cert = newCertificate(commonName, key, 365)
  cert.setIssuer(cert.subject.attributes)
  cert.setExtensions([
    {name: 'basicConstraints', cA: true, critical: true},
    // OpenSSL 3 refuses a CA whose keyUsage lacks keyCertSign, so state it explicitly.
    {name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true},
    {name: 'subjectKeyIdentifier'},
  ])
  sign(cert, key.privateKey)
  return {certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem}
}

/** Issue a certificate from `ca` for `subjectCn`; `extensions` are the leaf-specific ones. */
function issueFrom(ca: PemPair, subjectCn: string, key: KeyMaterial, validDays: number, extensions: object[]): string {
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey
  const cert = newCertificate(subjectCn, key, validDays)
  cert.setIssuer(caCert.subject.attributes)
  cert.setExtensions([
    {name: 'basicConstraints', cA: false},
    {name: 'subjectKeyIdentifier'},
    {name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyId(caCert.publicKey as forge.pki.rsa.PublicKey)},
    ...extensions,
  ])
  sign(cert, caKey)
  return forge.pki.certificateToPem(cert)
}

/** A TLS server certificate for the given IP and DNS name (both as subjectAltName; Node ignores the CN). */
export function issueServerCertificate(
  ca: PemPair,
  names: {ip?: string; dns?: string} = {ip: '127.0.0.1', dns: 'localhost'},
): PemPair {
  const key = generateRsaKey()
  const altNames: Array<{type: number; ip?: string; value?: string}> = []
  if (names.ip) altNames.push({type: 7, ip: names.ip})
  if (names.dns) altNames.push({type: 2, value: names.dns})
  const certPem = issueFrom(ca, names.dns ?? names.ip ?? 'localhost', key, 30, [
    {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true},
    {name: 'extKeyUsage', serverAuth: true},
    {name: 'subjectAltName', altNames},
  ])
  return {certPem, keyPem: key.keyPem}
}

/** Self-signed certificate for an existing key, e.g. the provider's token-signing key (Entra publishes one in x5c). */
export function selfSignedCertificate(keyPem: string, commonName: string, validDays = 365): string {
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
  const key: KeyMaterial = {keyPem, privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e)}
  const cert = newCertificate(commonName, key, validDays)
  cert.setIssuer(cert.subject.attributes)
  cert.setExtensions([
    {name: 'basicConstraints', cA: false},
    {name: 'keyUsage', digitalSignature: true, critical: true},
  ])
  sign(cert, privateKey)
  return forge.pki.certificateToPem(cert)
}

/** DER bytes of the first certificate in a PEM string. */
export function pemToDer(certPem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(certPem)
  if (!match) throw new Error('no PEM certificate found')
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64')
}

export function thumbprintHex(certPem: string, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(pemToDer(certPem)).digest('hex').toUpperCase()
}

/**
 * A client certificate as uploaded to an Entra app registration: PEM cert + PKCS#8 key, a PKCS#12 bundle
 * protected with 3DES (what Windows and older OpenSSL export by default, and what every reader supports),
 * and both thumbprints msal-node accepts (`thumbprint` = SHA-1, `thumbprintSha256`).
 */
export function createClientCertificate(options: ClientCertificateOptions): ClientCertificate {
  const validDays = options.validDays ?? 365
  const key = generateRsaKey()
  const leafExtensions = [
    {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true},
    {name: 'extKeyUsage', clientAuth: true},
  ]
  let certPem: string
  let caCertPem: string | undefined
  if (options.chain) {
    const ca = createCertificateAuthority(`${options.commonName} issuing CA`)
    certPem = issueFrom(ca, options.commonName, key, validDays, leafExtensions)
    caCertPem = ca.certPem
  } else {
    const cert = newCertificate(options.commonName, key, validDays)
    cert.setIssuer(cert.subject.attributes)
    cert.setExtensions([{name: 'basicConstraints', cA: false}, {name: 'subjectKeyIdentifier'}, ...leafExtensions])
    sign(cert, key.privateKey)
    certPem = forge.pki.certificateToPem(cert)
  }

  const bagCerts = [forge.pki.certificateFromPem(certPem)]
  if (caCertPem) bagCerts.push(forge.pki.certificateFromPem(caCertPem))
  // forge treats a null password as "no encryption"; an empty string would still encrypt (with "").
  const p12 = forge.pkcs12.toPkcs12Asn1(key.privateKey, bagCerts, options.password ?? null, {
    algorithm: '3des',
    friendlyName: options.commonName,
  })
  const pfx = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary')

  return {
    certPem,
    keyPem: key.keyPem,
    pfx,
    thumbprintSha1Hex: thumbprintHex(certPem, 'sha1'),
    thumbprintSha256Hex: thumbprintHex(certPem, 'sha256'),
    ...(caCertPem ? {caCertPem} : {}),
  }
}
