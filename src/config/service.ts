import {access, constants, rm} from 'node:fs/promises'
import {join, relative, resolve, isAbsolute} from 'node:path'
import {loadClientCertificate} from '../base/certificate.js'
import {ConfigError, UsageError} from '../base/errors.js'
import {
  canonicalName,
  displayName,
  listExtensions,
  loadFlowRegistration,
  type HookSource,
} from '../extensions/registry.js'
import {withLock} from '../base/file-lock.js'
import {paths} from '../base/paths.js'
import {DEFAULT_FLOW, normalizeAuthority, secretKeys, type Profile} from '../profile/model.js'
import {loadAll} from '../extensions/registry.js'
import {
  applyProfileChanges,
  flowNeeds,
  matchFlow,
  refuseProblems,
  SECRET_KINDS,
  userFlows,
  type FlowNeeds,
  type ProfileChanges,
  type RuleContext,
  type RuleOutcome,
  type SecretKind,
} from '../profile/rules.js'
import {nameClash, profileRecordProblem, ProfileStore} from '../profile/store.js'
import {sameStoreName, SecretStores} from '../extensions/secret-stores.js'
import {TokenCacheFile} from '../token/cache.js'
import type {FlowRegistration, SecretStore} from '../contract/index.js'

export interface ProfileInput {
  name: string
  /** Left out for a flow that uses no tenant (or client id): FlowRegistration.profileFields. */
  tenantId?: string
  clientId?: string
  authority?: string
  cloud?: string
  scopes?: string[]
  flow?: string
  authMethod?: string
  clientSecret?: string
  certificatePath?: string
  certificatePassword?: string
  redirectUri?: string
  /** The flow's own options (FlowRegistration.options), secret ones included. */
  options?: Record<string, string>
}

export interface SecretStatus {
  /** A standard secret, or `option:<name>` for a flow's secret option. */
  kind: SecretKind | `option:${string}`
  stored: boolean
  location?: string
}

export {SECRET_KINDS, type SecretKind} from '../profile/rules.js'

export function secretKey(kind: SecretKind, profile: string): string {
  return kind === 'client-secret' ? secretKeys.clientSecret(profile) : secretKeys.certificatePassword(profile)
}

/** The store a profile's secrets live in, when it has any. */
export function profileStoreName(profile: Profile): string | undefined {
  return typeof profile.secretStore === 'string' && profile.secretStore ? profile.secretStore : undefined
}

/** The flow's secret options this profile has stored (their values live in the secret store). */
export function secretOptionNames(profile: Profile): string[] {
  return Array.isArray(profile.secretOptions)
    ? profile.secretOptions.filter((o): o is string => typeof o === 'string')
    : []
}

/** Certificates restored by `config import` are kept here (0600 files in the 0700 home), one per profile. */
export function importedCertificatesDir(home: string): string {
  return join(home, 'certificates')
}

/**
 * Runs `work` holding the token cache locks of these profiles. get-token holds a profile's cache lock while it
 * acquires and saves a token, so whoever drops or moves a cache under the lock knows no token of the old settings
 * lands after it. Locks are taken in a fixed order so two callers crossing the same names cannot deadlock.
 */
export function withTokenCacheLocks<T>(home: string, names: readonly string[], work: () => Promise<T>): Promise<T> {
  const lockPaths = [...new Set(names)].sort().map((n) => paths.tokenCacheLock(home, n))
  const locked = lockPaths.reduceRight<() => Promise<T>>(
    (inner, path) => () => withLock(path, {timeoutMs: 15_000}, inner),
    work,
  )
  return locked()
}

/**
 * Changes that must be undone when a later step fails: each `do` registers its inverse, `rollback()` runs them
 * newest first and never throws (the original error is what the user must see).
 */
export class UndoLog {
  private readonly steps: Array<() => Promise<unknown>> = []

  push(step: () => Promise<unknown>): void {
    this.steps.push(step)
  }

  async rollback(): Promise<string[]> {
    const failures: string[] = []
    for (const step of this.steps.reverse()) {
      try {
        await step()
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
    this.steps.length = 0
    return failures
  }

  /** Writes `value` under `key`, remembering what was there before. */
  async putSecret(store: SecretStore, key: string, value: string): Promise<void> {
    const previous = await store.get(key)
    await store.set(key, value)
    this.push(() => (previous === undefined ? store.delete(key) : store.set(key, previous)))
  }
}

/**
 * Profile life cycle: validate everything first, then write secrets, then the profile, so bad input changes
 * nothing and a failure half-way leaves no orphan behind.
 */
export class ProfileService {
  readonly profiles: ProfileStore
  readonly stores: SecretStores
  private flowRegistrations: Promise<Map<string, FlowRegistration>> | undefined

  constructor(
    readonly home: string,
    private readonly hooks: HookSource,
    readonly warn: (message: string) => void,
  ) {
    this.profiles = new ProfileStore(home)
    this.stores = new SecretStores(hooks, warn)
  }

  flowNames(): string[] {
    return listExtensions(this.hooks, 'flow').map((e) => displayName(e.id))
  }

  /** Every installed flow's registration by canonical name; a flow whose plugin fails to register is left out. */
  flows(): Promise<Map<string, FlowRegistration>> {
    this.flowRegistrations ??= loadAll<FlowRegistration>(this.hooks, 'flow').then(
      (all) => new Map(all.filter((f) => f.registration).map((f) => [canonicalName(f.info.id), f.registration!])),
    )
    return this.flowRegistrations
  }

  /** What the profile rules need: the installed flows and what each declares about profiles. */
  async ruleContext(existingNames?: readonly string[]): Promise<RuleContext> {
    const registrations = await this.flows()
    const needs = new Map<string, FlowNeeds>([...registrations].map(([key, r]) => [key, flowNeeds(r)]))
    return {existingNames, flows: this.flowNames(), needs: (flow) => needs.get(canonicalName(flow))}
  }

  /** Flows a profile without a credential can use. */
  async userFlowNames(): Promise<string[]> {
    return userFlows(await this.ruleContext())
  }

  /** The installed flow's own spelling for what the user typed (`device-code` → `DeviceCode`). */
  matchFlow(name: string): string {
    const flow = matchFlow({flows: this.flowNames(), needs: () => undefined}, name)
    if (!flow) throw new UsageError(`Unknown flow '${name}'. Installed flows: ${this.flowNames().join(', ')}.`)
    return flow
  }

  /**
   * Fields the chosen flow takes from the environment when they were not given (its `environmentDefaults`):
   * returns the input completed, the variables used (to say so) and all the flow reads (to name them when missing).
   */
  async environmentDefaults(
    input: Partial<ProfileInput>,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{
    input: Partial<ProfileInput>
    used: string[]
    variables: NonNullable<FlowRegistration['environmentDefaults']>
  }> {
    if (!input.flow) return {input, used: [], variables: {}}
    const defaults = (await loadFlowRegistration(this.hooks, this.matchFlow(input.flow))).environmentDefaults ?? {}
    const completed = {...input}
    const used: string[] = []
    for (const field of ['tenantId', 'clientId', 'authority'] as const) {
      const variable = defaults[field]
      const value = variable ? env[variable]?.trim() : undefined
      if (!value || completed[field] || (field === 'authority' && completed.cloud)) continue
      completed[field] = value
      used.push(variable!)
    }
    return {input: completed, used, variables: defaults}
  }

  /** Checks a certificate file opens with the password; returns its absolute path. Throws a UsageError saying why not. */
  async checkCertificate(path: string, password: string | undefined): Promise<string> {
    const absolute = resolve(path)
    try {
      await access(absolute, constants.R_OK)
    } catch {
      throw new UsageError(`Cannot read the certificate file ${absolute}; check the path and its permissions.`)
    }
    try {
      await loadClientCertificate(absolute, password)
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    return absolute
  }

  /**
   * Opens the certificate the rules name, with the password given or else the one `base` has stored (when that
   * does not open the new file, one that needs no password is accepted and the stored password is dropped).
   * Sets the profile's absolute certificate path; throws a UsageError saying why the file cannot be used.
   */
  async openCertificate(outcome: RuleOutcome, base: Profile | undefined): Promise<void> {
    const certificate = outcome.certificate
    if (!certificate) return
    const {password, path} = certificate
    if (password !== undefined) {
      outcome.profile.certificatePath = await this.checkCertificate(path, password || undefined)
      return
    }
    const stored =
      base?.authMethod === 'Certificate' ? await this.storedSecret(base, 'certificate-password') : undefined
    try {
      outcome.profile.certificatePath = await this.checkCertificate(path, stored)
    } catch (error) {
      if (stored === undefined) throw error
      outcome.profile.certificatePath = await this.checkCertificate(path, undefined).catch(() => {
        throw new UsageError(
          `The stored certificate password does not open ${path}; give its password with --certificate-password-stdin.`,
        )
      })
      outcome.secrets['certificate-password'] = {kind: 'remove'}
    }
  }

  /** A secret the profile has stored, if any. */
  async storedSecret(profile: Profile, kind: SecretKind): Promise<string | undefined> {
    const storeName = profileStoreName(profile)
    return storeName ? (await this.stores.open(storeName)).get(secretKey(kind, profile.name)) : undefined
  }

  /**
   * Records which plugin provides the profile's flow (none for a built-in), so that once that plugin is gone the
   * profile can say which one to reinstall.
   */
  notePlugin(profile: Profile): void {
    const info = listExtensions(this.hooks, 'flow').find(
      (e) => canonicalName(e.id) === canonicalName(profile.defaultFlow ?? DEFAULT_FLOW),
    )
    if (info && !info.builtin) profile.flowPlugin = info.plugin
    else if (info) delete profile.flowPlugin
  }

  /** Likewise for the store holding the profile's secrets (kept as it was while that store is not installed). */
  noteStorePlugin(profile: Profile): void {
    const name = profile.secretStore
    if (typeof name !== 'string') {
      delete profile.storePlugin
      return
    }
    const info = listExtensions(this.hooks, 'store').find((e) => sameStoreName(e.id, name))
    if (info && !info.builtin) profile.storePlugin = info.plugin
    else if (info) delete profile.storePlugin
  }

  /** Applies the rules to a new profile made of `input`; throws a UsageError naming the first bad field. */
  async buildProfile(input: ProfileInput): Promise<RuleOutcome> {
    const {name, flow, ...rest} = input
    const outcome = applyProfileChanges(undefined, {...rest, flow, newName: name}, await this.ruleContext())
    refuseProblems(outcome)
    this.notePlugin(outcome.profile)
    await this.openCertificate(outcome, undefined)
    return outcome
  }

  /**
   * The rules of `config create` applied to a stored profile record (what `config import` brings in): returns the
   * first problem, or undefined. Fields this version does not know are left alone.
   */
  async checkStoredProfile(profile: Profile): Promise<string | undefined> {
    const shape = profileRecordProblem(profile)
    if (shape) return shape
    const credential =
      profile.authMethod === 'Certificate' && typeof profile.certificatePath === 'string'
        ? {certificatePath: profile.certificatePath}
        : {}
    const changes: ProfileChanges = {
      authMethod: profile.authMethod,
      authority: profile.authority,
      // A record naming both keeps its authority (as get-token does); the cloud is not checked then.
      cloud: profile.authority === undefined ? profile.cloud : undefined,
      clientId: profile.clientId,
      flow: profile.defaultFlow,
      newName: profile.name,
      options: profile.flowOptions,
      redirectUri: profile.redirectUri,
      scopes: profile.scopes,
      tenantId: profile.tenantId,
      ...credential,
    }
    const outcome = applyProfileChanges(undefined, changes, await this.ruleContext())
    // Secret options travel without their values (they are not in the record): their absence is no problem here.
    const [problem] = outcome.problems.filter((p) => !(p.field === 'options' && /--option-stdin/.test(p.message)))
    // The record comes from another machine, not from flags: say what is missing here in its terms.
    if (problem?.field === 'flow') {
      return `its default flow '${profile.defaultFlow}' is not installed here (installed: ${this.flowNames().join(', ')}); install the plugin that provides it first`
    }
    if (problem?.field === 'certificatePath') return 'auth method Certificate needs a certificatePath'
    if (problem?.field === 'authMethod')
      return `auth method None cannot use the ${profile.defaultFlow ?? DEFAULT_FLOW} flow`
    if (problem) return problem.message
    if (profile.authority !== undefined) {
      const host = normalizeAuthority(profile.authority, profile.tenantId).host!
      if (host !== profile.authority.replace(/\/+$/, ''))
        return `authority '${profile.authority}' should be a bare host such as ${host}`
    }
    return undefined
  }

  /** The store new secrets of this profile go to: the one already holding its secrets, else the selected store. */
  async storeFor(profile: Profile): Promise<SecretStore> {
    const name = profileStoreName(profile)
    return name ? this.stores.open(name) : this.stores.selected()
  }

  async create(input: ProfileInput): Promise<{profile: Profile; secretLocation?: string}> {
    const {optionSecrets, profile, secrets: actions} = await this.buildProfile(input)
    const taken = (profiles: Profile[]) =>
      nameClash(
        profile.name,
        profiles.map((p) => p.name),
      )
    const clash = taken(await this.profiles.list())
    if (clash) throw new UsageError(`${clash}; pick another name, or change or delete that profile first.`)
    const secrets: Array<[string, string]> = []
    for (const kind of SECRET_KINDS) {
      const action = actions[kind]
      if (action.kind === 'set') secrets.push([secretKey(kind, profile.name), action.value])
    }
    const options = Object.entries(optionSecrets).flatMap(([option, action]) =>
      action.kind === 'set' ? [[option, action.value] as const] : [],
    )
    for (const [option, value] of options) secrets.push([secretKeys.option(profile.name, option), value])
    if (options.length > 0) profile.secretOptions = options.map(([option]) => option)
    let secretLocation: string | undefined
    const store = secrets.length > 0 ? await this.stores.selected() : undefined
    const undo = new UndoLog()
    try {
      if (store) {
        for (const [key, value] of secrets) await undo.putSecret(store, key, value)
        profile.secretStore = store.name
        this.noteStorePlugin(profile)
        secretLocation = store.location
      }
      await this.profiles.update((profiles) => {
        const raced = taken(profiles)
        if (raced) throw new UsageError(`${raced}; nothing was created.`)
        profiles.push(profile)
      })
    } catch (error) {
      await undo.rollback()
      throw error
    }
    return {profile, secretLocation}
  }

  async secretStatus(profile: Profile): Promise<SecretStatus[]> {
    const kinds: SecretKind[] =
      profile.authMethod === 'Certificate'
        ? ['certificate-password']
        : profile.authMethod === 'ClientSecret'
          ? ['client-secret']
          : []
    const storeName = profileStoreName(profile)
    const result: SecretStatus[] = []
    for (const kind of kinds) {
      if (!storeName) {
        result.push({kind, stored: false})
        continue
      }
      const store = await this.stores.open(storeName)
      result.push({
        kind,
        location: store.location,
        stored: (await store.get(secretKey(kind, profile.name))) !== undefined,
      })
    }
    for (const option of secretOptionNames(profile)) {
      const store = storeName ? await this.stores.open(storeName) : undefined
      const stored = store ? (await store.get(secretKeys.option(profile.name, option))) !== undefined : false
      result.push({kind: `option:${option}`, location: store?.location, stored})
    }
    return result
  }

  /** Removes the profile, its secrets, its cached tokens and the certificate copy `config import` made for it. */
  async delete(name: string): Promise<void> {
    const profile = await this.profiles.get(name)
    const storeName = profileStoreName(profile)
    // Under the cache lock: a get-token of this profile finishes (or waits) first, so none writes a cache back
    // for the deleted profile. Taken before anything is removed, so a lock timeout leaves the profile whole.
    await withTokenCacheLocks(this.home, [name], async () => {
      if (storeName) {
        const store = await this.stores.open(storeName)
        for (const kind of SECRET_KINDS) await store.delete(secretKey(kind, name))
        // A store cannot list its keys: the profile records which secret options it stored.
        for (const option of secretOptionNames(profile)) await store.delete(secretKeys.option(name, option))
      }
      await new TokenCacheFile(this.home, name).clear(this.stores.open)
      await this.profiles.update((profiles) => {
        const index = profiles.findIndex((p) => p.name === name)
        if (index < 0) throw new ConfigError(`Profile '${name}' disappeared while deleting it.`)
        profiles.splice(index, 1)
      })
    })
    if (typeof profile.certificatePath === 'string' && this.ownsCertificate(profile.certificatePath)) {
      await rm(profile.certificatePath, {force: true}).catch(() => {})
    }
  }

  /** True for certificate copies kept under ENTRA_AUTH_CLI_HOME/certificates (never a user's own file). */
  ownsCertificate(path: string): boolean {
    const inside = relative(importedCertificatesDir(this.home), resolve(path))
    return Boolean(inside) && !inside.startsWith('..') && !isAbsolute(inside)
  }
}
