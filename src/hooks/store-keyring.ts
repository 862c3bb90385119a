import {keyringStoreRegistration} from '../cli/builtin-stores.js'
import {defineStore} from '../contract/index.js'

/** Registers the OS keyring store exactly as a plugin would; the native module loads on first use. */
export default defineStore(keyringStoreRegistration)
