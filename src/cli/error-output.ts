import {oneLine, type CliError} from '../base/errors.js'
import {terminalSafe, type TextSink} from '../base/text.js'

/**
 * How an error reaches the user. The first line is always `Error: <what to do>` on stderr; the error's labelled
 * details (what the server said, Trace ID, Correlation ID, Timestamp) follow, indented, one per line. With --json
 * the same error is also written to stdout as one JSON document, `{"error": {code, exitCode, message, ...details}}`,
 * so a script that reads stdout gets either the result or the error, always JSON.
 */
export function writeError(error: CliError, options: {json: boolean; stderr?: TextSink; stdout?: TextSink}): void {
  const stderr = options.stderr ?? process.stderr
  const stdout = options.stdout ?? process.stdout
  const lines = [`Error: ${safeLine(error.message)}`]
  for (const detail of error.details)
    if (detail.label) lines.push(`  ${detail.label}: ${safeLine(String(detail.value))}`)
  stderr.write(`${lines.join('\n')}\n`)
  if (options.json) stdout.write(`${JSON.stringify({error: errorJson(error)}, null, 2)}\n`)
}

/**
 * The last line of defence: whatever put it in the message (a hand-edited profiles.json, a server), no escape
 * sequence reaches the terminal, and the message stays one line: a newline or tab cannot fake another `Error:` line.
 */
function safeLine(text: string): string {
  return terminalSafe(oneLine(text)).replaceAll('\t', ' ')
}

export function errorJson(error: CliError): Record<string, string | number> {
  const json: Record<string, string | number> = {code: error.code, exitCode: error.exitCode, message: error.message}
  for (const detail of error.details) json[detail.field] ??= detail.value
  return json
}

/** Whether the command line asked for JSON: `--json` before any `--` (after it, the words belong to another program). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}
