import {defineStore} from '../plugin.js'

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
  async create() {
    const [{EncryptedFileStore, PASSPHRASE_ENV}, {cliHome, paths}, {askPassphrase, MIN_NEW_PASSPHRASE}, {existsSync}] = await Promise.all([
      import('../stores/encrypted-file.js'),
      import('../core/paths.js'),
      import('../core/passphrase.js'),
      import('node:fs'),
    ])
    const file = paths.secretsFile(cliHome())
    // A new file is sealed under the answer: ask twice, with the length rule. An existing one must open with
    // whatever passphrase made it (perhaps a short ENTRA_AUTH_CLI_PASSPHRASE): ask once, no length rule.
    // The store says which it is; until it does, whether the file exists tells.
    return new EncryptedFileStore(file, async (purpose?: {creating: boolean}) => {
      const fromEnv = process.env[PASSPHRASE_ENV]
      if (fromEnv) return fromEnv
      const creating = purpose?.creating ?? !existsSync(file)
      return askPassphrase({
        confirm: creating,
        envName: PASSPHRASE_ENV,
        message: creating ? `New passphrase for the entra-auth-cli secrets file ${file} (or set ${PASSPHRASE_ENV})` : `Passphrase for the entra-auth-cli secrets file (or set ${PASSPHRASE_ENV})`,
        minLength: creating ? MIN_NEW_PASSPHRASE : undefined,
      })
    })
  },
})
