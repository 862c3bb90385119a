import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {UsageError} from '../../base/errors.js'
import {ProfileService} from '../../config/service.js'
import {isInteractive, terminalPrompts} from '../../cli/prompts.js'

export default class ConfigDelete extends BaseCommand {
  static override summary = 'Delete a profile with its stored secrets and cached tokens.'
  static override description =
    'Removes the profile from profiles.json, its client secret or certificate password from the secret store, its cached tokens, and the certificate copy that config import made for it (never a certificate file of your own). On a terminal it asks first; scripts must add --yes.'
  static override examples = [
    {command: '<%= config.bin %> config delete -p myapp', description: 'Asks for confirmation'},
    {command: '<%= config.bin %> config delete -p myapp --yes', description: 'In a script'},
  ]
  static override flags = {
    profile: Flags.string({char: 'p', description: 'Profile name.', required: true}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigDelete)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    await service.profiles.get(flags.profile)
    if (!flags.yes) {
      if (!isInteractive())
        throw new UsageError(`Refusing to delete '${flags.profile}' without confirmation; add --yes.`)
      const sure = await terminalPrompts().confirm(`Delete profile '${flags.profile}', its secrets and cached tokens?`)
      if (!sure) {
        process.stderr.write('Nothing was deleted.\n')
        return
      }
    }
    await service.delete(flags.profile)
    process.stderr.write(`✓ Profile '${flags.profile}' deleted, with its secrets and cached tokens.\n`)
  }
}
