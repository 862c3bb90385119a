import {readFileSync} from 'node:fs'
import {
  deriveKey,
  isSaneKdf,
  isSealedBox,
  newKdfParams,
  open,
  seal,
  type KdfParams,
  type SealedBox,
} from '../base/crypto.js'
import {ConfigError} from '../base/errors.js'
import {withLock} from '../base/file-lock.js'
import {writeFileAtomic} from '../base/fs-atomic.js'
import type {Availability, SecretStore} from '../contract/index.js'
import {BIN} from '../base/product.js'

export const PASSPHRASE_ENV = 'ENTRA_AUTH_CLI_PASSPHRASE'
const AAD = 'entra-auth-cli:secrets:v1'

interface SecretsFile extends SealedBox {
  version: 1
  kdf: KdfParams
}

/** `creating`: the passphrase will seal a new file (ask twice, apply the length rule) rather than open one. */
export type PassphraseSource = (purpose: {creating: boolean}) => Promise<string>

/** A key derived earlier for a file with exactly these parameters (`unlock`), or undefined. Never trusted blindly. */
export type CachedKeySource = (kdf: KdfParams) => Promise<Buffer | undefined>

/**
 * Secrets in one AES-256-GCM file whose key is scrypt(passphrase), for hosts with no OS keyring (headless Linux,
 * containers, CI). The passphrase comes from ENTRA_AUTH_CLI_PASSPHRASE or a prompt; it is never stored.
 * The key is derived once per process (scrypt is deliberately slow) and reused for every read and write; after
 * `unlock`, a key held in memory by the unlock agent is tried first (and only kept if it opens the file).
 */
export class EncryptedFileStore implements SecretStore {
  readonly name = 'encrypted-file'
  private key: Promise<{key: Buffer; kdf: KdfParams; cached?: boolean}> | undefined

  constructor(
    readonly file: string,
    private readonly passphrase: PassphraseSource,
    private readonly cachedKey?: CachedKeySource,
  ) {}

  get location(): string {
    return `encrypted file ${this.file}`
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.readAll())[key]
  }

  async set(key: string, value: string): Promise<void> {
    await this.modify((secrets) => {
      secrets[key] = value
    })
  }

  async delete(key: string): Promise<boolean> {
    let existed = false
    await this.modify((secrets) => {
      existed = key in secrets
      delete secrets[key]
    })
    return existed
  }

  private async modify(change: (secrets: Record<string, string>) => void): Promise<void> {
    await withLock(`${this.file}.lock`, {timeoutMs: 10_000}, async () => {
      const secrets = await this.readAll()
      change(secrets)
      const {key, kdf} = await this.keyFor(await this.readFile())
      const box = seal(key, JSON.stringify(secrets), AAD)
      const file: SecretsFile = {kdf, version: 1, ...box}
      await writeFileAtomic(this.file, JSON.stringify(file) + '\n', {privateDir: true})
    })
  }

  private async readFile(): Promise<SecretsFile | undefined> {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    let data: SecretsFile
    try {
      data = JSON.parse(text) as SecretsFile
    } catch {
      throw new ConfigError(
        `${this.file} is damaged (not JSON); restore it from a backup or move it away.`,
        'SECRETS_CORRUPT',
      )
    }
    if (data.version !== 1 || !isSealedBox(data) || !isSaneKdf(data.kdf)) {
      throw new ConfigError(
        `${this.file} has an unknown format; upgrade ${BIN} or move the file away.`,
        'SECRETS_CORRUPT',
      )
    }
    return data
  }

  private async readAll(): Promise<Record<string, string>> {
    const file = await this.readFile()
    if (!file) return {}
    const {cached, key} = await this.keyFor(file)
    try {
      return JSON.parse(open(key, file, AAD)) as Record<string, string>
    } catch {
      this.key = undefined
      // An unlocked key that no longer opens the file (it was sealed again meanwhile): the passphrase decides.
      if (cached) return this.readAllWithPassphrase(file)
      throw new ConfigError(
        `Cannot decrypt ${this.file}: wrong passphrase, or the file was modified. Check ${PASSPHRASE_ENV}.`,
        'SECRETS_DECRYPT',
      )
    }
  }

  /**
   * For `unlock`: the key derived from the passphrase (never from an agent), proven by opening the file with it,
   * so a wrong passphrase is refused here and never handed to the agent.
   */
  async verifiedKey(): Promise<{key: Buffer; kdf: KdfParams}> {
    const file = await this.readFile()
    if (!file) {
      throw new ConfigError(
        `Nothing to unlock: ${this.file} does not exist yet (the encrypted-file store creates it with the first secret it keeps).`,
        'NO_SECRETS_FILE',
      )
    }
    const derived = await this.derive(file)
    try {
      open(derived.key, file, AAD)
    } catch {
      throw new ConfigError(
        `Cannot decrypt ${this.file}: wrong passphrase, or the file was modified. Check ${PASSPHRASE_ENV}.`,
        'SECRETS_DECRYPT',
      )
    }
    return derived
  }

  private async readAllWithPassphrase(file: SecretsFile): Promise<Record<string, string>> {
    this.key = this.derive(file)
    return this.readAll()
  }

  /** The key for an existing file uses that file's salt and parameters; a new file gets fresh ones. */
  private keyFor(file: SecretsFile | undefined): Promise<{key: Buffer; kdf: KdfParams; cached?: boolean}> {
    if (!this.key) {
      const {cachedKey} = this
      this.key = (async () => {
        const key = file && cachedKey ? await cachedKey(file.kdf).catch(() => undefined) : undefined
        return key ? {cached: true, kdf: file!.kdf, key} : this.derive(file)
      })()
    }
    return this.key
  }

  private async derive(file: SecretsFile | undefined): Promise<{key: Buffer; kdf: KdfParams}> {
    const kdf = file?.kdf ?? newKdfParams()
    return {kdf, key: await deriveKey(await this.passphrase({creating: !file}), kdf)}
  }
}

export function encryptedFileAvailability(env: NodeJS.ProcessEnv, interactive: boolean): Availability {
  if (env[PASSPHRASE_ENV]) return {available: true}
  if (interactive) return {available: true}
  return {
    available: false,
    reason: `${PASSPHRASE_ENV} is not set, the secrets file is not unlocked, and there is no terminal to ask for a passphrase`,
  }
}
