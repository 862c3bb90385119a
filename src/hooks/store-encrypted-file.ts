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
    const [{EncryptedFileStore, PASSPHRASE_ENV}, {cliHome, paths}, {askPassphrase}] = await Promise.all([
      import('../stores/encrypted-file.js'),
      import('../core/paths.js'),
      import('../core/passphrase.js'),
    ])
    return new EncryptedFileStore(paths.secretsFile(cliHome()), async () =>
      process.env[PASSPHRASE_ENV] || askPassphrase(`Passphrase for the entra-auth-cli secrets file (or set ${PASSPHRASE_ENV})`),
    )
  },
})
