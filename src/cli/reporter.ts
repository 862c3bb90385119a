import type {Reporter} from '../contract/index.js'
import type {TextSink} from '../base/text.js'


/**
 * Everything that is not the product goes to stderr, so `TOKEN=$(entra-auth-cli get-token -p x)` captures the token
 * alone. `--silent` drops status lines but never a notice (a device code, a URL the user must open) or a warning.
 */
export function createReporter(options: {silent: boolean; stderr?: TextSink}): Reporter {
  const stderr = options.stderr ?? process.stderr
  return {
    notice: (message) => void stderr.write(`${message}\n`),
    status: (message) => {
      if (!options.silent) stderr.write(`${message}\n`)
    },
    warn: (message) => void stderr.write(`Warning: ${message}\n`),
  }
}
