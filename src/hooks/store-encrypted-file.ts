import {encryptedFileStoreRegistration} from '../cli/builtin-stores.js'
import {defineStore} from '../contract/index.js'

/** Registers the passphrase-encrypted file store, the fallback for hosts without an OS keyring. */
export default defineStore(encryptedFileStoreRegistration)
