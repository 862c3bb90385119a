import {rm} from 'node:fs/promises'
import {isDeepStrictEqual} from 'node:util'
import {ConfigError, UsageError} from '../base/errors.js'
import {authorityHost, secretKeys, type Profile} from '../profile/model.js'
import {applyProfileChanges, refuseProblems, type ProfileChanges, type SecretAction} from '../profile/rules.js'
import {
  profileStoreName,
  SECRET_KINDS,
  secretKey,
  secretOptionNames,
  UndoLog,
  withTokenCacheLocks,
  type ProfileService,
  type SecretKind,
} from './service.js'
import {nameClash} from '../profile/store.js'
import {TokenCacheFile} from '../token/cache.js'
import type {SecretStore} from '../contract/index.js'

export type {ProfileChanges} from '../profile/rules.js'

export interface EditResult {
  profile: Profile
  /** Human labels of what changed, in a stable order; empty when the edit changed nothing. */
  changed: string[]
  renamedFrom?: string
  /** Cached tokens were dropped because the tenant, client id or authority changed. */
  cacheCleared: boolean
  /** Where the new secrets went. */
  secretLocation?: string
  warnings: string[]
}

interface EditPlan {
  current: Profile
  next: Profile
  secrets: Record<SecretKind, SecretAction>
  /** What happens to each secret option of the flow. */
  optionSecrets: Record<string, SecretAction>
  identityChanged: boolean
  changed: string[]
}

/** Labels for the edit summary, also the order they are listed in. */
export const CHANGE_LABELS = {
  authMethod: 'auth method',
  authority: 'authority',
  certificatePassword: 'certificate password',
  certificatePath: 'certificate',
  clientId: 'client id',
  clientSecret: 'client secret',
  defaultFlow: 'default flow',
  flowOptions: 'flow options',
  name: 'name',
  redirectUri: 'redirect URI',
  scopes: 'scopes',
  tenantId: 'tenant',
} as const

/** True when nothing in the changes asks for anything. */
export function isEmptyChange(changes: ProfileChanges): boolean {
  return Object.values(changes).every((v) => v === undefined)
}

/**
 * Edits a profile in one step: everything is validated first (nothing is written for a bad value), then new
 * secrets are written, the token cache is moved or dropped, and profiles.json is committed under its lock. Any
 * failure before the commit undoes what was written, so the old profile stays exactly as it was. Obsolete secrets
 * and the old cache are removed only after the commit (a failure there leaves an orphan and a warning, never a
 * broken profile).
 */
export async function editProfile(service: ProfileService, name: string, changes: ProfileChanges): Promise<EditResult> {
  const current = await service.profiles.get(name)
  const plan = await planEdit(service, current, changes)
  const warnings: string[] = []
  if (plan.changed.length === 0) return {cacheCleared: false, changed: [], profile: current, warnings}

  const oldName = current.name
  const newName = plan.next.name
  const renaming = newName !== oldName
  const oldStoreName = profileStoreName(current)
  const oldStore = oldStoreName ? await service.stores.open(oldStoreName) : undefined
  const optionActions = Object.entries(plan.optionSecrets)
  const setting =
    SECRET_KINDS.some((k) => plan.secrets[k].kind === 'set') || optionActions.some(([, a]) => a.kind === 'set')
  const newStore: SecretStore | undefined = setting ? (oldStore ?? (await service.stores.selected())) : oldStore

  // Which secrets the profile holds once edited (decides whether it still names a store).
  const kept: Partial<Record<SecretKind, string>> = {}
  if (oldStore) {
    for (const kind of SECRET_KINDS) {
      if (plan.secrets[kind].kind !== 'keep') continue
      const value = await oldStore.get(secretKey(kind, oldName))
      if (value !== undefined) kept[kind] = value
    }
  }
  // The flow's secret options the profile keeps, with their values (a rename copies them to the new name).
  const keptOptions: Record<string, string> = {}
  if (oldStore) {
    for (const option of secretOptionNames(current)) {
      if (plan.optionSecrets[option] && plan.optionSecrets[option].kind !== 'keep') continue
      const value = await oldStore.get(secretKeys.option(oldName, option))
      if (value !== undefined) keptOptions[option] = value
    }
  }
  const optionNames = [
    ...Object.keys(keptOptions),
    ...optionActions.filter(([, a]) => a.kind === 'set').map(([o]) => o),
  ]
  if (optionNames.length > 0) plan.next.secretOptions = [...new Set(optionNames)].sort()
  else delete plan.next.secretOptions
  const holdsSecrets =
    SECRET_KINDS.some((k) => plan.secrets[k].kind === 'set' || kept[k] !== undefined) || optionNames.length > 0
  if (holdsSecrets && newStore) plan.next.secretStore = newStore.name
  else delete plan.next.secretStore
  service.noteStorePlugin(plan.next)

  let cacheCleared = false
  async function apply(): Promise<void> {
    const undo = new UndoLog()
    try {
      for (const kind of SECRET_KINDS) {
        const action = plan.secrets[kind]
        if (action.kind === 'set') await undo.putSecret(newStore!, secretKey(kind, newName), action.value)
        else if (renaming && kept[kind] !== undefined)
          await undo.putSecret(oldStore!, secretKey(kind, newName), kept[kind]!)
      }
      for (const [option, action] of optionActions) {
        if (action.kind === 'set') await undo.putSecret(newStore!, secretKeys.option(newName, option), action.value)
      }
      if (renaming)
        for (const [option, value] of Object.entries(keptOptions))
          await undo.putSecret(oldStore!, secretKeys.option(newName, option), value)
      if (plan.identityChanged) {
        // Tokens of the old app or tenant must never be served for the new settings. Dropping them before the
        // commit is safe either way: the worst a later failure costs is one new sign-in.
        await new TokenCacheFile(service.home, oldName).clear(service.stores.open)
        if (renaming) await new TokenCacheFile(service.home, newName).clear(service.stores.open)
        cacheCleared = true
      } else if (renaming) {
        const moved = await moveTokenCache(service, oldName, newName, undo)
        if (moved) warnings.push(moved)
      }
      await service.profiles.update((profiles) => {
        const index = profiles.findIndex((p) => p.name === oldName)
        if (index < 0)
          throw new ConfigError(`Profile '${oldName}' disappeared while it was being edited; nothing was changed.`)
        if (!isDeepStrictEqual(profiles[index], current)) {
          throw new ConfigError(
            `Profile '${oldName}' was changed by another process meanwhile; nothing was changed, run the edit again.`,
          )
        }
        const clash = renaming
          ? nameClash(
              newName,
              profiles.map((p) => p.name),
              oldName,
            )
          : undefined
        if (clash)
          throw new UsageError(`${clash}; pick another name or delete that profile first. Nothing was changed.`)
        profiles[index] = plan.next
      })
    } catch (error) {
      const failures = await undo.rollback()
      if (failures.length > 0) warnings.push(`Undoing the edit was incomplete: ${failures.join('; ')}`)
      throw error
    }

    // Committed. Everything below only tidies up what the profile no longer refers to.
    const tidy = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step()
      } catch (error) {
        warnings.push(`Could not remove ${what}: ${(error as Error).message}`)
      }
    }
    if (oldStore) {
      for (const kind of SECRET_KINDS) {
        const action = plan.secrets[kind]
        // The old key is obsolete after a rename, after a removal, and when a new secret went to another store.
        const obsolete = renaming || action.kind === 'remove' || (action.kind === 'set' && newStore !== oldStore)
        if (obsolete) await tidy(`the old ${kind} of '${oldName}'`, () => oldStore.delete(secretKey(kind, oldName)))
      }
      for (const option of secretOptionNames(current)) {
        const action = plan.optionSecrets[option] ?? {kind: 'keep'}
        const obsolete = renaming || action.kind === 'remove' || (action.kind === 'set' && newStore !== oldStore)
        if (obsolete)
          await tidy(`the old option '${option}' of '${oldName}'`, () =>
            oldStore.delete(secretKeys.option(oldName, option)),
          )
      }
    }
    if (renaming)
      await tidy(`the token cache of '${oldName}'`, () =>
        new TokenCacheFile(service.home, oldName).clear(service.stores.open),
      )
    if (
      current.certificatePath &&
      current.certificatePath !== plan.next.certificatePath &&
      service.ownsCertificate(String(current.certificatePath))
    ) {
      await tidy(`the old certificate copy`, () => rm(String(current.certificatePath), {force: true}))
    }
  }

  // Under the cache locks of both names: no token of the old settings lands after the edit.
  await withTokenCacheLocks(service.home, [oldName, newName], apply)
  return {
    cacheCleared,
    changed: plan.changed,
    profile: plan.next,
    renamedFrom: renaming ? oldName : undefined,
    secretLocation: setting ? newStore?.location : undefined,
    warnings,
  }
}

/** Re-seals the cache under the new name (its AAD binds the profile name). Returns a warning when it could not. */
async function moveTokenCache(
  service: ProfileService,
  from: string,
  to: string,
  undo: UndoLog,
): Promise<string | undefined> {
  const source = new TokenCacheFile(service.home, from)
  const load = await source.load(service.stores.open)
  if (load.state === 'empty') return undefined
  if (load.state === 'unreadable')
    return `The cached tokens of '${from}' were not moved (${load.reason}); the next get-token asks the identity provider again.`
  const target = new TokenCacheFile(service.home, to)
  await target.clear(service.stores.open)
  undo.push(() => target.clear(service.stores.open))
  await target.save(load.payload, await service.stores.open(load.store))
  return undefined
}

/** Validates the changes against the profile and works out the edited profile and what happens to each secret. */
export async function planEdit(service: ProfileService, current: Profile, changes: ProfileChanges): Promise<EditPlan> {
  const renaming = changes.newName !== undefined && changes.newName !== current.name
  const existingNames = renaming ? (await service.profiles.list()).map((p) => p.name) : undefined
  const outcome = applyProfileChanges(current, changes, await service.ruleContext(existingNames))
  refuseProblems(outcome)
  service.notePlugin(outcome.profile)
  await service.openCertificate(outcome, current)
  const {optionSecrets, profile: next, secrets} = outcome
  const method = next.authMethod

  const changed: string[] = []
  const fieldChanged = (field: string) => !isDeepStrictEqual(current[field], next[field])
  const note = (label: string) => changed.includes(label) || changed.push(label)
  if (fieldChanged('name')) note(CHANGE_LABELS.name)
  if (fieldChanged('tenantId')) note(CHANGE_LABELS.tenantId)
  if (fieldChanged('clientId')) note(CHANGE_LABELS.clientId)
  if (fieldChanged('authority') || fieldChanged('cloud')) note(CHANGE_LABELS.authority)
  if (fieldChanged('authMethod')) note(CHANGE_LABELS.authMethod)
  if (secrets['client-secret'].kind === 'set') note(CHANGE_LABELS.clientSecret)
  if (fieldChanged('certificatePath')) note(CHANGE_LABELS.certificatePath)
  if (secrets['certificate-password'].kind !== 'keep' && method === 'Certificate')
    note(CHANGE_LABELS.certificatePassword)
  if (fieldChanged('scopes')) note(CHANGE_LABELS.scopes)
  if (fieldChanged('defaultFlow')) note(CHANGE_LABELS.defaultFlow)
  if (fieldChanged('redirectUri')) note(CHANGE_LABELS.redirectUri)
  // Removing a secret option that was never stored is no change.
  const storedOptions = secretOptionNames(current)
  for (const [option, action] of Object.entries(optionSecrets))
    if (action.kind === 'remove' && !storedOptions.includes(option)) delete optionSecrets[option]
  const optionsChanged = fieldChanged('flowOptions') || Object.values(optionSecrets).some((a) => a.kind !== 'keep')
  if (optionsChanged) note(CHANGE_LABELS.flowOptions)
  // Clearing a removed secret that was never stored is no change at all.
  if (changed.length === 0) {
    for (const kind of SECRET_KINDS) if (secrets[kind].kind === 'remove') secrets[kind] = {kind: 'keep'}
  }

  const identityChanged =
    current.tenantId.toLowerCase() !== next.tenantId.toLowerCase() ||
    current.clientId.toLowerCase() !== next.clientId.toLowerCase() ||
    authorityHost(current).toLowerCase() !== authorityHost(next).toLowerCase() ||
    // A flow's options say whose token it gets (which managed identity, which endpoint): its tokens go too.
    optionsChanged
  return {changed, current, identityChanged, next, optionSecrets, secrets}
}
