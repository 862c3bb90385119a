import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {UsageError} from '../../base/errors.js'
import {AUTH_METHODS, CLOUDS, DEFAULT_FLOW, parseScopes} from '../../profile/model.js'
import {needsOf, type RuleContext} from '../../profile/rules.js'
import {flowOptionFlags, readFlowOptions} from '../../cli/flow-option-flags.js'
import {nameClash} from '../../profile/store.js'
import {ProfileService, type ProfileInput} from '../../config/service.js'
import {isInteractive} from '../../cli/prompts.js'
import {profileSummary} from '../../cli/profile-view.js'
import {readStdin} from '../../cli/stdin.js'

export default class ConfigCreate extends BaseCommand {
  static override summary = 'Create a profile (asks on a terminal for whatever the flags leave out).'

  static override description = `A profile holds what is needed to ask Microsoft Entra ID for tokens: tenant, client id, authority, scopes and default flow. Secrets (client secret, certificate password) go to the secret store (the OS keyring, or an encrypted file), never into profiles.json.

On a terminal, missing values are asked for one by one, each checked as it is typed, with the usual answer as the default; secrets are typed masked. Nothing is written until the last answer, so Ctrl-C leaves nothing behind. A summary and the next command to run are printed at the end.

Without a terminal every required value must be given as a flag; secrets are read from stdin so they never appear in the process list or shell history.`

  static override examples = [
    {command: '<%= config.bin %> config create', description: 'Answer a few questions'},
    {
      command: `printf '%s' "$CLIENT_SECRET" | <%= config.bin %> config create --name myapp --tenant-id contoso.onmicrosoft.com --client-id 00000000-0000-0000-0000-000000000000 --client-secret-stdin`,
      description: 'Client secret, for scripts',
    },
    {
      command:
        '<%= config.bin %> config create --name gov --tenant-id <tenant-guid> --client-id <client-guid> --cloud AzureUSGovernment --certificate ./app.pfx --certificate-password-stdin < pfx-password.txt',
      description: 'Certificate in the US Government cloud',
    },
    {
      command:
        '<%= config.bin %> config create --name me --tenant-id <tenant> --client-id <client> --auth-method None --flow DeviceCode --scope User.Read',
      description: 'User sign-in',
    },
    {
      command: '<%= config.bin %> config create --name pod --flow WorkloadIdentity',
      description:
        'Kubernetes workload identity: tenant, client and authority from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST',
    },
  ]

  static override flags = {
    authority: Flags.string({
      description:
        'Authority host (https://login.microsoftonline.us) or full authority https://host/<tenant>; custom hosts allowed.',
      exclusive: ['cloud'],
      helpValue: 'URL',
    }),
    'auth-method': Flags.string({
      description: `How the app authenticates: ${AUTH_METHODS.join(', ')}.`,
      helpValue: 'METHOD',
    }),
    certificate: Flags.string({
      description: 'Client certificate: .pfx/.p12, or .pem with certificate and private key.',
      helpValue: 'PATH',
    }),
    'certificate-password-stdin': Flags.boolean({
      description: 'Read the certificate password from stdin.',
      exclusive: ['client-secret-stdin'],
    }),
    'client-id': Flags.string({description: 'Application (client) ID, a GUID.'}),
    'client-secret-stdin': Flags.boolean({description: 'Read the client secret from stdin.'}),
    cloud: Flags.string({
      description: `National cloud: ${Object.keys(CLOUDS).join(', ')} (default AzurePublic).`,
      helpValue: 'CLOUD',
    }),
    ...flowOptionFlags,
    flow: Flags.string({
      char: 'f',
      description:
        "Default flow for get-token: one of 'flows' (ClientCredentials, WorkloadIdentity, AuthorizationCode, DeviceCode, InteractiveBrowser, or a plugin's).",
      helpValue: 'FLOW',
    }),
    name: Flags.string({char: 'n', description: 'Profile name: letters, digits, ".", "_" or "-".'}),
    'redirect-uri': Flags.string({
      description: 'Redirect URI for AuthorizationCode (default http://localhost:8080).',
      helpValue: 'URI',
    }),
    scope: Flags.string({description: 'Default scope(s), space- or comma-separated; repeatable.', multiple: true}),
    'tenant-id': Flags.string({description: 'Directory (tenant) ID or a verified domain.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigCreate)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    let input: Partial<ProfileInput> = {
      authMethod: flags['auth-method'],
      authority: flags.authority,
      certificatePath: flags.certificate,
      clientId: flags['client-id'],
      cloud: flags.cloud,
      flow: flags.flow,
      name: flags.name,
      redirectUri: flags['redirect-uri'],
      scopes: flags.scope ? parseScopes(flags.scope) : undefined,
      tenantId: flags['tenant-id'],
    }
    if (flags['client-secret-stdin']) input.clientSecret = await readStdin('The client secret')
    if (flags['certificate-password-stdin']) input.certificatePassword = await readStdin('The certificate password')

    const defaults = await service.environmentDefaults(input)
    input = defaults.input
    if (defaults.used.length > 0)
      process.stderr.write(`Using ${defaults.used.join(', ')} from the environment for the ${input.flow} flow.\n`)
    const rules = await service.ruleContext()
    // The flow says which standard fields it uses and which options it takes.
    const needs = needsOf(rules, input.flow)
    input.options = await readFlowOptions(flags, needs, input.flow ?? 'default')

    const clash = input.name
      ? nameClash(
          input.name,
          (await service.profiles.list()).map((p) => p.name),
        )
      : undefined
    if (clash) throw new UsageError(`${clash}; pick another name, or change or delete that profile first.`)
    const missing = (['name', 'tenantId', 'clientId'] as const).filter(
      (key) => !input[key] && (key === 'name' || needs[key === 'tenantId' ? 'tenant' : 'clientId'] === 'required'),
    )
    if (missing.length > 0) {
      if (!isInteractive()) {
        const variables: Partial<Record<(typeof missing)[number], string>> = defaults.variables
        const names = missing.map(
          (m) =>
            ({clientId: '--client-id', name: '--name', tenantId: '--tenant-id'})[m] +
            (variables[m] ? ` (or ${variables[m]})` : ''),
        )
        throw new UsageError(
          `Missing ${names.join(', ')}; pass them as flags (no terminal to ask on), see '${this.config.bin} config create --help'.`,
        )
      }
      input = await this.ask(service, input, false)
    } else if (isInteractive() && (needsCredential(input, rules) || missingOptions(input, rules))) {
      // Every id came as a flag but the credential did not: ask for it (masked) rather than store a profile that cannot work.
      input = await this.ask(service, input, true)
    }
    const {profile, secretLocation} = await service.create(input as ProfileInput)
    const summary = profileSummary(profile)
    const rows: Array<[string, string]> = [
      ['Tenant', profile.tenantId || '-'],
      ['Client ID', profile.clientId || '-'],
      ['Authority', summary.authority],
      ['Auth method', profile.authMethod + (profile.certificatePath ? ` (${String(profile.certificatePath)})` : '')],
      ['Default flow', summary.defaultFlow],
      ['Scopes', summary.scopes.join(' ')],
    ]
    if (profile.redirectUri) rows.push(['Redirect URI', profile.redirectUri])
    for (const [option, value] of Object.entries(profile.flowOptions ?? {})) rows.push([option, value])
    for (const option of profile.secretOptions ?? []) rows.push([option, 'stored'])
    if (secretLocation) rows.push(['Secret', `stored in ${secretLocation}`])
    else if (profile.authMethod === 'ClientSecret')
      rows.push([
        'Secret',
        `none stored (add one with: ${this.config.bin} config edit -p ${profile.name} --client-secret-stdin)`,
      ])
    process.stderr.write(
      `✓ Profile '${profile.name}' created${secretLocation ? `; secret stored in ${secretLocation}` : ''}.\n`,
    )
    process.stderr.write(rows.map(([k, v]) => `  ${k.padEnd(14)}${v}`).join('\n') + '\n')
    process.stderr.write(`  Next: ${this.config.bin} get-token -p ${profile.name}\n`)
  }

  private async ask(
    service: ProfileService,
    input: Partial<ProfileInput>,
    credentialOnly: boolean,
  ): Promise<ProfileInput> {
    const {askForProfile} = await import('../../cli/profile-wizard.js')
    return askForProfile(input, {
      checkCertificate: (path, password) => service.checkCertificate(path, password),
      credentialOnly,
      existingNames: (await service.profiles.list()).map((p) => p.name),
      rules: await service.ruleContext(),
    })
  }
}

function needsCredential(input: Partial<ProfileInput>, rules: RuleContext): boolean {
  if (input.clientSecret) return false
  if (input.certificatePath) return input.certificatePassword === undefined
  if (input.authMethod) return input.authMethod.toLowerCase() === 'clientsecret'
  // No flow given: the default one (ClientCredentials), which requires a credential.
  return needsOf(rules, input.flow ?? DEFAULT_FLOW).credential === 'required'
}

/** A required option of the flow the flags left out: asked for on a terminal. */
function missingOptions(input: Partial<ProfileInput>, rules: RuleContext): boolean {
  return needsOf(rules, input.flow).options.some((o) => o.required && input.options?.[o.name] === undefined)
}
