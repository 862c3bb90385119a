import {defineStore} from '../contract/index.js'

/** Registers the OS keyring store exactly as a plugin would; the native module loads only in create()/isAvailable(). */
export default defineStore({
  encrypted: true,
  async isAvailable() {
    return (await import('../stores/keyring.js')).probeKeyring()
  },
  name: 'keyring',
  priority: 100,
  summary: 'OS keyring: Secret Service (Linux), Keychain (macOS), Credential Manager (Windows)',
  async create() {
    return new (await import('../stores/keyring.js')).KeyringStore()
  },
})
