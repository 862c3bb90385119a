import {access, constants} from 'node:fs/promises'
import {resolve} from 'node:path'
import {loadClientCertificate} from './certificate.js'
import {ConfigError, UsageError} from './errors.js'
import {canonicalName, displayName, listExtensions, type HookSource} from './extensions.js'
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
} from './profile.js'
import {ProfileStore} from './profile-store.js'
import {SecretStores} from './secret-stores.js'
import {TokenCacheFile} from './token-cache.js'

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
    warn: (message: string) => void,
  ) {
    this.profiles = new ProfileStore(home)
    this.stores = new SecretStores(hooks, warn)
  }

  flowNames(): string[] {
    return listExtensions(this.hooks, 'flow').map((e) => displayName(e.id))
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
    const flows = this.flowNames()
    const flow = input.flow ? flows.find((f) => canonicalName(f) === canonicalName(input.flow!)) : undefined
    if (input.flow && !flow) throw new UsageError(`Unknown flow '${input.flow}'. Installed flows: ${flows.join(', ')}.`)

    const method = input.authMethod ? AUTH_METHODS.find((m) => m.toLowerCase() === input.authMethod!.toLowerCase()) : undefined
    if (input.authMethod && !method) throw new UsageError(`Unknown auth method '${input.authMethod}': use ${AUTH_METHODS.join(', ')}.`)
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
      const path = resolve(input.certificatePath)
      try {
        await access(path, constants.R_OK)
      } catch {
        throw new UsageError(`Cannot read the certificate file ${path}; check the path and its permissions.`)
      }
      try {
        await loadClientCertificate(path, input.certificatePassword)
      } catch (error) {
        throw new UsageError((error as Error).message)
      }
      profile.certificatePath = path
      profile.useCertificate = true
    } else {
      if (input.certificatePath || input.certificatePassword) throw new UsageError(`--certificate goes with --auth-method Certificate, not ${method}.`)
      if (method === 'None' && input.clientSecret) throw new UsageError('Auth method None takes no client secret.')
      if (method === 'None' && canonicalName(profile.defaultFlow ?? '') === canonicalName(DEFAULT_FLOW)) {
        throw new UsageError('ClientCredentials needs a credential: use --auth-method ClientSecret or Certificate, or pick a sign-in flow with --flow.')
      }
    }
  }

  async create(input: ProfileInput): Promise<{profile: Profile; secretLocation?: string}> {
    const profile = await this.buildProfile(input)
    if (await this.profiles.find(profile.name)) {
      throw new UsageError(`Profile '${profile.name}' already exists; change it with 'entra-auth-cli config edit -p ${profile.name}' or delete it first.`)
    }
    const secrets: Array<[string, string]> = []
    if (input.clientSecret) secrets.push([secretKeys.clientSecret(profile.name), input.clientSecret])
    if (input.certificatePassword) secrets.push([secretKeys.certificatePassword(profile.name), input.certificatePassword])
    let secretLocation: string | undefined
    const store = secrets.length > 0 ? await this.stores.selected() : undefined
    if (store) {
      for (const [key, value] of secrets) await store.set(key, value)
      profile.secretStore = store.name
      secretLocation = store.location
    }
    try {
      await this.profiles.update((profiles) => {
        if (profiles.some((p) => p.name === profile.name)) throw new UsageError(`Profile '${profile.name}' already exists.`)
        profiles.push(profile)
      })
    } catch (error) {
      if (store) for (const [key] of secrets) await store.delete(key).catch(() => false)
      throw error
    }
    return {profile, secretLocation}
  }

  async secretStatus(profile: Profile): Promise<SecretStatus[]> {
    const kinds: SecretStatus['kind'][] = profile.authMethod === 'Certificate' ? ['certificate-password'] : profile.authMethod === 'ClientSecret' ? ['client-secret'] : []
    const storeName = typeof profile.secretStore === 'string' ? profile.secretStore : undefined
    const result: SecretStatus[] = []
    for (const kind of kinds) {
      if (!storeName) {
        result.push({kind, stored: false})
        continue
      }
      const store = await this.stores.open(storeName)
      const key = kind === 'client-secret' ? secretKeys.clientSecret(profile.name) : secretKeys.certificatePassword(profile.name)
      result.push({kind, location: store.location, stored: (await store.get(key)) !== undefined})
    }
    return result
  }

  /** Removes the profile, its secrets and its cached tokens. */
  async delete(name: string): Promise<void> {
    const profile = await this.profiles.get(name)
    const storeName = typeof profile.secretStore === 'string' ? profile.secretStore : undefined
    if (storeName) {
      const store = await this.stores.open(storeName)
      await store.delete(secretKeys.clientSecret(name))
      await store.delete(secretKeys.certificatePassword(name))
    }
    await new TokenCacheFile(this.home, name).clear(this.stores.open)
    await this.profiles.update((profiles) => {
      const index = profiles.findIndex((p) => p.name === name)
      if (index < 0) throw new ConfigError(`Profile '${name}' disappeared while deleting it.`)
      profiles.splice(index, 1)
    })
  }
}
