// @ts-check
'use strict'
/**
 * Registers the `env-key` secret store. This file is all entra-auth-cli imports to learn about the store; the store
 * itself (./store.js) is loaded only when it is used, as the plugin contract asks.
 *
 * Types come from `entra-auth-cli-plugin-api` (packages/plugin-api; a dev dependency here): the hook needs no
 * run-time import, so it states the contract version it was written for itself (defineStore would fill it in).
 * @type {import('entra-auth-cli-plugin-api').StoreHook}
 */
const hook = async () => ({
  contractVersion: 1,
  encrypted: true,
  name: 'env-key',
  // Below the keyring and the passphrase file: chosen only when ENTRA_AUTH_CLI_STORE=env-key or nothing else works.
  priority: 10,
  summary: 'AES-256-GCM file keyed by ENTRA_STORE_KEY (64 hex characters), for CI runners with a secret variable',
  async isAvailable() {
    const key = process.env.ENTRA_STORE_KEY ?? ''
    return /^[\da-f]{64}$/i.test(key)
      ? {available: true}
      : {available: false, reason: 'ENTRA_STORE_KEY is not set to 64 hex characters (openssl rand -hex 32)'}
  },
  async create() {
    const {EnvKeyStore} = require('./store.js')
    return new EnvKeyStore()
  },
})

module.exports = hook
module.exports.default = hook
