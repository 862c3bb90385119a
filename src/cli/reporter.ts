import type {Reporter} from '../contract/index.js'
import {terminalSafe, type TextSink} from '../base/text.js'

/**
 * Everything that is not the product goes to stderr, so `TOKEN=$(entra-auth-cli get-token -p x)` captures the token
 * alone. `--silent` drops status lines but never a notice (a device code, a URL the user must open) or a warning.
 * Lines may carry what a server or a plugin said (a device code's verification URI, a reason): no control
 * character of theirs reaches the terminal.
 */
export function createReporter(options: {silent: boolean; stderr?: TextSink}): Reporter {
  const stderr = options.stderr ?? process.stderr
  const line = (text: string) => void stderr.write(`${terminalSafe(text)}\n`)
  return {
    notice: (message) => line(message),
    status: (message) => {
      if (!options.silent) line(message)
    },
    warn: (message) => line(`Warning: ${message}`),
  }
}
