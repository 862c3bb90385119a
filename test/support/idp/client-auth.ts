/**
 * Client authentication at the token endpoint, as Entra does it for confidential clients:
 *  - `client_secret` in the body (client_secret_post) or HTTP Basic (client_secret_basic, RFC 6749 §2.3.1);
 *  - a certificate-signed JWT (private_key_jwt, RFC 7523): `client_assertion_type=urn:...:jwt-bearer` +
 *    `client_assertion`, verified against the registered certificate's public key.
 *
 * msal-node 7 signs assertions with jsonwebtoken: RS256 + `x5t` (SHA-1 thumbprint) or, given
 * `thumbprintSha256`, PS256 + `x5t#S256`; `x5c` (leaf first) when the public certificate is passed;
 * claims aud = the token endpoint it posts to, iss = sub = client_id, nbf, exp = nbf + 600, jti.
 * An assertion whose `iss` is another issuer is a federated credential's (workload identity, see federated.ts).
 */
import {createHash, timingSafeEqual} from 'node:crypto'
import {decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload} from 'jose'
import {AADSTS, type EntraError} from './errors.js'
import {verifyFederatedAssertion} from './federated.js'
import type {IdpRequest} from './http.js'
import type {AppRegistration, RegisteredCertificate} from './registry.js'
import type {ClientAuthKind} from './tokens.js'

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** What the request presents, before looking at any app. */
export type PresentedCredential =
  | {kind: 'secret'; secret: string; via: 'body' | 'basic'; basicClientId?: string}
  | {kind: 'assertion'; assertion: string; assertionType: string}
  | {kind: 'none'}
  | {kind: 'conflict'; detail: string}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

function basicCredentials(req: Pick<IdpRequest, 'headers'>): {clientId: string; secret: string} | undefined {
  const header = req.headers.authorization
  if (!header || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return {clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1))}
  } catch {
    return undefined
  }
}

export function presentedCredential(
  req: Pick<IdpRequest, 'headers'>,
  form: Record<string, string>,
): PresentedCredential {
  const basic = basicCredentials(req)
  const bodySecret = form.client_secret
  const assertion = form.client_assertion
  const count = [basic, bodySecret, assertion].filter((x) => x !== undefined).length
  if (count > 1) return {kind: 'conflict', detail: 'more than one client credential was presented'}
  if (basic) {
    if (form.client_id !== undefined && form.client_id.toLowerCase() !== basic.clientId.toLowerCase()) {
      return {kind: 'conflict', detail: 'client_id in the body and in the Authorization header differ'}
    }
    return {kind: 'secret', secret: basic.secret, via: 'basic', basicClientId: basic.clientId}
  }
  if (bodySecret !== undefined) return {kind: 'secret', secret: bodySecret, via: 'body'}
  if (assertion !== undefined) return {kind: 'assertion', assertion, assertionType: form.client_assertion_type ?? ''}
  return {kind: 'none'}
}

/** The kind recorded in `tokenRequests()`: what the client *tried*, whether or not it was valid. */
export function clientAuthKind(credential: PresentedCredential): ClientAuthKind | 'conflict' {
  return credential.kind
}

/** client_id of the request: body, else Basic user name, else the assertion's `sub` (RFC 7523 §3 allows omitting it). */
export function requestClientId(form: Record<string, string>, credential: PresentedCredential): string | undefined {
  if (form.client_id) return form.client_id
  if (credential.kind === 'secret' && credential.basicClientId) return credential.basicClientId
  if (credential.kind === 'assertion') {
    const parts = credential.assertion.split('.')
    try {
      const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as JWTPayload
      return typeof payload.sub === 'string' ? payload.sub : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Compare digests so the comparison time does not depend on where the strings first differ. */
function secretMatches(presented: string, registered: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(registered).digest()
  return timingSafeEqual(a, b)
}

export type ClientAuthResult = {ok: true; kind: ClientAuthKind} | {ok: false; error: EntraError}

export interface AssertionContext {
  /** Token endpoint URLs the assertion's `aud` may name (the tenant by GUID and by each domain). */
  audiences: readonly string[]
}

function base64urlToHex(value: string): string {
  return Buffer.from(value, 'base64url').toString('hex').toUpperCase()
}

function findCertificate(
  app: AppRegistration,
  header: Record<string, unknown>,
): {cert?: RegisteredCertificate; thumbprint: string} {
  const s256 = header['x5t#S256']
  const s1 = header.x5t
  if (typeof s256 === 'string')
    return {cert: app.certificates.find((c) => c.x5tS256 === s256), thumbprint: base64urlToHex(s256)}
  if (typeof s1 === 'string') return {cert: app.certificates.find((c) => c.x5t === s1), thumbprint: base64urlToHex(s1)}
  return {thumbprint: ''}
}

async function verifyAssertion(
  app: AppRegistration,
  assertion: string,
  ctx: AssertionContext,
): Promise<ClientAuthResult> {
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(assertion)
  } catch {
    return {ok: false, error: AADSTS.assertionMalformed('the client assertion is not a JWS compact serialization')}
  }
  // An assertion from another issuer is a federated credential's: one the app trusts that issuer for, or one that
  // names no certificate (x5t) at all. A certificate-signed one naming another issuer stays a certificate assertion
  // (AADSTS700021 below).
  const claims = decodePayload(assertion)
  const iss = typeof claims?.iss === 'string' ? claims.iss : undefined
  const namesCertificate = typeof header.x5t === 'string' || typeof header['x5t#S256'] === 'string'
  if (
    claims &&
    iss &&
    iss.toLowerCase() !== app.clientId.toLowerCase() &&
    (!namesCertificate || app.federatedCredentials.some((f) => f.issuer === iss))
  ) {
    return verifyFederatedAssertion(app, assertion, claims)
  }
  const {cert, thumbprint} = findCertificate(app, header)
  if (!cert) return {ok: false, error: AADSTS.assertionKeyNotRegistered(app.clientId, thumbprint)}

  // x5c is optional, but when sent its leaf must be the registered certificate (Entra's SNI/"subject name + issuer" auth aside).
  const x5c = header.x5c
  if (x5c !== undefined) {
    const leaf = Array.isArray(x5c) && typeof x5c[0] === 'string' ? Buffer.from(x5c[0], 'base64') : undefined
    if (!leaf || !leaf.equals(cert.der)) {
      return {
        ok: false,
        error: AADSTS.assertionSignatureInvalid('The x5c header does not match the registered certificate.'),
      }
    }
  }

  let payload: JWTPayload
  try {
    // Entra allows 5 minutes of clock skew on nbf (msal-node rounds "now" up, so its nbf can be 0.5 s ahead);
    // exp is checked strictly below.
    ;({payload} = await jwtVerify(assertion, cert.publicKey, {
      algorithms: ['RS256', 'PS256'],
      requiredClaims: ['exp'],
      clockTolerance: 300,
    }))
  } catch (e) {
    const claims = decodeClaims(assertion)
    const now = Math.floor(Date.now() / 1000)
    if (e instanceof joseErrors.JWTExpired)
      return {ok: false, error: AADSTS.assertionOutsideValidity(now, claims.nbf, claims.exp)}
    if (e instanceof joseErrors.JWTClaimValidationFailed && (e.claim === 'nbf' || e.claim === 'exp')) {
      return {ok: false, error: AADSTS.assertionOutsideValidity(now, claims.nbf, claims.exp)}
    }
    if (e instanceof joseErrors.JOSEAlgNotAllowed) {
      return {ok: false, error: AADSTS.assertionSignatureInvalid(`Algorithm '${String(header.alg)}' is not supported.`)}
    }
    if (e instanceof joseErrors.JWSSignatureVerificationFailed)
      return {ok: false, error: AADSTS.assertionSignatureInvalid()}
    return {ok: false, error: AADSTS.assertionMalformed(e instanceof Error ? e.message : String(e))}
  }

  const now = Math.floor(Date.now() / 1000)
  if (typeof payload.exp !== 'number' || payload.exp <= now)
    return {ok: false, error: AADSTS.assertionOutsideValidity(now, payload.nbf, payload.exp)}

  const clientId = app.clientId.toLowerCase()
  if (String(payload.iss).toLowerCase() !== clientId || String(payload.sub).toLowerCase() !== clientId) {
    return {ok: false, error: AADSTS.assertionClientMismatch()}
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  const allowed = new Set(ctx.audiences.map((a) => a.toLowerCase()))
  if (!audiences.some((a) => typeof a === 'string' && allowed.has(a.toLowerCase()))) {
    return {ok: false, error: AADSTS.assertionAudienceMismatch()}
  }
  return {ok: true, kind: 'assertion'}
}

function decodePayload(assertion: string): JWTPayload | undefined {
  try {
    return JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload
  } catch {
    return undefined
  }
}

function decodeClaims(assertion: string): {nbf?: number; exp?: number} {
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload
    return {nbf: payload.nbf, exp: payload.exp}
  } catch {
    return {}
  }
}

/**
 * Authenticate a confidential client for `grantType`. A public client ("allow public client flows") may
 * present nothing on grants that allow it; client_credentials never does.
 */
export async function authenticateClient(
  app: AppRegistration,
  credential: PresentedCredential,
  grantType: string,
  ctx: AssertionContext,
  options: {allowPublic?: boolean} = {},
): Promise<ClientAuthResult> {
  switch (credential.kind) {
    case 'conflict':
      return {ok: false, error: AADSTS.malformedRequest(credential.detail)}
    case 'none':
      if (options.allowPublic && app.publicClient) return {ok: true, kind: 'none'}
      return {ok: false, error: AADSTS.missingClientCredential(grantType)}
    case 'secret': {
      // Check every registered secret (no early exit), as during a rotation two are valid.
      const ok = app.secrets.map((s) => secretMatches(credential.secret, s)).includes(true)
      return ok ? {ok: true, kind: 'secret'} : {ok: false, error: AADSTS.invalidClientSecret(app.clientId)}
    }
    case 'assertion':
      if (credential.assertionType === '') return {ok: false, error: AADSTS.missingParameter('client_assertion_type')}
      if (credential.assertionType !== JWT_BEARER_ASSERTION_TYPE) {
        return {
          ok: false,
          error: AADSTS.malformedRequest(
            `client_assertion_type '${credential.assertionType}' is not supported; use '${JWT_BEARER_ASSERTION_TYPE}'`,
          ),
        }
      }
      return verifyAssertion(app, credential.assertion, ctx)
  }
}
