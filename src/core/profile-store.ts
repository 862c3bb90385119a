import {readFile} from 'node:fs/promises'
import {withLock} from './file-lock.js'
import {writeFileAtomic} from './fs-atomic.js'
import {ConfigError, profileNotFound} from './errors.js'
import {paths} from './paths.js'
import type {Profile} from './profile.js'

export const PROFILES_SCHEMA_VERSION = 1

interface ProfilesFile {
  schemaVersion: number
  profiles: Profile[]
  [extra: string]: unknown
}

/**
 * profiles.json: no secrets, schema-versioned, written atomically under a lock, 0600 in a 0700 folder.
 * A corrupt or newer-schema file is reported with its path and never overwritten.
 */
export class ProfileStore {
  readonly file: string

  constructor(readonly home: string) {
    this.file = paths.profiles(home)
  }

  async list(): Promise<Profile[]> {
    return (await this.read()).profiles
  }

  async find(name: string): Promise<Profile | undefined> {
    return (await this.list()).find((p) => p.name === name)
  }

  async get(name: string): Promise<Profile> {
    const profile = await this.find(name)
    if (!profile) throw profileNotFound(name)
    return profile
  }

  /** Read-modify-write under the lock so two concurrent `config create` calls cannot lose each other's profile. */
  async update<T>(change: (profiles: Profile[]) => T | Promise<T>): Promise<T> {
    return withLock(`${this.file}.lock`, {timeoutMs: 10_000}, async () => {
      const file = await this.read()
      const result = await change(file.profiles)
      await writeFileAtomic(this.file, JSON.stringify(file, null, 2) + '\n', {privateDir: true})
      return result
    })
  }

  private async read(): Promise<ProfilesFile> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {profiles: [], schemaVersion: PROFILES_SCHEMA_VERSION}
      throw new ConfigError(`Cannot read ${this.file}: ${(error as Error).message}`)
    }
    return parseProfilesFile(text, this.file)
  }
}

export function parseProfilesFile(text: string, file: string): ProfilesFile {
  let data: ProfilesFile
  try {
    data = JSON.parse(text) as ProfilesFile
  } catch (error) {
    throw new ConfigError(
      `${file} is not valid JSON (${(error as Error).message}); fix it or move it away. It was left untouched.`,
      'PROFILES_CORRUPT',
    )
  }
  if (!data || typeof data !== 'object' || !Array.isArray(data.profiles)) {
    throw new ConfigError(`${file} has no "profiles" list; fix it or move it away. It was left untouched.`, 'PROFILES_CORRUPT')
  }
  if (typeof data.schemaVersion === 'number' && data.schemaVersion > PROFILES_SCHEMA_VERSION) {
    throw new ConfigError(
      `${file} was written by a newer entra-auth-cli (schema ${data.schemaVersion}); upgrade entra-auth-cli.`,
      'PROFILES_NEWER',
    )
  }
  data.schemaVersion = PROFILES_SCHEMA_VERSION
  return data
}
