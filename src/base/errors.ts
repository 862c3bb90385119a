import {ERROR_KINDS, errorKindOf} from '../contract/errors.js'
import {ExitCode, type ExitCodeValue} from './exit-codes.js'
import {scrubTokens} from './redact.js'
import {BIN} from './product.js'

/**
 * An error meant for the person at the terminal: one line that says what went wrong and how to fix it.
 * Everything the product raises on purpose is a CliError; anything else is a bug and is reported as such.
 * Messages must never contain a secret or a token (use `redact` from ./redact.js when echoing input).
 */
export class CliError extends Error {
  /** Facts for whoever investigates (what the server said, its request IDs); never advice, never a secret. */
  details: readonly ErrorDetail[] = []

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failure,
    readonly code = 'ERROR',
  ) {
    super(message)
    this.name = 'CliError'
  }

  withDetails(details: readonly ErrorDetail[]): this {
    this.details = details
    return this
  }
}

/**
 * One fact attached to an error: a field of the `--json` error object, and (when it has a label) an indented line
 * under the one-line message, so the advice stays the first line and support's IDs are still at hand.
 */
export interface ErrorDetail {
  readonly field: string
  readonly label?: string
  readonly value: string | number
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage, 'USAGE')
  }
}

export class ConfigError extends CliError {
  constructor(message: string, code = 'CONFIG') {
    super(message, ExitCode.Config, code)
  }
}

export class AuthError extends CliError {
  constructor(message: string, code = 'AUTH_REFUSED') {
    super(message, ExitCode.AuthRefused, code)
  }
}

export class NetworkError extends CliError {
  constructor(message: string, code = 'NETWORK') {
    super(message, ExitCode.Network, code)
  }
}

export function profileNotFound(name: string): ConfigError {
  return new ConfigError(
    `Profile '${name}' not found. Run '${BIN} config list' to see profiles, or '${BIN} config create' to add one.`,
    'PROFILE_NOT_FOUND',
  )
}

/** Keeps a one-line contract: multi-line causes (stack traces, Entra's trace ids) are folded away. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

/**
 * What a plugin threw, as the CLI error its `errorKind` stands for (exit 3, 4 or 5); undefined when it declares no
 * known kind. Read from a plain property, so an error from another copy of the contract package counts the same.
 */
export function pluginCliError(error: unknown): CliError | undefined {
  if (error instanceof CliError) return undefined
  const kind = errorKindOf(error)
  if (!kind) return undefined
  const {code, message} = error as {code?: unknown; message?: unknown}
  const text = scrubTokens(oneLine(typeof message === 'string' && message ? message : `a plugin failed (${kind})`))
  return new CliError(text, ERROR_KINDS[kind], typeof code === 'string' && code ? code : kind.toUpperCase())
}
