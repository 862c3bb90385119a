import {access, constants, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {extname, join} from 'node:path'
import {type BundleEntry, type BundlePayload} from '../profile/bundle.js'
import {ConfigError, UsageError} from '../base/errors.js'
import {writeFileAtomic} from '../base/fs-atomic.js'
import {authorityHost, authorityUrl, isMicrosoftAuthority, secretKeys, type Profile} from '../profile/model.js'
import {
  importedCertificatesDir,
  profileStoreName,
  SECRET_KINDS,
  secretKey,
  secretOptionNames,
  UndoLog,
  withTokenCacheLocks,
  type ProfileService,
  type SecretKind,
} from './service.js'
import {nameClash} from '../profile/store.js'
import {TokenCacheFile} from '../token/cache.js'
import type {SecretStore} from '../contract/index.js'
import {BIN} from '../base/product.js'

const BUNDLE_SECRET: Record<SecretKind, 'clientSecret' | 'certificatePassword'> = {
  'certificate-password': 'certificatePassword',
  'client-secret': 'clientSecret',
}
const CERT_EXTENSIONS = ['.pfx', '.p12', '.pem']

/** Secrets a profile of this auth method uses. */
function kindsFor(profile: Profile): SecretKind[] {
  return profile.authMethod === 'ClientSecret'
    ? ['client-secret']
    : profile.authMethod === 'Certificate'
      ? ['certificate-password']
      : []
}

function machineFree(profile: Profile): Profile {
  const copy = structuredClone(profile)
  delete copy.secretStore
  delete copy.storePlugin
  // Secret option values stay in this machine's store (bundles carry the client secret and certificate only).
  delete copy.secretOptions
  return copy
}

function sameIdentity(a: Profile, b: Profile): boolean {
  return (
    a.tenantId.toLowerCase() === b.tenantId.toLowerCase() &&
    a.clientId.toLowerCase() === b.clientId.toLowerCase() &&
    authorityHost(a).toLowerCase() === authorityHost(b).toLowerCase()
  )
}

// ------------------------------------------------------------------------------------------------------------ export

export interface ExportResult {
  payload: BundlePayload
  warnings: string[]
}

/** Collects the profiles (all, or the named ones) and, with includeSecrets, their secrets and certificate files. */
export async function collectExport(
  service: ProfileService,
  options: {names?: string[]; includeSecrets: boolean; exportedBy: string},
): Promise<ExportResult> {
  const all = await service.profiles.list()
  const names = options.names?.length ? [...new Set(options.names)] : undefined
  if (names) {
    const unknown = names.filter((n) => !all.some((p) => p.name === n))
    if (unknown.length > 0) {
      throw new ConfigError(
        `No such profile: ${unknown.join(', ')}. Run '${BIN} config list' to see profiles. Nothing was exported.`,
        'PROFILE_NOT_FOUND',
      )
    }
  }
  const selected = names ? all.filter((p) => names.includes(p.name)) : all
  if (selected.length === 0)
    throw new ConfigError(
      `There are no profiles to export; create one with '${BIN} config create'.`,
      'PROFILE_NOT_FOUND',
    )
  const warnings: string[] = []
  const profiles: BundleEntry[] = []
  for (const profile of selected) {
    const entry: BundleEntry = {profile: machineFree(profile)}
    if (options.includeSecrets) {
      const storeName = profileStoreName(profile)
      const store = storeName ? await service.stores.open(storeName) : undefined
      const secrets: NonNullable<BundleEntry['secrets']> = {}
      for (const kind of kindsFor(profile)) {
        const value = store ? await store.get(secretKey(kind, profile.name)) : undefined
        if (value !== undefined) secrets[BUNDLE_SECRET[kind]] = value
        else if (kind === 'client-secret')
          warnings.push(`Profile '${profile.name}' has no stored client secret; it is exported without one.`)
      }
      const options: Record<string, string> = {}
      for (const option of secretOptionNames(profile)) {
        const value = store ? await store.get(secretKeys.option(profile.name, option)) : undefined
        if (value !== undefined) options[option] = value
      }
      if (Object.keys(options).length > 0) secrets.options = options
      if (Object.keys(secrets).length > 0) entry.secrets = secrets
      if (profile.authMethod === 'Certificate' && typeof profile.certificatePath === 'string') {
        try {
          const data = await readFile(profile.certificatePath)
          entry.certificate = {
            data: data.toString('base64'),
            fileName: `${profile.name}${certExtension(profile.certificatePath)}`,
          }
        } catch (error) {
          warnings.push(
            `The certificate of '${profile.name}' (${profile.certificatePath}) could not be read (${(error as NodeJS.ErrnoException).code}); only its path is exported.`,
          )
        }
      }
    }
    profiles.push(entry)
  }
  return {
    payload: {
      exportedAt: new Date().toISOString(),
      exportedBy: options.exportedBy,
      includesSecrets: options.includeSecrets,
      profiles,
    },
    warnings,
  }
}

function certExtension(path: string): string {
  const ext = extname(path).toLowerCase()
  return CERT_EXTENSIONS.includes(ext) ? ext : '.pem'
}

// ------------------------------------------------------------------------------------------------------------ import

export type ClashMode = 'error' | 'overwrite' | 'skip'

export interface ImportResult {
  imported: string[]
  overwritten: string[]
  skipped: string[]
  /** What the user still has to do for a profile to work here (a secret that was not exported, a missing certificate). */
  hints: string[]
  warnings: string[]
  secretLocation?: string
  /** Where each imported profile signs in (and so where its secret or certificate is presented): name -> authority URL. */
  authorities: Array<{name: string; authority: string}>
}

interface ImportItem {
  entry: BundleEntry
  profile: Profile
  existing?: Profile
}

/**
 * Brings a bundle's profiles in. Every profile is validated and every clash decided before anything is written;
 * then certificates and secrets are written, profiles.json is committed under its lock, and a failure before the
 * commit undoes what was written. Overwritten profiles of another app or tenant lose their cached tokens.
 */
export async function importProfiles(
  service: ProfileService,
  payload: BundlePayload,
  file: string,
  mode: ClashMode,
): Promise<ImportResult> {
  const items = await validateEntries(service, payload, file)
  const existing = await service.profiles.list()
  for (const item of items) {
    item.existing = existing.find((p) => p.name === item.profile.name)
    // Names that differ only in case share files on macOS and Windows: never import one next to the other.
    const clash = item.existing
      ? undefined
      : nameClash(
          item.profile.name,
          existing.map((p) => p.name),
        )
    if (clash)
      throw new UsageError(`${clash}; rename one of them first (${BIN} config edit --rename). Nothing was imported.`)
  }
  const clashes = items.filter((i) => i.existing).map((i) => i.profile.name)
  if (clashes.length > 0 && mode === 'error') {
    throw new UsageError(
      `${clashes.length === 1 ? 'A profile' : 'Profiles'} with the same name already exist${clashes.length === 1 ? 's' : ''}: ${clashes.join(', ')}. Add --overwrite to replace ${clashes.length === 1 ? 'it' : 'them'} or --skip to keep ${clashes.length === 1 ? 'it' : 'them'}. Nothing was imported.`,
    )
  }
  const result: ImportResult = {authorities: [], hints: [], imported: [], overwritten: [], skipped: [], warnings: []}
  const todo = items.filter((i) => {
    if (i.existing && mode === 'skip') {
      result.skipped.push(i.profile.name)
      return false
    }
    return true
  })
  if (todo.length === 0) return result

  // Tokens of another app or tenant must never be served for an imported profile: those caches are dropped under
  // their locks, held until profiles.json is committed, so no get-token in flight writes one back.
  const clearing = todo.filter((i) => i.existing && !sameIdentity(i.existing, i.profile)).map((i) => i.profile.name)
  const undo = new UndoLog()
  /** Secret kinds each profile holds after the import, and in which store. */
  const holds = new Map<string, {store?: string; kinds: SecretKind[]; options?: string[]}>()
  await withTokenCacheLocks(service.home, clearing, async () => {
    try {
      let selected: SecretStore | undefined
      for (const item of todo) {
        const {entry, existing, profile} = item
        if (entry.certificate) {
          const target = join(importedCertificatesDir(service.home), entry.certificate.fileName)
          const previous = await readFile(target).catch(() => undefined)
          await writeFileAtomic(target, Buffer.from(entry.certificate.data, 'base64'), {privateDir: true})
          undo.push(() =>
            previous ? writeFileAtomic(target, previous, {privateDir: true}) : rm(target, {force: true}),
          )
          profile.certificatePath = target
        }
        const bundled = SECRET_KINDS.filter(
          (k) => entry.secrets?.[BUNDLE_SECRET[k]] !== undefined && kindsFor(profile).includes(k),
        )
        if (bundled.length > 0) {
          const existingStore = existing ? profileStoreName(existing) : undefined
          const store = existingStore
            ? await service.stores.open(existingStore)
            : (selected ??= await service.stores.selected())
          for (const kind of bundled)
            await undo.putSecret(store, secretKey(kind, profile.name), entry.secrets![BUNDLE_SECRET[kind]]!)
          profile.secretStore = store.name
          service.noteStorePlugin(profile)
          result.secretLocation ??= store.location
          holds.set(profile.name, {kinds: bundled, store: store.name})
        } else if (existing && sameIdentity(existing, profile) && profileStoreName(existing) && !entry.secrets) {
          // Same app, bundle without secrets: the secrets already stored here still fit, keep them.
          profile.secretStore = profileStoreName(existing)
          service.noteStorePlugin(profile)
          holds.set(profile.name, {kinds: kindsFor(profile), store: profileStoreName(existing)})
        } else {
          holds.set(profile.name, {kinds: []})
        }
        // The flow's secret options travel in the bundle's secrets; they go to the store with the profile's others.
        const options = Object.entries(entry.secrets?.options ?? {})
        if (options.length > 0) {
          const storeName = holds.get(profile.name)?.store ?? (existing ? profileStoreName(existing) : undefined)
          const store = storeName
            ? await service.stores.open(storeName)
            : (selected ??= await service.stores.selected())
          for (const [option, value] of options)
            await undo.putSecret(store, secretKeys.option(profile.name, option), value)
          profile.secretStore = store.name
          profile.secretOptions = options.map(([option]) => option).sort()
          service.noteStorePlugin(profile)
          result.secretLocation ??= store.location
          const held = holds.get(profile.name)
          holds.set(profile.name, {kinds: held?.kinds ?? [], options: profile.secretOptions, store: store.name})
        }
        if (clearing.includes(profile.name))
          await new TokenCacheFile(service.home, profile.name).clear(service.stores.open)
      }
      await service.profiles.update((profiles) => {
        for (const {profile} of todo) {
          const index = profiles.findIndex((p) => p.name === profile.name)
          const clash =
            index < 0
              ? nameClash(
                  profile.name,
                  profiles.map((p) => p.name),
                )
              : undefined
          if (clash)
            throw new UsageError(
              `${clash} (made by another process meanwhile); run the import again. Nothing was imported.`,
            )
          if (index >= 0 && mode !== 'overwrite') {
            throw new UsageError(
              `Profile '${profile.name}' was created by another process meanwhile; run the import again. Nothing was imported.`,
            )
          }
          if (index >= 0) profiles[index] = profile
          else profiles.push(profile)
        }
      })
    } catch (error) {
      await undo.rollback()
      throw error
    }
  })

  for (const {existing, profile} of todo) {
    if (existing) result.overwritten.push(profile.name)
    else result.imported.push(profile.name)
    // A bundle decides where a secret is sent: say where, and loudly when that is not Microsoft or has changed.
    const host = authorityHost(profile)
    result.authorities.push({authority: authorityUrl(profile), name: profile.name})
    if (!isMicrosoftAuthority(host)) {
      result.warnings.push(
        `Profile '${profile.name}' signs in at ${host}, which is NOT a Microsoft cloud: its client secret or certificate is presented to that server. Keep it only if you trust that server; otherwise remove it: ${BIN} config delete -p ${profile.name}`,
      )
    }
    if (existing && authorityHost(existing).toLowerCase() !== host.toLowerCase()) {
      result.warnings.push(
        `Profile '${profile.name}' now signs in at ${host} instead of ${authorityHost(existing)} (the bundle changed its authority).`,
      )
    }
    const held = holds.get(profile.name)!
    if (existing) {
      // Secrets the replaced profile kept somewhere the imported one no longer uses.
      const oldStore = profileStoreName(existing)
      if (oldStore) {
        for (const kind of SECRET_KINDS) {
          if (held.store === oldStore && held.kinds.includes(kind)) continue
          try {
            await (await service.stores.open(oldStore)).delete(secretKey(kind, profile.name))
          } catch (error) {
            result.warnings.push(`Could not remove the old ${kind} of '${profile.name}': ${(error as Error).message}`)
          }
        }
        for (const option of secretOptionNames(existing)) {
          if (held.store === oldStore && held.options?.includes(option)) continue
          try {
            await (await service.stores.open(oldStore)).delete(secretKeys.option(profile.name, option))
          } catch (error) {
            result.warnings.push(
              `Could not remove the old option '${option}' of '${profile.name}': ${(error as Error).message}`,
            )
          }
        }
      }
      if (
        typeof existing.certificatePath === 'string' &&
        existing.certificatePath !== profile.certificatePath &&
        service.ownsCertificate(existing.certificatePath)
      ) {
        await rm(existing.certificatePath, {force: true}).catch(() => {})
      }
    }
    if (profile.authMethod === 'ClientSecret' && !held.kinds.includes('client-secret')) {
      const where = isMicrosoftAuthority(host) ? '' : ` (it will be sent to ${host}: check that first)`
      result.hints.push(
        `'${profile.name}' has no client secret here${where}: printf '%s' "$SECRET" | ${BIN} config edit -p ${profile.name} --client-secret-stdin`,
      )
    }
    if (profile.authMethod === 'Certificate' && typeof profile.certificatePath === 'string') {
      const readable = await access(profile.certificatePath, constants.R_OK).then(
        () => true,
        () => false,
      )
      if (!readable)
        result.hints.push(
          `'${profile.name}' uses ${profile.certificatePath}, which is not on this machine: ${BIN} config edit -p ${profile.name} --certificate PATH`,
        )
    }
  }
  return result
}

/** Applies ProfileService's rules to every entry; the first problem stops the import before anything is written. */
async function validateEntries(service: ProfileService, payload: BundlePayload, file: string): Promise<ImportItem[]> {
  const items: ImportItem[] = []
  const seen = new Set<string>()
  for (const [index, entry] of payload.profiles.entries()) {
    const label = `Profile ${index + 1}${typeof entry?.profile?.name === 'string' ? ` ('${entry.profile.name}')` : ''} in ${file}`
    const fail = (problem: string): never => {
      throw new ConfigError(`${label}: ${problem.replace(/\.$/, '')}. Nothing was imported.`, 'BUNDLE_INVALID')
    }
    if (!entry || typeof entry !== 'object' || !entry.profile || typeof entry.profile !== 'object')
      fail('not a profile')
    const problem = await service.checkStoredProfile(entry.profile)
    if (problem) fail(problem)
    const profile = machineFree(entry.profile)
    if (seen.has(profile.name.toLowerCase()))
      fail('the bundle holds this name twice (names that differ only in case count as the same)')
    seen.add(profile.name.toLowerCase())
    if (profile.defaultFlow) profile.defaultFlow = service.matchFlow(profile.defaultFlow)
    service.notePlugin(profile)
    if (entry.secrets !== undefined) {
      if (typeof entry.secrets !== 'object' || entry.secrets === null) fail('its secrets are malformed')
      const {options, ...standard} = entry.secrets
      for (const value of Object.values(standard))
        if (value !== undefined && (typeof value !== 'string' || !value)) fail('its secrets are malformed')
      if (options !== undefined) {
        if (typeof options !== 'object' || options === null) fail('its secret options are malformed')
        for (const [name, value] of Object.entries(options)) {
          if (!/^[a-z][a-z\d-]{0,39}$/.test(name) || typeof value !== 'string' || !value)
            fail('its secret options are malformed')
        }
      }
      if (profile.authMethod === 'ClientSecret' && entry.secrets.certificatePassword)
        fail('a ClientSecret profile cannot carry a certificate password')
    }
    if (entry.certificate !== undefined) {
      const {data, fileName} = entry.certificate ?? {}
      if (profile.authMethod !== 'Certificate') fail('only Certificate profiles carry a certificate')
      if (
        typeof data !== 'string' ||
        typeof fileName !== 'string' ||
        fileName !== `${profile.name}${certExtension(fileName)}`
      )
        fail('its certificate is malformed')
      // The certificate must open with the password that comes with it, as `config create` would insist.
      const dir = await mkdtemp(join(tmpdir(), 'entra-import-'))
      try {
        const path = join(dir, fileName)
        await writeFile(path, Buffer.from(data, 'base64'), {mode: 0o600})
        await service
          .checkCertificate(path, entry.secrets?.certificatePassword)
          .catch((error: Error) => fail(error.message.replaceAll(path, 'its certificate')))
      } finally {
        await rm(dir, {force: true, recursive: true})
      }
    }
    items.push({entry, profile})
  }
  if (items.length === 0) throw new ConfigError(`${file} holds no profiles. Nothing was imported.`, 'BUNDLE_INVALID')
  return items
}
