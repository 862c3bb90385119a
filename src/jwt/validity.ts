import type {JWTPayload} from 'jose'
import {CliError} from '../base/errors.js'
import {ExitCode, type ExitCodeValue} from '../base/exit-codes.js'
import {claimDate, decodeJwt} from './read.js'
import {expiryPhrase, formatLocalTime, formatSpan} from '../base/time.js'

/**
 * "Is this token still usable?" (the `discover` question), answered from its claims alone. Every answer, including
 * "this is not a token", is a value with an exit code and one line of text, not an exception: for a script these
 * are outcomes to branch on, not failures of the command.
 */
export type TokenState = 'valid' | 'expiring' | 'expired' | 'not-yet-valid' | 'unreadable'

export interface Assessment {
  state: TokenState
  valid: boolean
  expiresOn: Date | undefined
  /** Whole seconds until `exp`; negative once expired. */
  secondsLeft: number | undefined
  exitCode: ExitCodeValue
  /** One line for stderr. */
  message: string
}

/**
 * Clocks disagree. APIs protected by Entra accept five minutes of skew (Microsoft.IdentityModel's default
 * ClockSkew; Entra itself back-dates `nbf` and `iat` by as much), so we allow the same: `discover` for `nbf` only,
 * `inspect --verify` for `nbf` and `exp` (see jwt-verify.ts). `discover` gives `exp` no allowance: its question is
 * whether the token will still work, and when in doubt the answer "get a new one" is the safe one.
 */
export const CLOCK_SKEW_SECONDS = 300

export interface AssessOptions {
  now?: Date
  /** The token must stay valid at least this long to count as valid (discover --min-valid). */
  minValidMs: number
}

export function assessClaims(claims: JWTPayload, options: AssessOptions): Assessment {
  const now = options.now ?? new Date()
  const expiresOn = claimDate(claims.exp)
  if (!expiresOn) {
    return unreadable("The token has no usable expiry ('exp' claim), so whether it is still valid cannot be told.")
  }
  const leftMs = expiresOn.getTime() - now.getTime()
  const at = {expiresOn, secondsLeft: Math.floor(leftMs / 1000)}
  const when = formatLocalTime(expiresOn)
  if (leftMs <= 0) {
    return {
      ...at,
      exitCode: ExitCode.TokenExpired,
      message: `Token ${expiryPhrase(expiresOn, now)} (${when}).`,
      state: 'expired',
      valid: false,
    }
  }
  const notBefore = claimDate(claims.nbf)
  if (notBefore && notBefore.getTime() - now.getTime() > CLOCK_SKEW_SECONDS * 1000) {
    const wait = formatSpan((notBefore.getTime() - now.getTime()) / 1000)
    return {
      ...at,
      exitCode: ExitCode.TokenNotYetValid,
      message: `Token not valid until ${formatLocalTime(notBefore)} (in ${wait}).`,
      state: 'not-yet-valid',
      valid: false,
    }
  }
  if (leftMs < options.minValidMs) {
    return {
      ...at,
      exitCode: ExitCode.TokenExpired,
      message: `Token ${expiryPhrase(expiresOn, now)} (${when}), sooner than the ${formatSpan(options.minValidMs / 1000)} required (--min-valid).`,
      state: 'expiring',
      valid: false,
    }
  }
  return {
    ...at,
    exitCode: ExitCode.Ok,
    message: `Token valid until ${when} (${expiryPhrase(expiresOn, now)}).`,
    state: 'valid',
    valid: true,
  }
}

/**
 * Reads and assesses a token. Anything wrong with the token itself (no file, empty, opaque, encrypted, garbage)
 * becomes an `unreadable` assessment; only a usage error (two sources given, say) is thrown.
 */
export async function assessToken(read: () => Promise<string> | string, options: AssessOptions): Promise<Assessment> {
  try {
    const {claims} = await decodeJwt(await read())
    return assessClaims(claims, options)
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.TokenUnreadable) return unreadable(error.message)
    throw error
  }
}

function unreadable(message: string): Assessment {
  return {
    exitCode: ExitCode.TokenUnreadable,
    expiresOn: undefined,
    message,
    secondsLeft: undefined,
    state: 'unreadable',
    valid: false,
  }
}

/** The `--json` shape of an assessment: `{valid, expiresOn, secondsLeft, reason}`. */
export function assessmentJson(assessment: Assessment): string {
  return JSON.stringify(
    {
      valid: assessment.valid,
      expiresOn: assessment.expiresOn?.toISOString() ?? null,
      secondsLeft: assessment.secondsLeft ?? null,
      reason: assessment.state,
    },
    null,
    2,
  )
}
