import {CliError, ConfigError, oneLine, pluginCliError, UsageError} from '../base/errors.js'
import {
  canonicalName,
  findExtension,
  loadAllStores,
  loadStoreRegistration,
  type ExtensionInfo,
  type HookSource,
} from './registry.js'
import type {SecretStore, StoreRegistration} from '../contract/index.js'
import {BIN} from '../base/product.js'

export const STORE_ENV = 'ENTRA_AUTH_CLI_STORE'

/** `Encrypted-File`, `encryptedfile` and `encrypted-file` name the same store (the rule for flow and hook names). */
export function sameStoreName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b)
}

/**
 * The installed store ENTRA_AUTH_CLI_STORE names, from package metadata alone (no plugin code runs). A name matching
 * nothing is a configuration problem (exit 3, like "no usable secret store"), reported before any flow runs.
 */
export function chosenStore(hooks: HookSource, env: NodeJS.ProcessEnv = process.env): ExtensionInfo | undefined {
  const chosen = env[STORE_ENV]
  if (!chosen) return undefined
  try {
    return findExtension(hooks, 'store', chosen)
  } catch (error) {
    if (error instanceof UsageError)
      throw new ConfigError(`${STORE_ENV}=${chosen}: ${error.message}`, 'NO_SECRET_STORE')
    throw error
  }
}

/** The error for a profile whose store plugin was uninstalled, naming the package to reinstall when it is known. */
export function missingStore(profile: {name: string; storePlugin?: unknown}, store: string): ConfigError {
  const plugin =
    typeof profile.storePlugin === 'string'
      ? `reinstall the plugin '${profile.storePlugin}' ('${BIN} plugins install ${profile.storePlugin}')`
      : 'reinstall its plugin'
  return new ConfigError(
    `Profile '${profile.name}' keeps its secrets in the '${store}' store, which is not installed any more; ${plugin}, or store the secret again with '${BIN} config edit -p ${profile.name}'.`,
    'SECRET_STORE_MISSING',
  )
}

/**
 * Picks and opens secret stores. The user's choice (ENTRA_AUTH_CLI_STORE) wins; otherwise the first available store
 * by priority. There is no plaintext fallback: when nothing is available the user is told what to install or set.
 */
export class SecretStores {
  private readonly opened = new Map<string, Promise<SecretStore>>()
  private selection: Promise<SecretStore> | undefined

  constructor(
    private readonly hooks: HookSource,
    private readonly warn: (message: string) => void,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** A store by name, without probing it: its first operation reports why it is unusable, if it is. */
  open = (name: string): Promise<SecretStore> => {
    let store = this.opened.get(name)
    if (!store) {
      store = loadStoreRegistration(this.hooks, name).then(async (r) => explainFailures(await r.create()))
      this.opened.set(name, store)
    }
    return store
  }

  /**
   * Before any flow or network request: ENTRA_AUTH_CLI_STORE names an installed store, and the store holding the
   * profile's secrets is still installed. Package metadata only, so a cached get-token stays cheap.
   */
  checkInstalled(profile?: {name: string; secretStore?: unknown; storePlugin?: unknown}): void {
    chosenStore(this.hooks, this.env)
    if (typeof profile?.secretStore !== 'string') return
    try {
      findExtension(this.hooks, 'store', profile.secretStore)
    } catch (error) {
      // The plugin that held this profile's secrets was uninstalled: choosing another store would not bring them back.
      if (error instanceof UsageError) throw missingStore(profile, profile.secretStore)
      throw error
    }
  }

  /** The store a profile's secrets were saved in, checked first so the user hears why it cannot be used. */
  async openFor(profile: string | {name: string; storePlugin?: unknown}, name: string): Promise<SecretStore> {
    const owner = typeof profile === 'string' ? {name: profile} : profile
    let registration: StoreRegistration
    try {
      registration = await loadStoreRegistration(this.hooks, name)
    } catch (error) {
      if (error instanceof UsageError) throw missingStore(owner, name)
      throw error
    }
    const availability = await registration.isAvailable()
    if (!availability.available) {
      throw new ConfigError(
        `Profile '${owner.name}' keeps its secrets in the '${name}' store, which is unavailable: ${availability.reason}.`,
        'SECRET_STORE_UNAVAILABLE',
      )
    }
    return this.open(name)
  }

  /** The store new secrets go to. */
  selected(): Promise<SecretStore> {
    this.selection ??= this.select()
    return this.selection
  }

  private async select(): Promise<SecretStore> {
    const chosen = this.env[STORE_ENV]
    const info = chosenStore(this.hooks, this.env)
    if (chosen && info) {
      const registration = await loadStoreRegistration(this.hooks, info.id)
      const availability = await registration.isAvailable()
      if (!availability.available) {
        throw new ConfigError(
          `The secret store '${chosen}' chosen by ${STORE_ENV} is unavailable: ${availability.reason}.`,
          'NO_SECRET_STORE',
        )
      }
      return this.open(registration.name)
    }
    const registrations = await loadAllStores(this.hooks, this.warn)
    const reasons: string[] = []
    for (const registration of registrations) {
      const availability = await registration.isAvailable()
      if (availability.available) return this.open(registration.name)
      reasons.push(`${registration.name}: ${availability.reason}`)
    }
    throw new ConfigError(
      `No secret store is available (${reasons.join('; ') || 'none installed'}). Install and unlock an OS keyring (e.g. gnome-keyring), or set ENTRA_AUTH_CLI_PASSPHRASE to use the encrypted file store.`,
      'NO_SECRET_STORE',
    )
  }
}

/** A store plugin may throw anything; the user gets one line naming the store, never a stack trace. */
function explainFailures(store: SecretStore): SecretStore {
  const wrap =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await operation.apply(store, args)
      } catch (error) {
        if (error instanceof CliError) throw error
        const declared = pluginCliError(error)
        if (declared) throw declared
        throw new ConfigError(
          `The '${store.name}' secret store failed: ${oneLine((error as Error).message ?? String(error))}`,
          'SECRET_STORE_FAILED',
        )
      }
    }
  return {
    delete: wrap(store.delete),
    get: wrap(store.get),
    location: store.location,
    name: store.name,
    set: wrap(store.set),
  }
}
