import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {parseDuration} from '../base/duration.js'
import {assessmentJson, assessToken} from '../jwt/validity.js'
import {commandLineTokenWarning, readToken} from '../cli/token-input.js'
import {writeStdout} from '../base/output-target.js'

export default class Discover extends BaseCommand {
  static override summary = 'Tell whether a saved token is still usable (exit 0) or must be replaced.'

  static override description = `Reads the token from -f FILE, stdin or -t TOKEN and checks its lifetime from its own claims, offline: the signature is not checked (use inspect --verify for that).

Exit codes, for scripts:
  0  valid for at least --min-valid (default 5 min)
  2  usage error (bad flag, two sources)
  6  expired, or valid for less than --min-valid
  7  not valid yet (nbf more than 5 min ahead: the clock skew APIs allow)
  8  unreadable: missing or empty file, opaque or encrypted token, not a JWT, no exp claim

One line on stderr says which and when. (At a terminal, -t TOKEN also draws a warning: a token on the command line can be read by other local users with ps and is kept in shell history; pipe it in or use -f FILE.) With --json, stdout also gets {valid, expiresOn, secondsLeft, reason}; reason is valid, expiring, expired, not-yet-valid or unreadable; secondsLeft is negative once expired.`

  static override examples = [
    {command: '<%= config.bin %> discover -f token.txt', description: 'Is the saved token good for 5 more minutes?'},
    {
      command:
        'if ! <%= config.bin %> discover -f token.txt 2>/dev/null; then <%= config.bin %> get-token -p myapp --silent -o token.txt; fi; TOKEN=$(cat token.txt)',
      description: 'Reuse a saved token until it is about to expire',
    },
    {
      command: '<%= config.bin %> discover -f token.txt --min-valid 30m',
      description: 'Will it outlast a 30-minute job?',
    },
    {
      command: 'echo "$TOKEN" | <%= config.bin %> discover --json | jq .secondsLeft',
      description: 'Seconds left, as JSON',
    },
  ]

  static override flags = {
    file: Flags.string({char: 'f', description: "Read the token from this file ('-' for stdin).", helpValue: 'FILE'}),
    json: Flags.boolean({description: 'Also print {valid, expiresOn, secondsLeft, reason} on stdout.'}),
    'min-valid': Flags.string({
      default: '5m',
      description: 'How long the token must stay valid to count as valid: seconds or a duration such as 90s, 5m, 1h.',
      helpValue: 'DURATION',
    }),
    token: Flags.string({
      char: 't',
      description: "The token (visible in ps: prefer a pipe or -f FILE), or '-' for stdin.",
      helpValue: 'TOKEN',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Discover)
    const minValidMs = parseDuration(flags['min-valid'], '--min-valid')
    const sources = {file: flags.file, token: flags.token}
    const assessment = await assessToken(() => readToken(sources), {minValidMs})
    // Only at a terminal: for scripts, stderr is one documented line ("which and when") that they may parse.
    const warning = commandLineTokenWarning(sources, 'discover')
    if (warning && process.stderr.isTTY) process.stderr.write(`${warning}\n`)
    if (flags.json) await writeStdout(`${assessmentJson(assessment)}\n`, 'the assessment')
    // An outcome, not an error: one line and an exit code, with no "Error:" prefix even when the answer is "no".
    process.stderr.write(`${assessment.valid ? '✓ ' : ''}${assessment.message}\n`)
    process.exitCode = assessment.exitCode
  }
}
