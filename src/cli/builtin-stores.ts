import {cliHome, paths} from '../base/paths.js'
import {ConfigError} from '../base/errors.js'
import {BIN} from '../base/product.js'
import {EncryptedFileStore, encryptedFileAvailability, PASSPHRASE_ENV} from '../stores/encrypted-file.js'
import {KeyringStore, probeKeyring} from '../stores/keyring.js'
import {agentKey, agentUnlocked} from '../stores/unlock-agent.js'
import {askPassphrase, MIN_NEW_PASSPHRASE} from './passphrase.js'
import {CONTRACT_VERSION, type StoreRegistration} from '../contract/index.js'

/**
 * The two built-in secret stores, registered exactly as a plugin would (hooks/store-*.ts export them). They live
 * here, imported statically, so the get-token fast path bundles the very same registrations. Nothing heavy loads
 * at import: the keyring's native module on first use, @inquirer/prompts on the first question.
 */
export const keyringStoreRegistration: StoreRegistration = {
  contractVersion: CONTRACT_VERSION,
  encrypted: true,
  isAvailable: () => probeKeyring(),
  name: 'keyring',
  priority: 100,
  summary: 'OS keyring: Secret Service (Linux), Keychain (macOS), Credential Manager (Windows)',
  async create() {
    return new KeyringStore()
  },
}

export const encryptedFileStoreRegistration: StoreRegistration = {
  contractVersion: CONTRACT_VERSION,
  encrypted: true,
  async isAvailable() {
    const availability = encryptedFileAvailability(process.env, Boolean(process.stdin.isTTY && process.stderr.isTTY))
    if (availability.available || !(await agentUnlocked(paths.secretsFile(cliHome())))) return availability
    return {available: true}
  },
  name: 'encrypted-file',
  priority: 50,
  summary: 'AES-256-GCM file under ENTRA_AUTH_CLI_HOME, key from scrypt(ENTRA_AUTH_CLI_PASSPHRASE or a prompt)',
  async create(options) {
    const file = paths.secretsFile(cliHome())
    const fromEnv = process.env[PASSPHRASE_ENV]
    // A new file is sealed under the answer: ask twice, with the length rule. An existing one must open with
    // whatever passphrase made it (perhaps a short ENTRA_AUTH_CLI_PASSPHRASE): ask once, no length rule.
    const passphrase = async ({creating}: {creating: boolean}) => {
      // The length rule is for sealing something new, as for export bundles; an existing file opens with any.
      if (fromEnv && creating && fromEnv.length < MIN_NEW_PASSPHRASE) {
        throw new ConfigError(
          `${PASSPHRASE_ENV} is too short to create the secrets file ${file}: use at least ${MIN_NEW_PASSPHRASE} characters.`,
          'PASSPHRASE_TOO_SHORT',
        )
      }
      if (fromEnv) return fromEnv
      // The get-token fast path must never prompt: it falls through to the full command, which asks once.
      if (options?.interactive === false) throw new ConfigError(`${PASSPHRASE_ENV} is not set`, 'NO_PASSPHRASE')
      return askPassphrase({
        confirm: creating,
        envName: PASSPHRASE_ENV,
        message: creating
          ? `New passphrase for the ${BIN} secrets file ${file} (or set ${PASSPHRASE_ENV})`
          : `Passphrase for the ${BIN} secrets file (or set ${PASSPHRASE_ENV})`,
        minLength: creating ? MIN_NEW_PASSPHRASE : undefined,
      })
    }
    // A key held by `unlock` stands in for a passphrase that would be asked; a passphrase the user gave in the
    // environment is always the one used (and checked), never shadowed by a key unlocked earlier.
    return new EncryptedFileStore(file, passphrase, fromEnv ? undefined : (kdf) => agentKey(file, kdf))
  },
}
