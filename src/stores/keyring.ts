import {hash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import type {Entry as EntryType} from '@napi-rs/keyring'
import {cliHome} from '../base/paths.js'
import type {Availability, SecretStore} from '../contract/index.js'
import {readSecretServicePassword} from './secret-service-read.js'

/** All our entries live under one service name, so `secret-tool search service entra-auth-cli` finds them. */
export const KEYRING_SERVICE = 'entra-auth-cli'

type EntryConstructor = typeof EntryType

let cachedEntry: EntryConstructor | undefined
function entryClass(): EntryConstructor {
  // Loaded on first use: the native module is not on the path of commands that never touch a secret.
  cachedEntry ??= loadBinding().Entry
  return cachedEntry
}

/**
 * On glibc Linux the platform's binding package is loaded directly. The package's own loader (the fallback, and
 * the only way everywhere else) first works out glibc versus musl by reading files, and the get-token fast path
 * pays for every millisecond. musl is told by its dynamic loader, which every musl system has: when it is
 * present (Alpine, or a glibc host with musl installed) the package's loader decides.
 */
function loadBinding(): {Entry: EntryConstructor} {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (process.platform === 'linux') {
    try {
      if (process.arch === 'x64' && !existsSync('/lib/ld-musl-x86_64.so.1'))
        return require('@napi-rs/keyring-linux-x64-gnu')
      if (process.arch === 'arm64' && !existsSync('/lib/ld-musl-aarch64.so.1'))
        return require('@napi-rs/keyring-linux-arm64-gnu')
    } catch {
      // Not installed side by side (or not loadable here): the package's own loader knows every platform.
    }
  }
  return require('@napi-rs/keyring')
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * The keyring is one per user session while ENTRA_AUTH_CLI_HOME (or HOME) can name several homes — identities,
 * containers sharing a session, test runs — each with its own profiles. Every entry carries a suffix derived from
 * its home's path, so two homes' `prod` profiles never overwrite or delete each other's secrets.
 */
export function keyringAccount(key: string, env: NodeJS.ProcessEnv = process.env): string {
  // crypto.hash: one call, no Hash object to build (this runs on every cached get-token).
  return `${key}@${hash('sha256', resolve(cliHome(env)), 'hex').slice(0, 12)}`
}

/**
 * On Linux the store is pinned to the Secret Service: left to itself @napi-rs/keyring falls back to the kernel
 * keyring when D-Bus is missing, which forgets everything at logout and then fails with AccessDenied.
 */
function entry(key: string): EntryType {
  const Entry = entryClass()
  return new Entry(KEYRING_SERVICE, keyringAccount(key), {linux: {store: 'secret-service'}})
}

/** Turns the library's errors (no D-Bus, no Secret Service, locked collection, dismissed prompt) into one reason. */
export function keyringFailureReason(error: unknown): string {
  const message = (error as Error)?.message ?? String(error)
  if (/dbus|D-Bus|org\.freedesktop|ServiceUnknown|NoReply|session bus|DBUS_SESSION/i.test(message)) {
    return 'no Secret Service on the D-Bus session bus (install and start gnome-keyring or KeePassXC, or log in to a desktop session)'
  }
  if (/locked|prompt|dismiss|cancel/i.test(message)) return 'the keyring is locked; unlock it and try again'
  return `the OS keyring failed (${message.split('\n')[0]})`
}

export class KeyringUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`The OS keyring is unavailable: ${reason}.`)
    this.name = 'KeyringUnavailableError'
  }
}

function guard<T>(action: () => T): T {
  try {
    return action()
  } catch (error) {
    throw new KeyringUnavailableError(keyringFailureReason(error))
  }
}

export class KeyringStore implements SecretStore {
  readonly name = 'keyring'
  readonly location =
    process.platform === 'darwin'
      ? 'macOS Keychain'
      : process.platform === 'win32'
        ? 'Windows Credential Manager'
        : 'OS keyring (Secret Service)'

  /**
   * On Linux a plain-JS Secret Service read answers first (secret-service-read.ts): it skips loading the native
   * binding and its encrypted session, most of a cached get-token's keyring cost. It answers only when it cannot
   * disagree with @napi-rs/keyring; whenever it is not sure, @napi-rs/keyring reads as it always did. Writes and
   * deletes are @napi-rs/keyring's alone.
   */
  async get(key: string): Promise<string | undefined> {
    if (process.platform === 'linux') {
      const value = await readSecretServicePassword({service: KEYRING_SERVICE, username: keyringAccount(key)})
      if (value !== undefined) return value
    }
    return guard(() => entry(key).getPassword()) ?? undefined
  }

  async set(key: string, value: string): Promise<void> {
    guard(() => entry(key).setPassword(value))
  }

  async delete(key: string): Promise<boolean> {
    return guard(() => entry(key).deletePassword())
  }
}

/** A read of an entry that never exists: proves the store answers without creating anything or prompting twice. */
export async function probeKeyring(): Promise<Availability> {
  try {
    entry('__entra-auth-cli-probe__').getPassword()
    return {available: true}
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      return {available: false, reason: '@napi-rs/keyring has no native build for this platform'}
    }
    return {available: false, reason: keyringFailureReason(error)}
  }
}
