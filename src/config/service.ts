import {access, constants, rm} from 'node:fs/promises'
import {join, relative, resolve, isAbsolute} from 'node:path'
import {loadClientCertificate} from '../base/certificate.js'
import {ConfigError, UsageError} from '../base/errors.js'
import {canonicalName, displayName, listExtensions, type HookSource} from '../extensions/registry.js'
import {withLock} from '../base/file-lock.js'
import {paths} from '../base/paths.js'
import {
  AUTH_METHODS,
  CLOUDS,
  DEFAULT_FLOW,
  normalizeAuthority,
  secretKeys,
  validate,
  type AuthMethod,
  type Cloud,
  type Profile,
} from '../profile/model.js'
import {nameClash, profileRecordProblem, ProfileStore} from '../profile/store.js'
import {SecretStores} from '../extensions/secret-stores.js'
import {TokenCacheFile} from '../token/cache.js'
import type {SecretStore} from '../contract/index.js'

export interface ProfileInput {
  name: string
  tenantId: string
  clientId: string
  authority?: string
  cloud?: string
  scopes?: string[]
  flow?: string
  authMethod?: string
  clientSecret?: string
  certificatePath?: string
  certificatePassword?: string
  redirectUri?: string
}

export interface SecretStatus {
  kind: 'client-secret' | 'certificate-password'
  stored: boolean
  location?: string
}

export type SecretKind = SecretStatus['kind']
export const SECRET_KINDS: readonly SecretKind[] = ['client-secret', 'certificate-password']

export function secretKey(kind: SecretKind, profile: string): string {
  return kind === 'client-secret' ? secretKeys.clientSecret(profile) : secretKeys.certificatePassword(profile)
}

/** The store a profile's secrets live in, when it has any. */
export function profileStoreName(profile: Profile): string | undefined {
  return typeof profile.secretStore === 'string' && profile.secretStore ? profile.secretStore : undefined
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
  const locked = lockPaths.reduceRight<() => Promise<T>>((inner, path) => () => withLock(path, {timeoutMs: 15_000}, inner), work)
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

  /** Flows that sign a user in (everything but the app-only ClientCredentials): what a profile without a credential can use. */
  userFlowNames(): string[] {
    return this.flowNames().filter((f) => canonicalName(f) !== canonicalName(DEFAULT_FLOW))
  }

  /** The installed flow's own spelling for what the user typed (`device-code` → `DeviceCode`). */
  matchFlow(name: string): string {
    const flows = this.flowNames()
    const flow = flows.find((f) => canonicalName(f) === canonicalName(name))
    if (!flow) throw new UsageError(`Unknown flow '${name}'. Installed flows: ${flows.join(', ')}.`)
    return flow
  }

  matchAuthMethod(name: string): AuthMethod {
    const method = AUTH_METHODS.find((m) => m.toLowerCase() === name.toLowerCase())
    if (!method) throw new UsageError(`Unknown auth method '${name}': use ${AUTH_METHODS.join(', ')}.`)
    return method
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

  /** Validates and normalizes; throws a UsageError naming the first bad field. */
  async buildProfile(input: ProfileInput): Promise<Profile> {
    const check = (message: string | undefined) => {
      if (message) throw new UsageError(message)
    }
    check(validate.name(input.name))
    check(validate.tenantId(input.tenantId))
    check(validate.clientId(input.clientId))
    const profile: Profile = {authMethod: 'ClientSecret', clientId: input.clientId.toLowerCase(), name: input.name, tenantId: input.tenantId}
    if (input.authority && input.cloud) throw new UsageError('Give either --authority or --cloud, not both.')
    if (input.authority) {
      const {error, host} = normalizeAuthority(input.authority, input.tenantId)
      check(error)
      profile.authority = host
    } else if (input.cloud) {
      if (!(input.cloud in CLOUDS)) throw new UsageError(`Unknown cloud '${input.cloud}': use ${Object.keys(CLOUDS).join(', ')}, or --authority URL.`)
      profile.cloud = input.cloud as Cloud
    }
    if (input.scopes?.length) {
      for (const scope of input.scopes) check(validate.scope(scope))
      profile.scopes = input.scopes
    }
    if (input.redirectUri) {
      check(validate.redirectUri(input.redirectUri))
      profile.redirectUri = input.redirectUri
    }
    const flow = input.flow ? this.matchFlow(input.flow) : undefined
    const method = input.authMethod ? this.matchAuthMethod(input.authMethod) : undefined
    profile.authMethod = method ?? (input.certificatePath ? 'Certificate' : input.clientSecret || !flow || canonicalName(flow) === canonicalName(DEFAULT_FLOW) ? 'ClientSecret' : 'None')
    profile.defaultFlow = flow ?? (profile.authMethod === 'None' ? 'InteractiveBrowser' : DEFAULT_FLOW)
    await this.checkCredentials(profile, input)
    return profile
  }

  private async checkCredentials(profile: Profile, input: ProfileInput) {
    const method: AuthMethod = profile.authMethod
    if (method === 'Certificate') {
      if (!input.certificatePath) throw new UsageError('Auth method Certificate needs --certificate PATH (.pfx, .p12 or .pem with its key).')
      if (input.clientSecret) throw new UsageError('Give a client secret or a certificate, not both.')
      profile.certificatePath = await this.checkCertificate(input.certificatePath, input.certificatePassword)
      profile.useCertificate = true
    } else {
      if (input.certificatePath || input.certificatePassword) throw new UsageError(`--certificate goes with --auth-method Certificate, not ${method}.`)
      if (method === 'None' && input.clientSecret) throw new UsageError('Auth method None takes no client secret.')
      if (method === 'None' && canonicalName(profile.defaultFlow ?? '') === canonicalName(DEFAULT_FLOW)) {
        throw new UsageError('ClientCredentials needs a credential: use --auth-method ClientSecret or Certificate, or pick a sign-in flow with --flow.')
      }
    }
  }

  /**
   * The rules of buildProfile applied to a stored profile record (what `config import` brings in): returns the first
   * problem, or undefined. Fields this version does not know are left alone.
   */
  checkStoredProfile(profile: Profile): string | undefined {
    const shape = profileRecordProblem(profile)
    if (shape) return shape
    const message =
      validate.tenantId(profile.tenantId) ??
      validate.clientId(profile.clientId) ??
      (profile.redirectUri === undefined ? undefined : validate.redirectUri(profile.redirectUri))
    if (message) return message
    if (profile.authority !== undefined) {
      const {error, host} = normalizeAuthority(profile.authority, profile.tenantId)
      if (error) return error
      if (host !== profile.authority.replace(/\/+$/, '')) return `authority '${profile.authority}' should be a bare host such as ${host}`
    }
    for (const scope of profile.scopes ?? []) {
      const bad = validate.scope(scope)
      if (bad) return bad
    }
    if (profile.defaultFlow !== undefined) {
      const flows = this.flowNames()
      if (!flows.some((f) => canonicalName(f) === canonicalName(profile.defaultFlow!))) {
        return `its default flow '${profile.defaultFlow}' is not installed here (installed: ${flows.join(', ')}); install the plugin that provides it first`
      }
    }
    if (profile.authMethod === 'Certificate' && typeof profile.certificatePath !== 'string') return 'auth method Certificate needs a certificatePath'
    if (profile.authMethod === 'None' && canonicalName(profile.defaultFlow ?? DEFAULT_FLOW) === canonicalName(DEFAULT_FLOW)) {
      return 'auth method None cannot use the ClientCredentials flow'
    }
    return undefined
  }

  /** The store new secrets of this profile go to: the one already holding its secrets, else the selected store. */
  async storeFor(profile: Profile): Promise<SecretStore> {
    const name = profileStoreName(profile)
    return name ? this.stores.open(name) : this.stores.selected()
  }

  async create(input: ProfileInput): Promise<{profile: Profile; secretLocation?: string}> {
    const profile = await this.buildProfile(input)
    const taken = (profiles: Profile[]) => nameClash(profile.name, profiles.map((p) => p.name))
    const clash = taken(await this.profiles.list())
    if (clash) throw new UsageError(`${clash}; pick another name, or change or delete that profile first.`)
    const secrets: Array<[string, string]> = []
    if (input.clientSecret) secrets.push([secretKeys.clientSecret(profile.name), input.clientSecret])
    if (input.certificatePassword) secrets.push([secretKeys.certificatePassword(profile.name), input.certificatePassword])
    let secretLocation: string | undefined
    const store = secrets.length > 0 ? await this.stores.selected() : undefined
    const undo = new UndoLog()
    try {
      if (store) {
        for (const [key, value] of secrets) await undo.putSecret(store, key, value)
        profile.secretStore = store.name
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
    const kinds: SecretKind[] = profile.authMethod === 'Certificate' ? ['certificate-password'] : profile.authMethod === 'ClientSecret' ? ['client-secret'] : []
    const storeName = profileStoreName(profile)
    const result: SecretStatus[] = []
    for (const kind of kinds) {
      if (!storeName) {
        result.push({kind, stored: false})
        continue
      }
      const store = await this.stores.open(storeName)
      result.push({kind, location: store.location, stored: (await store.get(secretKey(kind, profile.name))) !== undefined})
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
