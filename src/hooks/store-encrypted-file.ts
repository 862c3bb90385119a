import {defineStore} from '../contract/index.js'

/** Registers the passphrase-encrypted file store, the fallback for hosts without an OS keyring. */
export default defineStore({
  encrypted: true,
  async isAvailable() {
    const {encryptedFileAvailability} = await import('../stores/encrypted-file.js')
    return encryptedFileAvailability(process.env, Boolean(process.stdin.isTTY && process.stderr.isTTY))
  },
  name: 'encrypted-file',
  priority: 50,
  summary: 'AES-256-GCM file under ENTRA_AUTH_CLI_HOME, key from scrypt(ENTRA_AUTH_CLI_PASSPHRASE or a prompt)',
  async create(options) {
    const [{EncryptedFileStore, PASSPHRASE_ENV}, {cliHome, paths}, {askPassphrase, MIN_NEW_PASSPHRASE}, {ConfigError}] = await Promise.all([
      import('../stores/encrypted-file.js'),
      import('../base/paths.js'),
      import('../cli/passphrase.js'),
      import('../base/errors.js'),
    ])
    const file = paths.secretsFile(cliHome())
    // A new file is sealed under the answer: ask twice, with the length rule. An existing one must open with
    // whatever passphrase made it (perhaps a short ENTRA_AUTH_CLI_PASSPHRASE): ask once, no length rule.
    return new EncryptedFileStore(file, async ({creating}) => {
      const fromEnv = process.env[PASSPHRASE_ENV]
      if (fromEnv) return fromEnv
      // The get-token fast path must never prompt: it falls through to the full command, which asks once.
      if (options?.interactive === false) throw new ConfigError(`${PASSPHRASE_ENV} is not set`, 'NO_PASSPHRASE')
      return askPassphrase({
        confirm: creating,
        envName: PASSPHRASE_ENV,
        message: creating ? `New passphrase for the entra-auth-cli secrets file ${file} (or set ${PASSPHRASE_ENV})` : `Passphrase for the entra-auth-cli secrets file (or set ${PASSPHRASE_ENV})`,
        minLength: creating ? MIN_NEW_PASSPHRASE : undefined,
      })
    })
  },
})
