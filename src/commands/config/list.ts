import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {DEFAULT_FLOW} from '../../profile/model.js'
import {ProfileStore} from '../../profile/store.js'
import {canonicalName, listExtensions} from '../../extensions/registry.js'
import {profileSummary, secretWhere} from '../../cli/profile-view.js'
import {renderTable} from '../../cli/table.js'
import {writeStdout} from '../../base/output-target.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'List profiles.'
  static override description =
    'A table of name, tenant, client id, auth method, default flow and the secret store holding the secret (never the secret). A flow or secret store whose plugin is not installed any more is marked "(not installed)". --json prints every setting of every profile as a JSON array on stdout, with flowInstalled and storeInstalled.'
  static override examples = [
    {command: '<%= config.bin %> config list', description: 'A table'},
    {command: '<%= config.bin %> config list --json | jq -r ".[].name"', description: 'Profile names, for scripts'},
  ]
  static override flags = {json: Flags.boolean({description: 'Print the profiles as a JSON array.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigList)
    const profiles = await new ProfileStore(this.home).list()
    // From package.json metadata alone (no plugin code runs): is each profile's flow still installed?
    const installed = new Set(listExtensions(this.hooks, 'flow').map((e) => canonicalName(e.id)))
    const flowInstalled = (p: (typeof profiles)[number]) => installed.has(canonicalName(p.defaultFlow ?? DEFAULT_FLOW))
    const stores = new Set(listExtensions(this.hooks, 'store').map((e) => canonicalName(e.id)))
    const storeInstalled = (p: (typeof profiles)[number]) =>
      typeof p.secretStore !== 'string' || stores.has(canonicalName(p.secretStore))
    if (flags.json) {
      await writeStdout(
        JSON.stringify(
          profiles.map((p) => ({
            ...profileSummary(p),
            flowInstalled: flowInstalled(p),
            storeInstalled: storeInstalled(p),
          })),
          null,
          2,
        ) + '\n',
        'the profile list',
      )
      return
    }
    if (profiles.length === 0) {
      process.stderr.write(`No profiles yet. Create one with '${this.config.bin} config create'.\n`)
      return
    }
    const rows = profiles.map((p) => {
      const flow = (p.defaultFlow ?? DEFAULT_FLOW) + (flowInstalled(p) ? '' : ' (not installed)')
      const secret = secretWhere(p) + (storeInstalled(p) ? '' : ' (not installed)')
      return [p.name, p.tenantId || '-', p.clientId || '-', p.authMethod, flow, secret]
    })
    await writeStdout(renderTable(['NAME', 'TENANT', 'CLIENT ID', 'AUTH', 'FLOW', 'SECRET'], rows), 'the profile list')
    if (profiles.some((p) => !flowInstalled(p))) {
      process.stderr.write(
        `A flow marked (not installed) comes from a plugin that is gone: reinstall it ('${this.config.bin} plugins install ...'), or pick another flow with '${this.config.bin} config edit -p NAME --flow FLOW' (see '${this.config.bin} flows').\n`,
      )
    }
    const goneStores = profiles.filter((p) => !storeInstalled(p))
    if (goneStores.length > 0) {
      const plugins = [...new Set(goneStores.map((p) => p.storePlugin).filter((p) => typeof p === 'string'))]
      process.stderr.write(
        `A secret store marked (not installed) comes from a plugin that is gone: reinstall it ('${this.config.bin} plugins install ${plugins.length > 0 ? plugins.join(' ') : '...'}'), or store the secrets again with '${this.config.bin} config edit -p NAME'.
`,
      )
    }
  }
}
