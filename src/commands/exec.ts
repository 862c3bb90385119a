import {Flags} from '@oclif/core'
import {UsageError} from '../base/errors.js'
import {CLI_SECRET_VARIABLES, checkVariableName, childEnvironment, DEFAULT_TOKEN_VARIABLE} from '../cli/child-env.js'
import {runChild} from '../cli/child-process.js'
import {TokenCommand} from '../cli/token-command.js'
import {profileFlag, scopeFlag} from '../cli/token-flags.js'

export default class Exec extends TokenCommand {
  static override summary = 'Run a command with a token in its environment (never in argv, a file or the terminal).'

  static override description = `Gets the token as get-token does (from the cache when it is valid for 5 more minutes), then runs COMMAND with it in ACCESS_TOKEN (or --env-name) in the command's environment only. Everything after -- is the command and its arguments, passed as they are (no shell): use sh -c '...' for pipes or "$ACCESS_TOKEN" expansions (but a token expanded into another program's arguments is visible in ps again: pipe it in).

The exit status is the command's (128 + N when signal N killed it; 127 when it is not found, 126 when it cannot be run). SIGINT, SIGTERM and SIGHUP are passed on to it. The CLI's own secrets (${CLI_SECRET_VARIABLES.join(', ')}) are removed from its environment unless --keep-env names them.

Only what you must act on (a device code, a sign-in URL, a passphrase prompt) and warnings are printed, on stderr.`

  static override examples = [
    {
      command:
        '<%= config.bin %> exec -p myapp -- sh -c \'printf "Authorization: Bearer %s" "$ACCESS_TOKEN" | curl -sf -H @- https://graph.microsoft.com/v1.0/organization\'',
      description: "Call an API; curl reads the header from stdin, so the token is in no process's arguments",
    },
    {
      command: '<%= config.bin %> exec -p myapp --env-name TF_VAR_token -- terraform plan',
      description: 'Hand the token to a tool that reads another variable',
    },
    {
      command: '<%= config.bin %> exec -p me -s api://my-api/.default -- ./deploy.sh',
      description: 'A token for another API, for a whole script',
    },
  ]

  static override flags = {
    account: Flags.string({
      description: 'Account (UPN) to use when the profile has signed in several; default: the last used.',
    }),
    'env-name': Flags.string({
      default: DEFAULT_TOKEN_VARIABLE,
      description: 'Name of the environment variable that carries the token.',
      helpValue: 'NAME',
    }),
    flow: Flags.string({char: 'f', description: "Flow to use instead of the profile's.", helpValue: 'FLOW'}),
    'keep-env': Flags.string({
      description: "Pass this secret of the CLI's own on to the command after all (repeatable).",
      multiple: true,
      options: [...CLI_SECRET_VARIABLES],
    }),
    profile: profileFlag,
    scope: scopeFlag,
    timeout: Flags.string({
      description: 'Give up getting the token after this long (the command itself is not timed).',
      helpValue: 'DURATION',
    }),
  }

  // Everything after `--` is the command; it is split off before oclif parses (see run).
  static override strict = false

  static override usage = 'exec -p PROFILE [-s SCOPE] [--env-name NAME] -- COMMAND [ARGS...]'

  async run(): Promise<void> {
    const dashes = this.argv.indexOf('--')
    if (dashes === -1 || dashes === this.argv.length - 1) {
      throw new UsageError(
        `Name the command after --, e.g. ${this.config.bin} exec -p PROFILE -- sh -c 'echo "$ACCESS_TOKEN" | wc -c'.`,
      )
    }
    const [command, ...args] = this.argv.slice(dashes + 1)
    // Only the part before `--` is ours: the command's own flags, and words that look like ours, go to it untouched.
    const {argv: extra, flags} = await this.parse(Exec, this.argv.slice(0, dashes))
    if (extra.length > 0)
      throw new UsageError(`Unexpected '${String(extra[0])}' before --: the command and its arguments go after --.`)
    const name = checkVariableName(flags['env-name'], '--env-name')
    const result = await this.quietToken(flags)
    const env = childEnvironment(process.env, {keep: flags['keep-env'], name, token: result.accessToken})
    process.exitCode = await runChild(command, args, env)
  }
}
