import type {JWTPayload, ProtectedHeaderParameters} from 'jose'
import {CliError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'

/**
 * Decoding (not verifying) a JWT that a user pasted or piped, with jose. Everything here must answer any input with
 * either a decoded token or a one-line CliError (exit 8) that never repeats the input: the property test in
 * test/unit/jwt/read.property.test.ts holds it to that.
 */
export interface DecodedJwt {
  header: ProtectedHeaderParameters
  claims: JWTPayload
  /** False for an unsecured JWT (`alg: none`, empty third part): readable, but nothing can vouch for it. */
  signed: boolean
}

export class TokenUnreadableError extends CliError {
  constructor(message: string, code = 'TOKEN_UNREADABLE') {
    super(message, ExitCode.TokenUnreadable, code)
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/
const NOT_READABLE = 'Not a readable JWT'
const OPAQUE_HINT =
  'Microsoft account (MSA) tokens and some Microsoft Graph tokens are opaque on purpose: only the API they are for can read them'

/** Why a string is not a JWT we can read, or undefined when its shape is right (three base64url parts). */
function shapeProblem(token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length === 1)
    return `${NOT_READABLE}: the token is opaque (it has no header.payload.signature parts). ${OPAQUE_HINT}.`
  if (parts.length === 5) {
    return `${NOT_READABLE}: it has five parts, the shape of an encrypted token (JWE); only the API it is for can decrypt it.`
  }
  if (parts.length !== 3)
    return `${NOT_READABLE}: expected three dot-separated parts (header.payload.signature), found ${parts.length}.`
  if (!parts.every((part) => BASE64URL.test(part))) {
    return `${NOT_READABLE}: its parts are not base64url (letters, digits, '-' and '_' only); was it altered when copied?`
  }
  if (parts[0] === '' || parts[1] === '') return `${NOT_READABLE}: its header or payload part is empty.`
  return undefined
}

/** Lazy: jose is ESM-only and costs start-up time, so only the commands that read tokens load it, when they do. */
async function jose(): Promise<typeof import('jose')> {
  return import('jose')
}

/**
 * Header and claims of a compact JWS/JWT. The signature is checked only to exist (see jwt-verify.ts for the real
 * check) and is never returned, so it cannot end up in output.
 */
export async function decodeJwt(token: string): Promise<DecodedJwt> {
  const problem = shapeProblem(token)
  if (problem) throw new TokenUnreadableError(problem)
  const {decodeJwt: decodeClaims, decodeProtectedHeader} = await jose()

  let header: ProtectedHeaderParameters
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw new TokenUnreadableError(`${NOT_READABLE}: its header is not base64url-encoded JSON.`)
  }
  // A three-part string whose header names an encryption algorithm is not a JWE either, but it is not readable.
  if ('enc' in header)
    throw new TokenUnreadableError(
      `${NOT_READABLE}: its header says it is encrypted (enc); only the API it is for can decrypt it.`,
    )

  let claims: JWTPayload
  try {
    claims = decodeClaims(token)
  } catch {
    throw new TokenUnreadableError(
      `${NOT_READABLE}: its payload is not a base64url-encoded JSON object (the token may be encrypted or opaque). ${OPAQUE_HINT}.`,
    )
  }
  return {claims, header, signed: !token.endsWith('.')}
}

/**
 * A NumericDate claim (`exp`, `nbf`, `iat`: seconds since the epoch) as a Date, or undefined when it is absent or not
 * a time JavaScript can represent (a string, NaN, 1e300...). Tokens are user input; their numbers may be anything.
 */
export function claimDate(value: unknown): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  const date = new Date(value * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date
}
