// @ts-check
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs/promises')
const path = require('node:path')
const os = require('node:os')

/** @implements {import('entra-auth-cli/plugin').SecretStore} */
class EnvKeyStore {
  constructor() {
    this.name = 'env-key'
    const home = process.env.ENTRA_AUTH_CLI_HOME || path.join(os.homedir(), '.entra-auth-cli')
    this.file = path.join(home, 'env-key-secrets.json')
    this.location = `file ${this.file} encrypted with ENTRA_STORE_KEY`
  }

  /** @returns {Buffer} */
  key() {
    const hex = process.env.ENTRA_STORE_KEY ?? ''
    if (!/^[\da-f]{64}$/i.test(hex)) throw new Error('ENTRA_STORE_KEY must be 64 hex characters')
    return Buffer.from(hex, 'hex')
  }

  /** @returns {Promise<Record<string, string>>} */
  async readAll() {
    let box
    try {
      box = JSON.parse(await fs.readFile(this.file, 'utf8'))
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return {}
      throw error
    }
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key(), Buffer.from(box.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'))
    return JSON.parse(
      Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8'),
    )
  }

  /** @param {Record<string, string>} secrets */
  async writeAll(secrets) {
    const iv = crypto.randomBytes(12)
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key(), iv)
    const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()])
    const box = {data: data.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64')}
    await fs.mkdir(path.dirname(this.file), {mode: 0o700, recursive: true})
    const tmp = `${this.file}.${process.pid}.tmp`
    await fs.writeFile(tmp, JSON.stringify(box), {mode: 0o600})
    await fs.rename(tmp, this.file)
  }

  /** @param {string} key */
  async get(key) {
    return (await this.readAll())[key]
  }

  /** @param {string} key @param {string} value */
  async set(key, value) {
    const secrets = await this.readAll()
    secrets[key] = value
    await this.writeAll(secrets)
  }

  /** @param {string} key */
  async delete(key) {
    const secrets = await this.readAll()
    if (!(key in secrets)) return false
    delete secrets[key]
    await this.writeAll(secrets)
    return true
  }
}

module.exports = {EnvKeyStore}
