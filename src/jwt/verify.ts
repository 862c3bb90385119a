import {CliError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {getJson, networkProblem, proxyAwareFetch, type FetchLike} from './jwks.js'
import {printable} from '../base/text.js'
import {claimDate, type DecodedJwt} from './read.js'
import {expiryPhrase, formatLocalTime, formatSpan} from '../base/time.js'
import {CLOCK_SKEW_SECONDS} from './validity.js'

/**
 * `inspect --verify`: is this token really from its issuer, current, and for whom it should be?
 *
 * The keys come from the issuer's OpenID metadata (`${iss}/.well-known/openid-configuration` → `jwks_uri`; Entra
 * v2.0 issuers end in /v2.0, v1 ones are https://sts.windows.net/{tenant}/), then jose checks the signature, `exp`
 * and `nbf` (± CLOCK_SKEW_SECONDS, what Entra-protected APIs allow), and `aud` / `iss` when asked.
 *
 * Without --issuer, "verified" means "signed by a key the issuer *named in the token* publishes": anyone can mint a
 * token naming their own server. --issuer pins the issuer, and is checked before any request is made, so a token
 * naming a stranger's server never makes us contact it.
 */
export interface VerifyOptions {
  audience?: string
  issuer?: string
  timeoutMs?: number
  fetch?: FetchLike
}

export interface Verification {
  issuer: string
  jwksUri: string
  kid: string | undefined
  audience: string | undefined
  /** --issuer was given and matched: only then is the token verified, rather than "signed by whoever it names". */
  issuerPinned: boolean
}

/** RSA and EC signatures only: `none` and the HMAC family can never be checked against a published JWKS. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']

const failed = (check: string, detail: string) =>
  new CliError(`${check} check failed: ${detail}`, ExitCode.TokenInvalid, 'TOKEN_INVALID')

export async function verifyJwt(
  token: string,
  decoded: DecodedJwt,
  options: VerifyOptions = {},
): Promise<Verification> {
  const {claims, header} = decoded
  const timeoutMs = options.timeoutMs ?? 10_000
  if (typeof claims.iss !== 'string' || !claims.iss)
    throw failed('Issuer', "the token has no issuer ('iss' claim), so there are no keys to check it against.")
  const issuer = claims.iss
  if (options.issuer !== undefined && trimSlash(options.issuer) !== trimSlash(issuer)) {
    throw failed('Issuer', `the token was issued by '${printable(issuer)}', not '${printable(options.issuer)}'.`)
  }
  if (!decoded.signed) throw failed('Signature', 'the token is unsigned (alg none).')
  if (!ALGORITHMS.includes(String(header.alg))) {
    throw failed(
      'Algorithm',
      `'${printable(header.alg)}' is not accepted; an issuer's published keys verify RS*, PS* or ES* signatures only.`,
    )
  }
  let issuerUrl: URL | undefined
  try {
    issuerUrl = new URL(issuer)
  } catch {
    issuerUrl = undefined
  }
  if (issuerUrl?.protocol !== 'https:')
    throw failed(
      'Issuer',
      `'${printable(issuer)}' is not an https URL, so its signing keys cannot be discovered safely.`,
    )

  const fetch = options.fetch ?? proxyAwareFetch()
  const jwksUri = await discoverJwksUri(fetch, issuer, timeoutMs)
  const {createRemoteJWKSet, customFetch, jwtVerify} = await import('jose')
  const keys = createRemoteJWKSet(new URL(jwksUri), {[customFetch]: fetch, timeoutDuration: timeoutMs})
  try {
    await jwtVerify(token, keys, {
      algorithms: ALGORITHMS,
      audience: options.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      issuer,
      requiredClaims: ['exp'],
    })
  } catch (error) {
    throw explain(error, decoded, {audience: options.audience, jwksUri})
  }
  return {audience: options.audience, issuer, issuerPinned: options.issuer !== undefined, jwksUri, kid: header.kid}
}

async function discoverJwksUri(fetch: FetchLike, issuer: string, timeoutMs: number): Promise<string> {
  const url = `${trimSlash(issuer)}/.well-known/openid-configuration`
  const metadata = await getJson(fetch, url, "issuer's OpenID metadata", timeoutMs)
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (typeof metadata.issuer === 'string' && trimSlash(metadata.issuer) !== trimSlash(issuer)) {
    throw failed(
      'Issuer',
      `the OpenID metadata at ${printable(url, 200)} is for '${printable(metadata.issuer)}', not the token's issuer '${printable(issuer)}'.`,
    )
  }
  const jwksUri = metadata.jwks_uri
  if (typeof jwksUri !== 'string' || !/^https:\/\//i.test(jwksUri)) {
    throw new CliError(
      `Cannot verify: the OpenID metadata at ${printable(url, 200)} has no https jwks_uri.`,
      ExitCode.Network,
      'BAD_METADATA',
    )
  }
  try {
    new URL(jwksUri)
  } catch {
    throw new CliError(
      `Cannot verify: the OpenID metadata at ${printable(url, 200)} has an invalid jwks_uri.`,
      ExitCode.Network,
      'BAD_METADATA',
    )
  }
  return jwksUri
}

/** jose's failure → which check failed, in words, with the exit code scripts branch on. */
function explain(error: unknown, decoded: DecodedJwt, context: {audience?: string; jwksUri: string}): CliError {
  const err = error as Error & {code?: string; claim?: string; reason?: string}
  const {claims, header} = decoded
  const now = new Date()
  const skew = formatSpan(CLOCK_SKEW_SECONDS)
  const jwks = printable(context.jwksUri, 200)
  switch (err.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return failed(
        'Signature',
        "the signature does not match the token's header and payload (was the token altered?).",
      )
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return failed(
        'Signature',
        `unknown key: no key with kid '${printable(header.kid ?? 'none')}' in the issuer's JWKS (${jwks}); the token was not signed by this issuer, or its key was withdrawn.`,
      )
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return failed('Algorithm', `'${printable(header.alg)}' does not match the issuer's key.`)
    case 'ERR_JWT_EXPIRED': {
      const exp = claimDate(claims.exp)
      const when = exp ? `${expiryPhrase(exp, now)} (${formatLocalTime(exp)})` : 'expired'
      return new CliError(
        `Expiry check failed: the token ${when}, beyond the ${skew} allowed for clock skew.`,
        ExitCode.TokenExpired,
        'TOKEN_EXPIRED',
      )
    }
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimFailure(err.claim, err.reason, decoded, context.audience, now, skew)
    case 'ERR_JWKS_TIMEOUT':
      // jose's own timeout (timeoutDuration) fired.
      return networkProblem(err, "issuer's JWKS", context.jwksUri, true)
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      // jose's wording for a non-200 or non-JSON key set answer; it carries no token data.
      return new CliError(
        `Cannot verify: the issuer's JWKS at ${jwks} is unusable (${printable(err.message)}).`,
        ExitCode.Network,
        'JWKS_UNUSABLE',
      )
    default:
      // fetch() rejects with a TypeError whose cause is the socket error (or a proxy's refusal): the key set could not
      // be fetched. Only a TimeoutError is our own deadline; an AbortError may be undici's word for a refusing proxy.
      if (err.name === 'TypeError' || err.name === 'TimeoutError' || err.name === 'AbortError')
        return networkProblem(err, "issuer's JWKS", context.jwksUri, err.name === 'TimeoutError')
      return failed('Signature', `the token could not be verified (${printable(err.message ?? String(error))}).`)
  }
}

function claimFailure(
  claim: string | undefined,
  reason: string | undefined,
  decoded: DecodedJwt,
  audience: string | undefined,
  now: Date,
  skew: string,
): CliError {
  const {claims} = decoded
  if (claim === 'nbf') {
    const nbf = claimDate(claims.nbf)
    const when = nbf ? `${formatLocalTime(nbf)} (in ${formatSpan((nbf.getTime() - now.getTime()) / 1000)})` : 'later'
    if (reason === 'invalid') return failed('Not-before', "the 'nbf' claim is not a number.")
    return new CliError(
      `Not-before check failed: the token is not valid until ${when}, beyond the ${skew} allowed for clock skew.`,
      ExitCode.TokenNotYetValid,
      'TOKEN_NOT_YET_VALID',
    )
  }
  if (claim === 'exp')
    return failed('Expiry', reason === 'missing' ? "the token has no 'exp' claim." : "the 'exp' claim is not a number.")
  if (claim === 'aud') {
    const actual =
      claims.aud === undefined
        ? 'no audience'
        : `'${printable(Array.isArray(claims.aud) ? claims.aud.join("', '") : claims.aud)}'`
    return failed('Audience', `the token is for ${actual}, not '${printable(audience ?? '')}'.`)
  }
  if (claim === 'iss') return failed('Issuer', `the token was issued by '${printable(claims.iss)}'.`)
  return failed(
    'Claims',
    `the '${printable(claim ?? 'unknown')}' claim is invalid (${printable(reason ?? 'check failed')}).`,
  )
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
