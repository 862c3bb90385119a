/**
 * Process exit codes. They are part of the public contract (documented in README.md): scripts branch on them,
 * so a number, once given a meaning, keeps it.
 */
export const ExitCode = {
  Ok: 0,
  /** Anything not classified below. */
  Failure: 1,
  /** Bad flags or bad input: the command line (or stdin) has to change. */
  Usage: 2,
  /** Local configuration: unknown profile, missing secret, corrupt file, no usable secret store. */
  Config: 3,
  /** The identity provider refused: bad secret, unknown app, bad scope, consent, denied sign-in. */
  AuthRefused: 4,
  /** The identity provider could not be reached or did not answer in time (refused, TLS, timeout, 5xx, 429). */
  Network: 5,
  /** discover/inspect: the token has expired (or is valid for less than --min-valid). */
  TokenExpired: 6,
  /** discover/inspect: the token is not valid yet (nbf in the future). */
  TokenNotYetValid: 7,
  /** discover/inspect: not a readable JWT (opaque, encrypted, malformed). */
  TokenUnreadable: 8,
  /** inspect --verify: signature, issuer or audience check failed. */
  TokenInvalid: 9,
  /** exec: the command exists but could not be run (not executable), as shells report it. */
  CommandNotExecutable: 126,
  /** exec: the command was not found, as shells report it. */
  CommandNotFound: 127,
  /** doctor: at least one check failed (✗); warnings alone exit 0. */
  DoctorFailed: 10,
  /** Interrupted by the user (Ctrl-C), as shells report SIGINT. */
  Interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
