import {Flags} from '@oclif/core'
import {checkVariableName, DEFAULT_TOKEN_VARIABLE} from '../cli/child-env.js'
import {TokenCommand} from '../cli/token-command.js'
import {profileFlag, scopeFlag} from '../cli/token-flags.js'
import {defaultShell, evalHint, exportLine, SHELLS, type Shell} from '../cli/shell-export.js'
import {writeStdout} from '../base/output-target.js'

export default class Env extends TokenCommand {
  static override summary = 'Print the shell line that exports a token, for eval.'

  static override description = `Gets the token as get-token does and prints one line that sets ACCESS_TOKEN (or --env-name) in your shell, quoted for it: bash, zsh and sh (export NAME='...'), fish (set -gx NAME '...') or PowerShell ($env:NAME = '...'). The default shell comes from $SHELL (PowerShell on Windows).

The token goes to stdout because you asked for it there: load it with eval rather than printing it on the screen. To hand a token to one command only, 'exec' keeps it out of your shell altogether.`

  static override examples = [
    {
      command: 'eval "$(<%= config.bin %> env -p myapp)"',
      description: 'bash, zsh: ACCESS_TOKEN for the rest of the session',
    },
    {command: '<%= config.bin %> env -p myapp --shell fish | source', description: 'fish'},
    {command: '<%= config.bin %> env -p myapp --shell pwsh | Invoke-Expression', description: 'PowerShell'},
    {command: 'eval "$(<%= config.bin %> env -p myapp --env-name GRAPH_TOKEN)"', description: 'Another variable name'},
  ]

  static override flags = {
    account: Flags.string({
      description: 'Account (UPN) to use when the profile has signed in several; default: the last used.',
    }),
    'env-name': Flags.string({
      default: DEFAULT_TOKEN_VARIABLE,
      description: 'Name of the variable to set.',
      helpValue: 'NAME',
    }),
    flow: Flags.string({char: 'f', description: "Flow to use instead of the profile's.", helpValue: 'FLOW'}),
    profile: profileFlag,
    scope: scopeFlag,
    shell: Flags.string({description: 'Shell to quote for; default: from $SHELL.', options: [...SHELLS]}),
    timeout: Flags.string({
      description: 'Give up after this long: seconds or a duration such as 90s, 5m.',
      helpValue: 'DURATION',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Env)
    const name = checkVariableName(flags['env-name'], '--env-name')
    const shell = (flags.shell as Shell | undefined) ?? defaultShell()
    const result = await this.quietToken(flags)
    if (process.stdout.isTTY) {
      process.stderr.write(
        `To set it in this shell instead of showing it: ${evalHint(shell, `${this.config.bin} env -p ${flags.profile}`)}\n`,
      )
    }
    await writeStdout(`${exportLine(shell, name, result.accessToken)}\n`, 'the token')
  }
}
