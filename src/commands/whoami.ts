import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {createReporter} from '../cli/reporter.js'
import {renderWhoami} from '../cli/whoami-view.js'
import {SecretStores} from '../extensions/secret-stores.js'
import {ProfileStore} from '../profile/store.js'
import {whoami, type WhoamiReport} from '../token/whoami.js'
import {writeStdout} from '../base/output-target.js'

export default class Whoami extends BaseCommand {
  static override summary = 'Who each profile signs in as, and what its cached tokens allow; from the cache alone.'

  static override description = `For each profile (or just -p PROFILE): tenant, client, authority and flow; the accounts signed in (UPN), which was used last and whether it still has a refresh token; and every cached access token with its scopes, expiry and the permissions it carries (roles for app-only tokens, scp for user tokens). A token without roles or scp is the usual cause of "Insufficient privileges".

Reads only the encrypted token cache: no request is made, so it works offline and with the identity provider down. It never prints a token.`

  static override examples = [
    {command: '<%= config.bin %> whoami', description: 'Every profile'},
    {
      command: '<%= config.bin %> whoami -p myapp --json | jq .tokens[].roles',
      description: 'The roles of the cached tokens, in a script',
    },
  ]

  static override flags = {
    json: Flags.boolean({
      description:
        'Print JSON: {profile, tenantId, clientId, authority, flow, cache, accounts[{username, name, homeAccountId, lastUsed, refreshToken}], tokens[{account, scopes, expiresOn, secondsLeft, audience, roles, scp, readable}]}; an array of them without -p.',
    }),
    profile: Flags.string({char: 'p', description: 'Only this profile.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Whoami)
    const store = new ProfileStore(this.home)
    const profiles = flags.profile ? [await store.get(flags.profile)] : await store.list()
    const reporter = createReporter({silent: false})
    const stores = new SecretStores(this.hooks, (m) => reporter.warn(m))
    const reports: WhoamiReport[] = []
    for (const profile of profiles) reports.push(await whoami(this.home, profile, stores.open))
    if (flags.json) {
      await writeStdout(`${JSON.stringify(flags.profile ? reports[0] : reports, null, 2)}\n`, 'the report')
      return
    }
    if (reports.length === 0) {
      await writeStdout(`No profiles yet; create one with '${this.config.bin} config create'.\n`, 'the report')
      return
    }
    await writeStdout(`${reports.map((r) => renderWhoami(r, this.config.bin)).join('\n\n')}\n`, 'the report')
  }
}
