/**
 * How a plugin says why it failed. entra-auth-cli reads the plain `errorKind` property of whatever a flow or store
 * throws, never `instanceof`: a plugin may bundle its own copy of this module, or throw a plain Error with the
 * property set, and the exit code is the same.
 *
 *   throw new PluginError('network', `Cannot reach ${url}: connection refused; is the endpoint up?`)
 *   throw Object.assign(new Error('...'), {errorKind: 'auth'})      // the same, without importing anything
 *
 * Anything thrown without a known `errorKind` exits 1 ("unexpected failure").
 */

/** The failures a plugin can report, with the exit code each one ends the command with (README "Exit codes"). */
export const ERROR_KINDS = {
  /** Local configuration: a missing or bad profile option, a missing secret, an unusable store. Exit 3. */
  config: 3,
  /** The identity provider or token endpoint refused: bad credential, unknown identity, denied. Exit 4. */
  auth: 4,
  /** The endpoint could not be reached or did not answer in time: refused, DNS, TLS, timeout, 5xx. Exit 5. */
  network: 5,
} as const

export type ErrorKind = keyof typeof ERROR_KINDS

/** An error entra-auth-cli shows as one line (`Error: <message>`) and exits with its kind's code. */
export class PluginError extends Error {
  readonly errorKind: ErrorKind
  readonly exitCode: number
  /** A short machine-readable code of the plugin's own, e.g. `IMDS_UNREACHABLE`. */
  readonly code: string

  constructor(kind: ErrorKind, message: string, options: {code?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'PluginError'
    this.errorKind = kind
    this.exitCode = ERROR_KINDS[kind]
    this.code = options.code ?? kind.toUpperCase()
  }
}

/** The kind a thrown value declares, if it declares a known one. Works across copies of this module. */
export function errorKindOf(error: unknown): ErrorKind | undefined {
  const kind = error && typeof error === 'object' ? (error as {errorKind?: unknown}).errorKind : undefined
  return typeof kind === 'string' && Object.hasOwn(ERROR_KINDS, kind) ? (kind as ErrorKind) : undefined
}
