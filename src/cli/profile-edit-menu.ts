import {resolve} from 'node:path'
import {CLOUD_CHOICES, CUSTOM_AUTHORITY, readableFile} from './prompt-checks.js'
import {authorityHost, CLOUDS, DEFAULT_FLOW, DEFAULT_REDIRECT_URI, DEFAULT_SCOPE, normalizeAuthority, parseScopes, validate, type Profile} from '../profile/model.js'
import type {ProfileChanges} from '../config/edit.js'
import type {SecretStatus} from '../config/service.js'
import {nameClash} from '../profile/store.js'

/** What the menu needs to know besides the profile; the command supplies it from ProfileService. */
export interface EditMenuContext {
  profile: Profile
  flows: string[]
  userFlows: string[]
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
  | 'save'
  | 'quit'


/**
 * `config edit` on a terminal: a menu of what to change, then the right prompt for it, validated as it is typed.
 * Changes are collected and applied together on "Save", so Ctrl-C (or "Quit") at any point changes nothing.
 * Secrets are typed masked and only ever held in memory until they go to the secret store.
 */
export async function askForChanges(ctx: EditMenuContext): Promise<ProfileChanges> {
  const {Separator, input, password, select} = await import('@inquirer/prompts')
  const io = {output: process.stderr}
  const asValidator = (check: (v: string) => string | undefined) => (value: string) => check(value.trim()) ?? true
  const changes: ProfileChanges = {}
  const original = ctx.profile

  /** The profile as it will be once the pending changes are saved (for defaults and the menu's values). */
  const effective = (): Profile => {
    const p: Profile = {...original}
    if (changes.tenantId !== undefined) p.tenantId = changes.tenantId
    if (changes.clientId !== undefined) p.clientId = changes.clientId
    if (changes.authority !== undefined) {
      p.authority = normalizeAuthority(changes.authority, p.tenantId).host
      delete p.cloud
    }
    if (changes.cloud !== undefined) {
      p.cloud = changes.cloud as Profile['cloud']
      delete p.authority
    }
    if (changes.scopes !== undefined) p.scopes = changes.scopes
    if (changes.flow !== undefined) p.defaultFlow = changes.flow
    if (changes.redirectUri !== undefined) p.redirectUri = changes.redirectUri
    if (changes.clientSecret !== undefined) p.authMethod = 'ClientSecret'
    if (changes.certificatePath !== undefined) {
      p.authMethod = 'Certificate'
      p.certificatePath = resolve(changes.certificatePath)
    }
    if (changes.newName !== undefined) p.name = changes.newName
    return p
  }

  const cloudName = (p: Profile) => (p.authority ? (Object.entries(CLOUDS).find(([, host]) => host === p.authority)?.[0] ?? p.authority) : (p.cloud ?? 'AzurePublic'))
  const secretState = (kind: SecretStatus['kind']) => {
    const status = ctx.secrets.find((s) => s.kind === kind)
    return status?.stored ? 'stored' : 'not stored'
  }
  const pendingLabels = (): string[] => {
    const labels: string[] = []
    if (changes.clientSecret !== undefined) labels.push('client secret')
    if (changes.certificatePath !== undefined) labels.push('certificate')
    if (changes.certificatePassword !== undefined && changes.certificatePath === undefined) labels.push('certificate password')
    if (changes.tenantId !== undefined) labels.push('tenant')
    if (changes.clientId !== undefined) labels.push('client id')
    if (changes.scopes !== undefined) labels.push('scopes')
    if (changes.flow !== undefined) labels.push('default flow')
    if (changes.redirectUri !== undefined) labels.push('redirect URI')
    if (changes.authority !== undefined || changes.cloud !== undefined) labels.push('authority')
    if (changes.newName !== undefined) labels.push('name')
    return labels
  }

  for (;;) {
    const p = effective()
    const pending = pendingLabels()
    const row = (label: string, value: string) => `${label.padEnd(22)}${value}`
    const isCert = p.authMethod === 'Certificate'
    const choice = await select<Item>(
      {
        choices: [
          {
            description: isCert ? 'Switches the profile from its certificate to a client secret.' : 'Type the new secret; it is masked and goes straight to the secret store.',
            short: 'Client secret',
            name: row('Client secret', changes.clientSecret !== undefined ? '(new, unsaved)' : p.authMethod === 'ClientSecret' ? secretState('client-secret') : '-'),
            value: 'clientSecret',
          },
          {
            description: isCert ? 'Another certificate file (.pfx, .p12 or .pem with its key).' : 'Switches the profile from a client secret to a certificate.',
            short: 'Certificate',
            name: row('Certificate', isCert ? String(p.certificatePath ?? '-') : '-'),
            value: 'certificate',
          },
          {
            disabled: isCert ? false : '(certificate profiles only)',
            short: 'Certificate password',
            name: row('Certificate password', changes.certificatePassword !== undefined ? '(new, unsaved)' : isCert ? secretState('certificate-password') : '-'),
            value: 'certificatePassword',
          },
          {name: row('Tenant', p.tenantId), short: 'Tenant', value: 'tenant'},
          {name: row('Client ID', p.clientId), short: 'Client ID', value: 'clientId'},
          {name: row('Scopes', (p.scopes?.length ? p.scopes : [DEFAULT_SCOPE]).join(' ')), short: 'Scopes', value: 'scopes'},
          {name: row('Default flow', p.defaultFlow ?? DEFAULT_FLOW), short: 'Default flow', value: 'flow'},
          {name: row('Redirect URI', p.redirectUri ?? DEFAULT_REDIRECT_URI), short: 'Redirect URI', value: 'redirectUri'},
          {name: row('Authority / cloud', cloudName(p)), short: 'Authority / cloud', value: 'authority'},
          {name: row('Rename', p.name), short: 'Rename', value: 'rename'},
          new Separator(),
          {description: pending.length ? `Save: ${pending.join(', ')}` : 'Nothing to save yet.', name: 'Save and exit', value: 'save'},
          {description: 'Leave the profile as it was.', name: 'Quit without saving', value: 'quit'},
        ],
        default: pending.length > 0 ? 'save' : undefined,
        loop: false,
        message: pending.length > 0 ? `Edit '${original.name}' (unsaved: ${pending.join(', ')})` : `What do you want to change in '${original.name}'?`,
        pageSize: 14,
      },
      io,
    )
    switch (choice) {
      case 'save': {
        return changes
      }
      case 'quit': {
        return {}
      }
      case 'clientSecret': {
        changes.clientSecret = await password({mask: '*', message: 'New client secret', validate: (v) => (v ? true : 'Enter the secret value (Ctrl-C to cancel)')}, io)
        delete changes.certificatePath
        delete changes.certificatePassword
        break
      }
      case 'certificate': {
        const path = (
          await input(
            {
              default: isCert ? String(p.certificatePath ?? '') : undefined,
              message: 'Certificate file (.pfx, .p12 or .pem with its key)',
              validate: readableFile,
            },
            io,
          )
        ).trim()
        changes.certificatePassword = await password(
          {mask: '*', message: 'Certificate password (empty if none)', validate: (v) => certificateOpens(ctx, path, v)},
          io,
        )
        changes.certificatePath = path
        delete changes.clientSecret
        break
      }
      case 'certificatePassword': {
        const path = String(p.certificatePath)
        changes.certificatePassword = await password(
          {mask: '*', message: 'Certificate password (empty if none)', validate: (v) => certificateOpens(ctx, path, v)},
          io,
        )
        break
      }
      case 'tenant': {
        const value = (await input({default: p.tenantId, message: 'Directory (tenant) ID or domain', validate: asValidator(validate.tenantId)}, io)).trim()
        changes.tenantId = value === original.tenantId ? undefined : value
        break
      }
      case 'clientId': {
        const value = (await input({default: p.clientId, message: 'Application (client) ID', validate: asValidator(validate.clientId)}, io)).trim().toLowerCase()
        changes.clientId = value === original.clientId ? undefined : value
        break
      }
      case 'scopes': {
        const value = await input(
          {
            default: (p.scopes?.length ? p.scopes : [DEFAULT_SCOPE]).join(' '),
            message: 'Scope(s), space-separated',
            validate: (v) => parseScopes(v).map((s) => validate.scope(s)).find(Boolean) ?? (parseScopes(v).length > 0 ? true : 'Enter at least one scope'),
          },
          io,
        )
        changes.scopes = parseScopes(value)
        break
      }
      case 'flow': {
        const flows = p.authMethod === 'None' ? ctx.userFlows : ctx.flows
        changes.flow = await select({choices: flows.map((value) => ({value})), default: p.defaultFlow ?? DEFAULT_FLOW, message: 'Default flow', pageSize: 10}, io)
        break
      }
      case 'redirectUri': {
        changes.redirectUri = (
          await input({default: p.redirectUri ?? DEFAULT_REDIRECT_URI, message: 'Redirect URI', validate: asValidator(validate.redirectUri)}, io)
        ).trim()
        break
      }
      case 'authority': {
        const current = cloudName(p)
        const cloud = await select(
          {
            choices: CLOUD_CHOICES,
            default: current in CLOUDS ? current : CUSTOM_AUTHORITY,
            message: 'Authority / cloud',
          },
          io,
        )
        delete changes.authority
        delete changes.cloud
        if (cloud === CUSTOM_AUTHORITY) {
          const url = (
            await input(
              {
                default: p.authority ? authorityHost(p) : undefined,
                message: 'Authority URL (https://host or https://host/<tenant>)',
                validate: (v) => normalizeAuthority(v.trim(), p.tenantId).error ?? true,
              },
              io,
            )
          ).trim()
          changes.authority = url
        } else {
          changes.cloud = cloud
        }
        break
      }
      case 'rename': {
        const value = (
          await input(
            {
              message: `New name for '${original.name}'`,
              validate: (v) => {
                const name = v.trim()
                if (name === original.name) return 'That is its current name'
                const clash = nameClash(name, ctx.existingNames, original.name)
                if (clash) return clash
                return validate.name(name) ?? true
              },
            },
            io,
          )
        ).trim()
        changes.newName = value
        break
      }
    }
  }
}

async function certificateOpens(ctx: EditMenuContext, path: string, password: string): Promise<string | true> {
  try {
    await ctx.checkCertificate(path, password || undefined)
    return true
  } catch (error) {
    return `${(error as Error).message} (Ctrl-C to cancel)`
  }
}
