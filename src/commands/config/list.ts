import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {DEFAULT_FLOW} from '../../profile/model.js'
import {ProfileStore} from '../../profile/store.js'
import {profileSummary, secretWhere} from '../../cli/profile-view.js'
import {renderTable} from '../../cli/table.js'
import {writeStdout} from '../../base/output-target.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'List profiles.'
  static override description =
    'A table of name, tenant, client id, auth method, default flow and the secret store holding the secret (never the secret). --json prints every setting of every profile as a JSON array on stdout.'
  static override examples = [
    {command: '<%= config.bin %> config list', description: 'A table'},
    {command: '<%= config.bin %> config list --json | jq -r ".[].name"', description: 'Profile names, for scripts'},
  ]
  static override flags = {json: Flags.boolean({description: 'Print the profiles as a JSON array.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigList)
    const profiles = await new ProfileStore(this.home).list()
    if (flags.json) {
      await writeStdout(JSON.stringify(profiles.map((p) => profileSummary(p)), null, 2) + '\n', 'the profile list')
      return
    }
    if (profiles.length === 0) {
      process.stderr.write(`No profiles yet. Create one with '${this.config.bin} config create'.\n`)
      return
    }
    const rows = profiles.map((p) => [p.name, p.tenantId, p.clientId, p.authMethod, p.defaultFlow ?? DEFAULT_FLOW, secretWhere(p)])
    await writeStdout(renderTable(['NAME', 'TENANT', 'CLIENT ID', 'AUTH', 'FLOW', 'SECRET'], rows), 'the profile list')
  }
}
