/**
 * The provider's token-signing key and its JWKS. Like Entra, the key is published with a self-signed
 * certificate (`x5c`), and its `kid` is the certificate's SHA-1 thumbprint in base64url (`kid` == `x5t`).
 */
import {createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto'
import {SignJWT, exportJWK, type JWTPayload} from 'jose'
import {generateRsaKey, pemToDer, selfSignedCertificate, thumbprintHex} from '../certs.js'

export interface Jwk {
  kty: string
  use: string
  kid: string
  x5t: string
  n: string
  e: string
  x5c: string[]
  issuer?: string
}

export interface Jwks {
  keys: Jwk[]
}

export interface SignOptions {
  /** Override the header `kid` (e.g. one the JWKS does not contain). */
  kid?: string
  /** RSA algorithm to sign with (default RS256, what Entra uses). */
  alg?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512'
  /** Extra header fields (e.g. `typ`, `x5t`); `alg` and `kid` come from the options above. */
  header?: Record<string, string>
  /** Sign with another private key (PEM or KeyObject) while keeping this provider's `kid`: a forged token. */
  privateKey?: string | KeyObject
}

export class SigningKeys {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly certificatePem: string
  private readonly publicJwk: {n: string; e: string}

  private constructor(privateKey: KeyObject, certificatePem: string, publicJwk: {n: string; e: string}) {
    this.privateKey = privateKey
    this.publicKey = createPublicKey(privateKey)
    this.certificatePem = certificatePem
    this.kid = Buffer.from(thumbprintHex(certificatePem, 'sha1'), 'hex').toString('base64url')
    this.publicJwk = publicJwk
  }

  /** Async because jose's JWK export is; afterwards everything but signing is synchronous. */
  static async create(commonName = 'entra-auth-cli test token signing'): Promise<SigningKeys> {
    const {keyPem} = generateRsaKey()
    const privateKey = createPrivateKey(keyPem)
    const jwk = await exportJWK(createPublicKey(privateKey))
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('signing key is not RSA')
    return new SigningKeys(privateKey, selfSignedCertificate(keyPem, commonName), {n: jwk.n, e: jwk.e})
  }

  /** JWKS document; `issuer` is set per tenant as Entra does on `/{tenant}/discovery/v2.0/keys`. */
  jwks(issuer?: string): Jwks {
    const key: Jwk = {
      kty: 'RSA',
      use: 'sig',
      kid: this.kid,
      x5t: this.kid,
      n: this.publicJwk.n,
      e: this.publicJwk.e,
      // x5c is standard base64 (not url-safe) DER, per RFC 7517.
      x5c: [pemToDer(this.certificatePem).toString('base64')],
      ...(issuer ? {issuer} : {}),
    }
    return {keys: [key]}
  }

  /** Sign exactly the given claims (nothing is added), so tests can build expired, wrong-aud or odd tokens. */
  async signToken(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key =
      options.privateKey === undefined
        ? this.privateKey
        : typeof options.privateKey === 'string'
          ? createPrivateKey(options.privateKey)
          : options.privateKey
    return new SignJWT(claims)
      .setProtectedHeader({typ: 'JWT', ...options.header, alg: options.alg ?? 'RS256', kid: options.kid ?? this.kid})
      .sign(key)
  }
}
