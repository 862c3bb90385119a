import {encryptedFileStoreRegistration, keyringStoreRegistration} from '../cli/builtin-stores.js'
import {defineStore} from '../contract/index.js'
import type {HookModuleLoader} from '../extensions/registry.js'

/**
 * The fast path is one bundled file: it cannot require the hook files by path (that would load the unbundled
 * tree), so it carries the built-in store registrations itself, under the targets package.json declares for them
 * (the same objects hooks/store-*.ts export). A target it does not carry fails like a broken hook: the cache read
 * reports the store unreadable, and oclif takes over.
 */
const BUILTIN: Record<string, {default: unknown}> = {
  './dist/hooks/store-encrypted-file': {default: defineStore(encryptedFileStoreRegistration)},
  './dist/hooks/store-keyring': {default: defineStore(keyringStoreRegistration)},
}

export const loadBuiltinHook: HookModuleLoader = (target) => {
  const module = BUILTIN[target.replace(/\.js$/, '')]
  if (!module) throw new Error(`${target} is not built into the fast path`)
  return module
}
