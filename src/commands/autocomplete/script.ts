import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {rcLine, scriptFiles, SHELLS, type Shell} from '../../completion/scripts.js'
import {detectShell} from '../../completion/setup.js'
import {writeStdout} from '../../base/output-target.js'

export default class AutocompleteScript extends BaseCommand {
  static override hidden = true
  static override summary = 'Print the line a shell start-up file evaluates to load tab completion.'
  static override args = {
    shell: Args.string({description: 'Shell: bash, zsh, fish or powershell.', options: [...SHELLS]}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(AutocompleteScript)
    const shell = (args.shell as Shell | undefined) ?? detectShell(this.config.shell)
    // The same line @oclif/plugin-autocomplete printed for bash and zsh, so start-up files written with it still work.
    const setup = scriptFiles(this.config.cacheDir, this.config.bin)[shell].setup
    await writeStdout(
      `${shell === 'powershell' ? '' : '\n'}${rcLine(shell, this.config.bin, setup)}\n`,
      'the completion script',
    )
  }
}
