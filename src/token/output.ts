import type {TextSink} from '../base/text.js'
import {writeOutputFile, writeStdout} from '../base/output-target.js'
import type {Reporter, TokenResult} from '../contract/index.js'

/** What get-token, refresh and the fast path print: the bare token, the JSON envelope, or a kubectl ExecCredential. */
export const OUTPUT_FORMATS = ['token', 'json', 'exec-credential'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** How a token leaves the program. Shared by the get-token/refresh commands and the get-token fast path. */
export interface TokenOutputOptions {
  format: OutputFormat
  /** Write to this file (0600, atomically) instead of stdout. */
  output?: string
  /** Where KUBERNETES_EXEC_INFO is read from (exec-credential). */
  env?: NodeJS.ProcessEnv
}

/** `--json` is the short form of `--output-format json`; the two together are refused by the flag parser. */
export function outputFormat(flags: {json?: boolean; 'output-format'?: string}): OutputFormat {
  if (flags.json) return 'json'
  const format = flags['output-format'] ?? 'token'
  return (OUTPUT_FORMATS as readonly string[]).includes(format) ? (format as OutputFormat) : 'token'
}

export function tokenJson(result: TokenResult): string {
  // Key order is part of the documented output: {accessToken, expiresOn, tokenType, scopes}.
  const json = {
    accessToken: result.accessToken,
    expiresOn: result.expiresOn.toISOString(),
    tokenType: result.tokenType,
    scopes: result.scopes,
  }
  return JSON.stringify(json, null, 2)
}

export const EXEC_CREDENTIAL_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const

/**
 * The API version kubectl asked for. kubectl passes the exec stanza's apiVersion in KUBERNETES_EXEC_INFO and
 * rejects an answer in any other version, so a kubeconfig written for v1beta1 keeps working; default v1.
 */
export function execCredentialApiVersion(env: NodeJS.ProcessEnv = process.env): string {
  const info = env.KUBERNETES_EXEC_INFO
  if (info) {
    try {
      const apiVersion = (JSON.parse(info) as {apiVersion?: unknown}).apiVersion
      if ((EXEC_CREDENTIAL_API_VERSIONS as readonly unknown[]).includes(apiVersion)) return apiVersion as string
    } catch {
      // kubectl sent something unreadable: answer with the version every kubectl since 1.22 accepts.
    }
  }
  return EXEC_CREDENTIAL_API_VERSIONS[0]
}

/**
 * A client.authentication.k8s.io ExecCredential, the answer kubectl expects from an exec credential plugin.
 * kubectl caches the token until expirationTimestamp (RFC 3339, whole seconds, as Kubernetes writes times).
 */
export function execCredentialJson(result: TokenResult, env: NodeJS.ProcessEnv = process.env): string {
  const credential = {
    apiVersion: execCredentialApiVersion(env),
    kind: 'ExecCredential',
    status: {expirationTimestamp: result.expiresOn.toISOString().replace(/\.\d+Z$/, 'Z'), token: result.accessToken},
  }
  return JSON.stringify(credential)
}

/** The text a format prints for a token (without the final newline). */
export function formatToken(result: TokenResult, format: OutputFormat, env: NodeJS.ProcessEnv = process.env): string {
  if (format === 'json') return tokenJson(result)
  if (format === 'exec-credential') return execCredentialJson(result, env)
  return result.accessToken
}

/** `stdout`: a buffer to hold the text (the fast path) instead of writing it to stdout, where a failed write throws. */
export async function emitToken(
  result: TokenResult,
  options: TokenOutputOptions,
  reporter: Reporter,
  stdout?: TextSink,
): Promise<void> {
  const text = formatToken(result, options.format, options.env)
  if (options.output) {
    await writeOutputFile(options.output, `${text}\n`, 'the token')
    reporter.status(`✓ Token saved to ${options.output}`)
    return
  }
  if (stdout) stdout.write(`${text}\n`)
  else await writeStdout(`${text}\n`, 'the token')
}

export const messages = {
  authenticating: (profile: string) => `Authenticating with profile '${profile}'...`,
  acquired: '✓ Token acquired successfully',
  cached: '✓ Token acquired successfully (from cache)',
}
