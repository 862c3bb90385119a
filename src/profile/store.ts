import {readFileSync} from 'node:fs'
import {withLock} from '../base/file-lock.js'
import {writeFileAtomic} from '../base/fs-atomic.js'
import {ConfigError, profileNotFound} from '../base/errors.js'
import {paths} from '../base/paths.js'
import {AUTH_METHODS, CLOUDS, normalizeAuthority, validate, type Profile} from './model.js'
import {BIN} from '../base/product.js'

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
      // Synchronous: the caller waits for it anyway, and a get-token cache hit pays for every event-loop turn.
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return {profiles: [], schemaVersion: PROFILES_SCHEMA_VERSION}
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
    throw new ConfigError(
      `${file} has no "profiles" list; fix it or move it away. It was left untouched.`,
      'PROFILES_CORRUPT',
    )
  }
  if (typeof data.schemaVersion === 'number' && data.schemaVersion > PROFILES_SCHEMA_VERSION) {
    throw new ConfigError(
      `${file} was written by a newer ${BIN} (schema ${data.schemaVersion}); upgrade ${BIN}.`,
      'PROFILES_NEWER',
    )
  }
  // Names are file names (cache, lock) and keys of secrets: two profiles of one name (or names differing only in
  // case) would share them, and which one a command used would depend on the order in the file.
  const seen = new Map<string, number>()
  for (const [index, record] of data.profiles.entries()) {
    const name =
      record && typeof record === 'object' && typeof (record as Profile).name === 'string'
        ? ` '${(record as Profile).name}'`
        : ''
    const problem = profileRecordProblem(record) ?? duplicateProblem(record as Profile, index, seen)
    if (problem) {
      throw new ConfigError(
        `${file}: profile ${index + 1}${name}: ${problem}; fix it or move the file away. It was left untouched.`,
        'PROFILES_CORRUPT',
      )
    }
  }
  data.schemaVersion = PROFILES_SCHEMA_VERSION
  return data
}

function duplicateProblem(profile: Profile, index: number, seen: Map<string, number>): string | undefined {
  const folded = profile.name.toLowerCase()
  const first = seen.get(folded)
  seen.set(folded, first ?? index)
  if (first === undefined) return undefined
  return `profile ${first + 1} has the same name (names that differ only in case count as the same); rename or remove one of them`
}

const OPTIONAL_STRINGS = ['authority', 'cloud', 'defaultFlow', 'certificatePath', 'redirectUri', 'secretStore'] as const

/**
 * The shape every stored profile record must have before any code touches it (profiles.json on every read, and
 * bundles on import): the required fields, the types of the known optional ones, and a name that is safe as a file
 * name (it names the token cache). Returns the first problem, naming the field, or undefined. Unknown fields are
 * allowed and kept. Rules about values that only matter when a profile is created or imported (GUID formats,
 * authority shape, installed flows) are in ProfileService.checkStoredProfile.
 */
export function profileRecordProblem(record: unknown): string | undefined {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return 'not a profile object'
  const profile = record as Profile
  for (const field of ['name', 'tenantId', 'clientId', 'authMethod'] as const) {
    if (profile[field] === undefined) return `the field '${field}' is missing`
    // A flow may do without a tenant or client id (FlowRegistration.profileFields): those two may be ''.
    const mayBeEmpty = field === 'tenantId' || field === 'clientId'
    if (typeof profile[field] !== 'string' || (!profile[field] && !mayBeEmpty))
      return `the field '${field}' must be a ${mayBeEmpty ? '' : 'non-empty '}string`
  }
  const badName = validate.name(profile.name)
  if (badName) return `the field 'name': ${badName}`
  if (!AUTH_METHODS.includes(profile.authMethod))
    return `the field 'authMethod' is '${profile.authMethod}'; use ${AUTH_METHODS.join(', ')}`
  for (const field of OPTIONAL_STRINGS) {
    if (profile[field] !== undefined && typeof profile[field] !== 'string')
      return `the field '${field}' must be a string`
  }
  if (profile.cloud !== undefined && !Object.hasOwn(CLOUDS, profile.cloud))
    return `the field 'cloud' is '${profile.cloud}'; use ${Object.keys(CLOUDS).join(', ')}`
  // The same rules as `config create`: a hand edit cannot put in what the command line would refuse (an http:// or
  // malformed authority is never used as given; the tenant becomes part of the authority URL).
  for (const [field, problem] of [
    // '' is a flow doing without the field (ManagedIdentity); the profile rules decide whether its flow may.
    ['tenantId', profile.tenantId === '' ? undefined : validate.tenantId(profile.tenantId)],
    ['clientId', profile.clientId === '' ? undefined : validate.clientId(profile.clientId)],
    ['redirectUri', profile.redirectUri === undefined ? undefined : validate.redirectUri(profile.redirectUri)],
  ] as const) {
    if (problem) return `the field '${field}': ${problem.replace(/\.$/, '')}`
  }
  if (profile.authority !== undefined) {
    const {error} = normalizeAuthority(profile.authority, profile.tenantId)
    if (error) return `the field 'authority': ${error.replace(/\.$/, '')}`
  }
  if (
    profile.scopes !== undefined &&
    (!Array.isArray(profile.scopes) || profile.scopes.some((s) => typeof s !== 'string'))
  ) {
    return `the field 'scopes' must be a list of strings`
  }
  if (profile.useCertificate !== undefined && typeof profile.useCertificate !== 'boolean')
    return `the field 'useCertificate' must be true or false`
  return undefined
}

/**
 * Profile names that differ only in case would share one token cache file and one lock on case-insensitive
 * filesystems (macOS, Windows), so a new or renamed profile may not take such a name. `self` is the profile being
 * renamed. Returns why `name` cannot be used, or undefined.
 */
export function nameClash(name: string, existing: Iterable<string>, self?: string): string | undefined {
  const folded = name.toLowerCase()
  if (self !== undefined && name !== self && self.toLowerCase() === folded) {
    return `'${name}' differs from the current name '${self}' only in case, which macOS and Windows treat as the same file name; rename it to another name first, then to '${name}'`
  }
  for (const other of existing) {
    if (other === self) continue
    if (other === name) return `Profile '${name}' already exists`
    if (other.toLowerCase() === folded) {
      return `Profile '${other}' already exists and differs from '${name}' only in case, which macOS and Windows treat as the same file name`
    }
  }
  return undefined
}
