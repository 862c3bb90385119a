import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {completionSetupSteps, detectShell, writeCompletionScripts} from '../../completion/setup.js'
import {SHELLS, type Shell} from '../../completion/scripts.js'
import {writeStdout} from '../../base/output-target.js'

export default class Autocomplete extends BaseCommand {
  static override summary = 'Set up tab completion for bash, zsh, fish or PowerShell.'
  static override description =
    'Writes the completion scripts and prints the steps to load them from your shell start-up file. The scripts ask the CLI at each TAB, so profiles, flows (plugins included), clouds and file names complete as they are now; nothing needs regenerating after a change.'
  static override examples = [
    {command: '<%= config.bin %> autocomplete', description: 'Steps for the shell you are using'},
    {command: '<%= config.bin %> autocomplete zsh', description: 'Steps for zsh'},
    {command: '<%= config.bin %> autocomplete --refresh-cache', description: 'Rewrite the scripts only'},
  ]
  static override args = {
    shell: Args.string({description: 'Shell: bash, zsh, fish or powershell (default: yours).', options: [...SHELLS]}),
  }
  static override flags = {
    'refresh-cache': Flags.boolean({char: 'r', description: 'Only rewrite the scripts; print no steps.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Autocomplete)
    const shell = (args.shell as Shell | undefined) ?? detectShell(this.config.shell)
    await writeCompletionScripts(this.config.cacheDir, this.config.bin)
    if (flags['refresh-cache']) return
    await writeStdout(completionSetupSteps(shell, this.config.bin), 'the setup steps')
  }
}
