import {CLOUD_CHOICES, CUSTOM_AUTHORITY, readableFile, scopeList} from './prompt-checks.js'
import {
  authorityHost,
  CLOUDS,
  DEFAULT_FLOW,
  DEFAULT_REDIRECT_URI,
  DEFAULT_SCOPE,
  normalizeAuthority,
  parseScopes,
  validate,
  type Profile,
} from '../profile/model.js'
import {applyProfileChanges, needsOf, userFlows, type ProfileChanges, type RuleContext} from '../profile/rules.js'
import type {SecretStatus} from '../config/service.js'
import {nameClash} from '../profile/store.js'

/** What the menu needs to know besides the profile; the command supplies it from ProfileService. */
export interface EditMenuContext {
  profile: Profile
  /** The installed flows and which are app-only: the menu previews pending changes with the profile rules. */
  rules: RuleContext
  existingNames: string[]
  secrets: SecretStatus[]
  /** Resolves when the certificate opens with the password; rejects with the reason otherwise. */
  checkCertificate(path: string, password: string | undefined): Promise<unknown>
}

type Item =
  | 'clientSecret'
  | 'certificate'
  | 'certificatePassword'
  | 'tenant'
  | 'clientId'
  | 'scopes'
  | 'flow'
  | 'redirectUri'
  | 'authority'
  | 'rename'
  | 'options'
  | 'save'
  | 'quit'

type Prompts = typeof import('@inquirer/prompts')

/** One menu item's prompt: asks, then records the answer in `changes` (the profile `p` shows pending changes). */
type Handler = (menu: Menu, p: Profile) => Promise<void>

interface Menu {
  ctx: EditMenuContext
  prompts: Prompts
  changes: ProfileChanges
  io: {output: NodeJS.WriteStream}
}

const row = (label: string, value: string) => `${label.padEnd(22)}${value}`
const asValidator = (check: (v: string) => string | undefined) => (value: string) => check(value.trim()) ?? true
const cloudName = (p: Profile) =>
  p.authority
    ? (Object.entries(CLOUDS).find(([, host]) => host === p.authority)?.[0] ?? p.authority)
    : (p.cloud ?? 'AzurePublic')
const scopesOf = (p: Profile) => (p.scopes?.length ? p.scopes : [DEFAULT_SCOPE]).join(' ')

/**
 * `config edit` on a terminal: a menu of what to change, then the right prompt for it, validated as it is typed.
 * Changes are collected and applied together on "Save", so Ctrl-C (or "Quit") at any point changes nothing.
 * Secrets are typed masked and only ever held in memory until they go to the secret store.
 */
export async function askForChanges(ctx: EditMenuContext): Promise<ProfileChanges> {
  const menu: Menu = {changes: {}, ctx, io: {output: process.stderr}, prompts: await import('@inquirer/prompts')}
  for (;;) {
    // The profile as it will be once the pending changes are saved, by the same rules the save applies.
    const p = applyProfileChanges(ctx.profile, menu.changes, ctx.rules).profile
    const choice = await menu.prompts.select<Item>(menuPrompt(menu, p), menu.io)
    if (choice === 'save') return menu.changes
    if (choice === 'quit') return {}
    await HANDLERS[choice](menu, p)
  }
}

/** The menu: one row per setting with its pending value, then Save and Quit. */
function menuPrompt(menu: Menu, p: Profile) {
  const {changes, ctx} = menu
  const pending = pendingLabels(changes)
  const isCert = p.authMethod === 'Certificate'
  const secretState = (kind: SecretStatus['kind']) =>
    ctx.secrets.find((s) => s.kind === kind)?.stored ? 'stored' : 'not stored'
  const name = ctx.profile.name
  return {
    choices: [
      {
        description: isCert
          ? 'Switches the profile from its certificate to a client secret.'
          : 'Type the new secret; it is masked and goes straight to the secret store.',
        name: row(
          'Client secret',
          changes.clientSecret !== undefined
            ? '(new, unsaved)'
            : p.authMethod === 'ClientSecret'
              ? secretState('client-secret')
              : '-',
        ),
        short: 'Client secret',
        value: 'clientSecret' as const,
      },
      {
        description: isCert
          ? 'Another certificate file (.pfx, .p12 or .pem with its key).'
          : 'Switches the profile from a client secret to a certificate.',
        name: row('Certificate', isCert ? String(p.certificatePath ?? '-') : '-'),
        short: 'Certificate',
        value: 'certificate' as const,
      },
      {
        disabled: isCert ? false : '(certificate profiles only)',
        name: row(
          'Certificate password',
          changes.certificatePassword !== undefined
            ? '(new, unsaved)'
            : isCert
              ? secretState('certificate-password')
              : '-',
        ),
        short: 'Certificate password',
        value: 'certificatePassword' as const,
      },
      {name: row('Tenant', p.tenantId), short: 'Tenant', value: 'tenant' as const},
      {name: row('Client ID', p.clientId), short: 'Client ID', value: 'clientId' as const},
      {name: row('Scopes', scopesOf(p)), short: 'Scopes', value: 'scopes' as const},
      {name: row('Default flow', p.defaultFlow ?? DEFAULT_FLOW), short: 'Default flow', value: 'flow' as const},
      {
        name: row('Redirect URI', p.redirectUri ?? DEFAULT_REDIRECT_URI),
        short: 'Redirect URI',
        value: 'redirectUri' as const,
      },
      {name: row('Authority / cloud', cloudName(p)), short: 'Authority / cloud', value: 'authority' as const},
      {name: row('Rename', p.name), short: 'Rename', value: 'rename' as const},
      ...flowOptionsRow(menu, p),
      new menu.prompts.Separator(),
      {
        description: pending.length ? `Save: ${pending.join(', ')}` : 'Nothing to save yet.',
        name: 'Save and exit',
        value: 'save' as const,
      },
      {description: 'Leave the profile as it was.', name: 'Quit without saving', value: 'quit' as const},
    ],
    default: pending.length > 0 ? ('save' as const) : undefined,
    loop: false,
    message:
      pending.length > 0
        ? `Edit '${name}' (unsaved: ${pending.join(', ')})`
        : `What do you want to change in '${name}'?`,
    pageSize: 14,
  }
}

function pendingLabels(changes: ProfileChanges): string[] {
  const labels: string[] = []
  if (changes.clientSecret !== undefined) labels.push('client secret')
  if (changes.certificatePath !== undefined) labels.push('certificate')
  if (changes.certificatePassword !== undefined && changes.certificatePath === undefined)
    labels.push('certificate password')
  if (changes.tenantId !== undefined) labels.push('tenant')
  if (changes.clientId !== undefined) labels.push('client id')
  if (changes.scopes !== undefined) labels.push('scopes')
  if (changes.flow !== undefined) labels.push('default flow')
  if (changes.redirectUri !== undefined) labels.push('redirect URI')
  if (changes.authority !== undefined || changes.cloud !== undefined) labels.push('authority')
  if (changes.newName !== undefined) labels.push('name')
  if (changes.options !== undefined) labels.push('flow options')
  return labels
}

/** One row for the options the profile's flow declares (none when it declares none). */
function flowOptionsRow(menu: Menu, p: Profile) {
  const options = needsOf(menu.ctx.rules, p.defaultFlow ?? DEFAULT_FLOW).options
  if (options.length === 0) return []
  const shown = options.map((o) => {
    if (o.secret)
      return `${o.name}=${menu.changes.options?.[o.name] !== undefined ? '(new, unsaved)' : menu.ctx.secrets.some((s) => s.kind === `option:${o.name}` && s.stored) ? 'stored' : '-'}`
    return `${o.name}=${p.flowOptions?.[o.name] ?? '-'}`
  })
  return [
    {
      description: "Settings of the profile's flow, one after another.",
      name: row('Flow options', shown.join(' ')),
      short: 'Flow options',
      value: 'options' as const,
    },
  ]
}

/** Each option of the flow in turn: Enter keeps the value; secret ones are typed masked. */
const askOptions: Handler = async ({changes, ctx, io, prompts}, p) => {
  const options = {...changes.options}
  for (const option of needsOf(ctx.rules, p.defaultFlow ?? DEFAULT_FLOW).options) {
    const message = `${option.description} (${option.name}; Enter keeps it)`
    const value = option.secret
      ? await prompts.password({mask: '*', message}, io)
      : (await prompts.input({default: p.flowOptions?.[option.name], message}, io)).trim()
    if (value && value !== p.flowOptions?.[option.name]) options[option.name] = value
  }
  if (Object.keys(options).length > 0) changes.options = options
}

const askClientSecret: Handler = async ({changes, io, prompts}) => {
  changes.clientSecret = await prompts.password(
    {
      mask: '*',
      message: 'New client secret',
      validate: (v) => (v ? true : 'Enter the secret value (Ctrl-C to cancel)'),
    },
    io,
  )
  delete changes.certificatePath
  delete changes.certificatePassword
}

const askCertificate: Handler = async ({changes, ctx, io, prompts}, p) => {
  const isCert = p.authMethod === 'Certificate'
  const path = (
    await prompts.input(
      {
        default: isCert ? String(p.certificatePath ?? '') : undefined,
        message: 'Certificate file (.pfx, .p12 or .pem with its key)',
        validate: readableFile,
      },
      io,
    )
  ).trim()
  changes.certificatePassword = await askCertificatePassword({ctx, io, prompts}, path)
  changes.certificatePath = path
  delete changes.clientSecret
}

const askNewCertificatePassword: Handler = async ({changes, ctx, io, prompts}, p) => {
  changes.certificatePassword = await askCertificatePassword({ctx, io, prompts}, String(p.certificatePath))
}

function askCertificatePassword({ctx, io, prompts}: Omit<Menu, 'changes'>, path: string): Promise<string> {
  return prompts.password(
    {mask: '*', message: 'Certificate password (empty if none)', validate: (v) => certificateOpens(ctx, path, v)},
    io,
  )
}

const askTenant: Handler = async ({changes, ctx, io, prompts}, p) => {
  const value = (
    await prompts.input(
      {default: p.tenantId, message: 'Directory (tenant) ID or domain', validate: asValidator(validate.tenantId)},
      io,
    )
  ).trim()
  changes.tenantId = value === ctx.profile.tenantId ? undefined : value
}

const askClientId: Handler = async ({changes, ctx, io, prompts}, p) => {
  const value = (
    await prompts.input(
      {default: p.clientId, message: 'Application (client) ID', validate: asValidator(validate.clientId)},
      io,
    )
  )
    .trim()
    .toLowerCase()
  changes.clientId = value === ctx.profile.clientId ? undefined : value
}

const askScopes: Handler = async ({changes, io, prompts}, p) => {
  const value = await prompts.input(
    {
      default: scopesOf(p),
      message: 'Scope(s), space-separated',
      validate: scopeList,
    },
    io,
  )
  changes.scopes = parseScopes(value)
}

const askFlow: Handler = async ({changes, ctx, io, prompts}, p) => {
  // A profile without a credential can only use a flow that signs a user in.
  const flows = p.authMethod === 'None' ? userFlows(ctx.rules) : ctx.rules.flows
  changes.flow = await prompts.select(
    {
      choices: flows.map((value) => ({value})),
      default: p.defaultFlow ?? DEFAULT_FLOW,
      message: 'Default flow',
      pageSize: 10,
    },
    io,
  )
}

const askRedirectUri: Handler = async ({changes, io, prompts}, p) => {
  changes.redirectUri = (
    await prompts.input(
      {
        default: p.redirectUri ?? DEFAULT_REDIRECT_URI,
        message: 'Redirect URI',
        validate: asValidator(validate.redirectUri),
      },
      io,
    )
  ).trim()
}

const askAuthority: Handler = async ({changes, io, prompts}, p) => {
  const current = cloudName(p)
  const cloud = await prompts.select(
    {choices: CLOUD_CHOICES, default: current in CLOUDS ? current : CUSTOM_AUTHORITY, message: 'Authority / cloud'},
    io,
  )
  delete changes.authority
  delete changes.cloud
  if (cloud !== CUSTOM_AUTHORITY) {
    changes.cloud = cloud
    return
  }
  changes.authority = (
    await prompts.input(
      {
        default: p.authority ? authorityHost(p) : undefined,
        message: 'Authority URL (https://host or https://host/<tenant>)',
        validate: (v) => normalizeAuthority(v.trim(), p.tenantId).error ?? true,
      },
      io,
    )
  ).trim()
}

const askName: Handler = async ({changes, ctx, io, prompts}) => {
  const original = ctx.profile.name
  const value = await prompts.input(
    {
      message: `New name for '${original}'`,
      validate: (v) => {
        const name = v.trim()
        if (name === original) return 'That is its current name'
        return nameClash(name, ctx.existingNames, original) ?? validate.name(name) ?? true
      },
    },
    io,
  )
  changes.newName = value.trim()
}

const HANDLERS: Record<Exclude<Item, 'save' | 'quit'>, Handler> = {
  authority: askAuthority,
  certificate: askCertificate,
  certificatePassword: askNewCertificatePassword,
  clientId: askClientId,
  clientSecret: askClientSecret,
  flow: askFlow,
  options: askOptions,
  redirectUri: askRedirectUri,
  rename: askName,
  scopes: askScopes,
  tenant: askTenant,
}

async function certificateOpens(ctx: EditMenuContext, path: string, password: string): Promise<string | true> {
  try {
    await ctx.checkCertificate(path, password || undefined)
    return true
  } catch (error) {
    return `${(error as Error).message} (Ctrl-C to cancel)`
  }
}
