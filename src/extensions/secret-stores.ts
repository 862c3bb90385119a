import {CliError, ConfigError, oneLine, pluginCliError, UsageError} from '../base/errors.js'
import {loadAllStores, loadStoreRegistration, type HookSource} from './registry.js'
import type {SecretStore, StoreRegistration} from '../contract/index.js'
import {BIN} from '../base/product.js'

export const STORE_ENV = 'ENTRA_AUTH_CLI_STORE'

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

  /** The store a profile's secrets were saved in, checked first so the user hears why it cannot be used. */
  async openFor(profile: string, name: string): Promise<SecretStore> {
    let registration: StoreRegistration
    try {
      registration = await loadStoreRegistration(this.hooks, name)
    } catch (error) {
      // The plugin that held this profile's secrets was uninstalled: choosing another store would not bring them back.
      if (!(error instanceof UsageError)) throw error
      throw new ConfigError(
        `Profile '${profile}' keeps its secrets in the '${name}' store, which is not installed any more; reinstall its plugin, or store the secret again with '${BIN} config edit -p ${profile}'.`,
        'SECRET_STORE_MISSING',
      )
    }
    const availability = await registration.isAvailable()
    if (!availability.available) {
      throw new ConfigError(
        `Profile '${profile}' keeps its secrets in the '${name}' store, which is unavailable: ${availability.reason}.`,
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
    if (chosen) {
      let registration: StoreRegistration
      try {
        registration = await loadStoreRegistration(this.hooks, chosen)
      } catch (error) {
        if (error instanceof UsageError) throw new UsageError(`${STORE_ENV}=${chosen}: ${error.message}`)
        throw error
      }
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
