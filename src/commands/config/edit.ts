import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {UsageError} from '../../base/errors.js'
import {AUTH_METHODS, CLOUDS, parseScopes} from '../../profile/model.js'
import {editProfile, isEmptyChange, type ProfileChanges} from '../../config/edit.js'
import {ProfileService} from '../../config/service.js'
import {isInteractive} from '../../cli/prompts.js'
import {readStdin} from '../../cli/stdin.js'
import {flowOptionFlags, readFlowOptions} from '../../cli/flow-option-flags.js'
import {needsOf} from '../../profile/rules.js'

export default class ConfigEdit extends BaseCommand {
  static override summary = 'Change a profile: secret, certificate, tenant, client id, scopes, flow, authority, name.'

  static override description = `On a terminal without change flags, a menu shows the profile's settings: pick one, answer its prompt, repeat, then "Save and exit". Nothing is written before that, so Ctrl-C or "Quit without saving" leaves the profile as it was. Secrets are typed masked and go straight to the secret store.

For scripts, the same changes are flags (secrets come from stdin). All changes given together are validated first and applied together.

Renaming moves the profile's secrets and cached tokens with it. Changing the tenant, client id or authority drops the cached tokens, which belong to the old app.`

  static override examples = [
    {command: '<%= config.bin %> config edit -p myapp', description: 'Pick what to change from a menu'},
    {
      command: `printf '%s' "$NEW_SECRET" | <%= config.bin %> config edit -p myapp --client-secret-stdin`,
      description: 'Rotate the client secret',
    },
    {
      command: '<%= config.bin %> config edit -p myapp --scope api://my-api/.default --flow ClientCredentials',
      description: 'New default scope and flow',
    },
    {
      command:
        '<%= config.bin %> config edit -p myapp --certificate ./new.pfx --certificate-password-stdin < pfx-password.txt',
      description: 'Switch to (or replace) a certificate',
    },
    {
      command: '<%= config.bin %> config edit -p myapp --cloud AzureUSGovernment',
      description: 'Move to a national cloud',
    },
    {
      command: '<%= config.bin %> config edit -p myapp --rename prod-app',
      description: 'Rename, keeping secrets and cached tokens',
    },
  ]

  static override flags = {
    authority: Flags.string({
      description: 'Authority host (https://login.microsoftonline.us) or https://host/<tenant>; replaces --cloud.',
      exclusive: ['cloud'],
      helpValue: 'URL',
    }),
    'auth-method': Flags.string({
      description: `Switch how the app authenticates: ${AUTH_METHODS.join(', ')}.`,
      helpValue: 'METHOD',
    }),
    certificate: Flags.string({
      description: 'Use this client certificate (.pfx/.p12, or .pem with its key).',
      exclusive: ['client-secret-stdin'],
      helpValue: 'PATH',
    }),
    'certificate-password-stdin': Flags.boolean({
      description: 'Read the certificate password from stdin.',
      exclusive: ['client-secret-stdin'],
    }),
    'client-id': Flags.string({description: 'New application (client) ID.'}),
    'client-secret-stdin': Flags.boolean({description: 'Read a new client secret from stdin.'}),
    cloud: Flags.string({
      description: `National cloud: ${Object.keys(CLOUDS).join(', ')}; replaces --authority.`,
      helpValue: 'CLOUD',
    }),
    ...flowOptionFlags,
    flow: Flags.string({char: 'f', description: "New default flow for get-token (see 'flows').", helpValue: 'FLOW'}),
    profile: Flags.string({char: 'p', description: 'Profile to edit.', required: true}),
    'redirect-uri': Flags.string({description: 'New redirect URI.', helpValue: 'URI'}),
    rename: Flags.string({description: 'New profile name; secrets and cached tokens move with it.', helpValue: 'NAME'}),
    scope: Flags.string({
      description: 'New default scope(s), space- or comma-separated; repeatable. Replaces the current list.',
      multiple: true,
    }),
    'tenant-id': Flags.string({description: 'New directory (tenant) ID or verified domain.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigEdit)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    const profile = await service.profiles.get(flags.profile)
    let changes: ProfileChanges = {
      authMethod: flags['auth-method'],
      authority: flags.authority,
      certificatePath: flags.certificate,
      clientId: flags['client-id'],
      cloud: flags.cloud,
      flow: flags.flow,
      newName: flags.rename,
      redirectUri: flags['redirect-uri'],
      scopes: flags.scope ? parseScopes(flags.scope) : undefined,
      tenantId: flags['tenant-id'],
    }
    if (flags.scope && changes.scopes!.length === 0) throw new UsageError('--scope needs at least one scope.')
    if (flags['client-secret-stdin']) changes.clientSecret = await readStdin('The client secret')
    if (flags['certificate-password-stdin']) changes.certificatePassword = await readStdin('The certificate password')
    const rules = await service.ruleContext()
    const flow = changes.flow ?? profile.defaultFlow
    changes.options = await readFlowOptions(flags, needsOf(rules, flow), flow ?? 'default')

    if (isEmptyChange(changes)) {
      if (!isInteractive()) {
        throw new UsageError(
          `Nothing to change: on a terminal 'config edit -p ${flags.profile}' shows a menu; in scripts give flags such as --client-secret-stdin, --scope, --flow or --rename (see --help).`,
        )
      }
      const {askForChanges} = await import('../../cli/profile-edit-menu.js')
      changes = await askForChanges({
        checkCertificate: (path, password) => service.checkCertificate(path, password),
        existingNames: (await service.profiles.list()).map((p) => p.name),
        profile,
        rules,
        secrets: await service.secretStatus(profile),
      })
      if (isEmptyChange(changes)) {
        process.stderr.write('Nothing was changed.\n')
        return
      }
    }

    const result = await editProfile(service, flags.profile, changes)
    for (const warning of result.warnings) process.stderr.write(`Warning: ${warning}\n`)
    if (result.changed.length === 0) {
      process.stderr.write(`Nothing to change: profile '${flags.profile}' already has these settings.\n`)
      return
    }
    const name = result.profile.name
    const lines = [`✓ Profile '${name}' updated: ${result.changed.join(', ')}.`]
    if (result.renamedFrom)
      lines.push(`  Renamed from '${result.renamedFrom}'; its secrets and cached tokens moved with it.`)
    if (result.secretLocation) lines.push(`  Secret stored in ${result.secretLocation}.`)
    if (result.cacheCleared)
      lines.push('  Cached tokens were removed: they belonged to the previous tenant, app, authority or flow options.')
    lines.push(`  Next: ${this.config.bin} get-token -p ${name}`)
    process.stderr.write(lines.join('\n') + '\n')
  }
}
