import {createHash} from 'node:crypto'
// fs.promises rather than node:fs/promises: it loads on first use, and a cached get-token never uses it (~1 ms).
import {promises as fs, readFileSync} from 'node:fs'
import {isSealedBox, newKey, open, seal, type SealedBox} from '../base/crypto.js'
import {describeFileError, writeFileAtomic} from '../base/fs-atomic.js'
import {paths} from '../base/paths.js'
import {authorityHost, secretKeys, type Profile} from '../profile/model.js'
import type {SecretStore, TokenResult} from '../contract/index.js'

/**
 * One encrypted token cache file per profile (`cache/<profile>.cache`). The payload is msal-node's own serialized
 * cache (its documented JSON schema) plus the last signed-in account, sealed with AES-256-GCM under a random key
 * kept in a secret store. The envelope says which store holds the key, so a reader opens exactly that store.
 *
 * This module has no msal import: the get-token fast path reads cache hits through it directly.
 */
export interface CachePayload {
  /** msal-node's serialized cache. */
  msal: string
  /** homeAccountId of the account used last (delegated flows). */
  lastAccount?: string
  /**
   * Whose tokens these are. A cache written for another authority, tenant, client or flow options (a hand edit of
   * profiles.json) is a miss.
   */
  identity?: CacheIdentity
  /** Tokens of flows that do not use msal (plugin flows returning a TokenResult), kept by the CLI itself. */
  tokens?: StoredToken[]
}

/** A TokenResult of a flow that does not use msal, as the cache keeps it. */
export interface StoredToken {
  /** The flow that got it, canonical (`managedidentity`): another flow never serves it. */
  flow: string
  /** The signed-in user's home account id; '' for app-only tokens. */
  homeAccountId: string
  username?: string
  accessToken: string
  tokenType: string
  /** Seconds since the epoch. */
  expiresOn: number
  scopes: string[]
}

/** The settings a token belongs to: the authority host, the tenant and the client id (lower-cased), the flow options. */
export interface CacheIdentity {
  authority: string
  tenantId: string
  clientId: string
  /**
   * A hash of the profile's flow options and the names of its secret options, when it has any: a plugin flow may
   * choose its identity by them (ManagedIdentity's client-id), so another value is another identity. Absent for a
   * profile without options, so caches written before this field existed stay valid for those.
   */
  options?: string
}

export function cacheIdentity(profile: Profile): CacheIdentity {
  const identity: CacheIdentity = {
    authority: authorityHost(profile).toLowerCase(),
    clientId: profile.clientId.toLowerCase(),
    tenantId: profile.tenantId.toLowerCase(),
  }
  const options = Object.entries(profile.flowOptions ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const secretNames = [...(profile.secretOptions ?? [])].sort()
  if (options.length > 0 || secretNames.length > 0) {
    const canonical = JSON.stringify({options, secretNames})
    identity.options = createHash('sha256').update(canonical).digest('base64url')
  }
  return identity
}

/** A cache without an identity (written before it was recorded) belongs to nobody: it is a miss, then rewritten. */
function sameIdentity(recorded: CacheIdentity | undefined, wanted: CacheIdentity): boolean {
  return (
    recorded !== undefined &&
    recorded.authority === wanted.authority &&
    recorded.tenantId === wanted.tenantId &&
    recorded.clientId === wanted.clientId &&
    recorded.options === wanted.options
  )
}

interface CacheEnvelope extends SealedBox {
  version: 1
  store: string
}

export type OpenStore = (name: string) => Promise<SecretStore>

export type CacheLoad =
  /** No file, or one written for another identity (see CachePayload.identity): nothing in it may be used. */
  {state: 'empty'} | {state: 'ok'; payload: CachePayload; store: string} | {state: 'unreadable'; reason: string}

const aad = (profile: string) => `entra-auth-cli:token-cache:v1:${profile}`

export class TokenCacheFile {
  readonly file: string

  constructor(
    readonly home: string,
    readonly profile: string,
  ) {
    this.file = paths.tokenCache(home, profile)
  }

  /**
   * Never throws for a bad file: an unreadable cache is reported and treated as empty (then overwritten). With
   * `identity`, a cache recorded for another identity loads as empty, so neither the cache-hit rule nor msal can
   * serve a token of the old tenant or authority; without it (moving a cache between names) it loads as it is.
   */
  async load(openStore: OpenStore, identity?: CacheIdentity): Promise<CacheLoad> {
    const load = await this.loadAny(openStore)
    if (identity && load.state === 'ok' && !sameIdentity(load.payload.identity, identity)) return {state: 'empty'}
    return load
  }

  private async loadAny(openStore: OpenStore): Promise<CacheLoad> {
    let text: string
    try {
      // Synchronous: nothing else runs meanwhile, and a cache hit (the fast path) pays for every event-loop turn.
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {state: 'empty'}
      return {reason: describeFileError(error), state: 'unreadable'}
    }
    let envelope: CacheEnvelope
    try {
      envelope = JSON.parse(text) as CacheEnvelope
      if (envelope.version !== 1 || !isSealedBox(envelope) || typeof envelope.store !== 'string')
        throw new Error('unknown format')
    } catch {
      return {reason: 'the file is damaged', state: 'unreadable'}
    }
    let keyText: string | undefined
    try {
      keyText = await (await openStore(envelope.store)).get(secretKeys.tokenCacheKey(this.profile))
    } catch (error) {
      return {
        reason: `its key is in the '${envelope.store}' secret store, which failed: ${(error as Error).message}`,
        state: 'unreadable',
      }
    }
    if (!keyText) return {reason: `its key is missing from the '${envelope.store}' secret store`, state: 'unreadable'}
    try {
      const payload = JSON.parse(open(Buffer.from(keyText, 'base64'), envelope, aad(this.profile))) as CachePayload
      if (typeof payload.msal !== 'string') throw new Error('no msal cache')
      return {payload, state: 'ok', store: envelope.store}
    } catch {
      return {reason: 'it cannot be decrypted (modified, or encrypted under another key)', state: 'unreadable'}
    }
  }

  /**
   * Seals and writes the payload. The key is reused when `store` already holds it, otherwise a fresh key is put in
   * `store` first, so a reader never finds a file whose key is not stored yet.
   */
  async save(payload: CachePayload, store: SecretStore): Promise<void> {
    const keyName = secretKeys.tokenCacheKey(this.profile)
    let keyText = await store.get(keyName)
    if (!keyText) {
      keyText = newKey().toString('base64')
      await store.set(keyName, keyText)
    }
    const envelope: CacheEnvelope = {
      store: store.name,
      version: 1,
      ...seal(Buffer.from(keyText, 'base64'), JSON.stringify(payload), aad(this.profile)),
    }
    await writeFileAtomic(this.file, JSON.stringify(envelope), {privateDir: true})
  }

  /** Removes the file and its key (profile deleted, or its tenant/client changed). */
  async clear(openStore: OpenStore): Promise<void> {
    const loaded = await readEnvelopeStore(this.file)
    await fs.rm(this.file, {force: true})
    if (loaded) await (await openStore(loaded)).delete(secretKeys.tokenCacheKey(this.profile)).catch(() => false)
  }
}

async function readEnvelopeStore(file: string): Promise<string | undefined> {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as CacheEnvelope).store
  } catch {
    return undefined
  }
}

// ------------------------------------------------------------------------------------------- reading msal's schema

interface MsalAccessToken {
  home_account_id?: string
  environment?: string
  credential_type?: string
  client_id?: string
  secret?: string
  realm?: string
  target?: string
  expires_on?: string
  token_type?: string
}

interface MsalAccount {
  home_account_id?: string
  username?: string
}

interface MsalCacheJson {
  AccessToken?: Record<string, MsalAccessToken>
  Account?: Record<string, MsalAccount>
}

function parseMsalCache(msalCache: string): MsalCacheJson | undefined {
  try {
    return JSON.parse(msalCache) as MsalCacheJson
  } catch {
    return undefined
  }
}

/** The user names (UPNs) of the accounts in msal's serialized cache, once each. */
export function cachedUsernames(msalCache: string): string[] {
  const accounts = Object.values(parseMsalCache(msalCache)?.Account ?? {})
  return [...new Set(accounts.map((a) => a.username).filter((u): u is string => Boolean(u)))]
}

/**
 * The home account id of the cached account with this user name (UPN, any case); undefined when there is none, or
 * when several accounts have that name (a re-created user, guests): the caller must not pick one of them.
 */
export function accountHomeId(msalCache: string, username: string): string | undefined {
  const wanted = username.toLowerCase()
  const accounts = Object.values(parseMsalCache(msalCache)?.Account ?? {})
  const ids = new Set(
    accounts.filter((a) => a.username?.toLowerCase() === wanted && a.home_account_id).map((a) => a.home_account_id),
  )
  return ids.size === 1 ? [...ids][0] : undefined
}

/** OIDC scopes are never in an access token's target; msal adds them to every delegated request. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access'])

export interface CacheQuery {
  clientId: string
  scopes: string[]
  /** A token must stay valid this long to be served (5 min, like msal's own refresh offset). */
  minValidSeconds: number
  /** Delegated flows: the account to serve; '' for app-only (ClientCredentials) tokens. */
  homeAccountId?: string
  now?: number
}

/** The token a flow that does not use msal returned, as the cache keeps it. */
export function storedToken(flow: string, result: TokenResult): StoredToken {
  return {
    accessToken: result.accessToken,
    expiresOn: Math.floor(result.expiresOn.getTime() / 1000),
    flow,
    homeAccountId: result.account?.homeAccountId ?? '',
    scopes: [...result.scopes],
    tokenType: result.tokenType,
    username: result.account?.username,
  }
}

/**
 * Adds a token to the CLI's own list, replacing the one of the same flow, account and scopes; tokens that have
 * expired are dropped (they can never be served again).
 */
export function withStoredToken(
  tokens: StoredToken[] | undefined,
  token: StoredToken,
  now = Date.now(),
): StoredToken[] {
  const key = (t: StoredToken) => `${t.flow}\n${t.homeAccountId}\n${scopeSet(t.scopes).sort().join(' ')}`
  const nowSeconds = Math.floor(now / 1000)
  return [...(tokens ?? []).filter((t) => t.expiresOn > nowSeconds && key(t) !== key(token)), token]
}

/** The home account id of the user with this name among the CLI's own tokens (a user-flow plugin's sign-ins). */
export function storedAccountHomeId(tokens: StoredToken[] | undefined, username: string): string | undefined {
  const wanted = username.toLowerCase()
  const ids = new Set(
    (tokens ?? []).filter((t) => t.homeAccountId && t.username?.toLowerCase() === wanted).map((t) => t.homeAccountId),
  )
  return ids.size === 1 ? [...ids][0] : undefined
}

const scopeSet = (scopes: string[]) => [
  ...new Set(scopes.map((s) => s.toLowerCase()).filter((s) => !OIDC_SCOPES.has(s))),
]

/** The same rule as findAccessToken, over the CLI's own tokens of one flow. */
export function findStoredToken(
  tokens: StoredToken[] | undefined,
  query: Omit<CacheQuery, 'clientId'> & {flow: string},
): TokenResult | undefined {
  const wanted = scopeSet(query.scopes)
  if (wanted.length === 0) return undefined
  const now = Math.floor((query.now ?? Date.now()) / 1000)
  let best: StoredToken | undefined
  for (const token of tokens ?? []) {
    if (token.flow !== query.flow || typeof token.accessToken !== 'string') continue
    if (query.homeAccountId !== undefined && token.homeAccountId !== query.homeAccountId) continue
    const target = new Set(scopeSet(token.scopes ?? []))
    if (!wanted.every((s) => target.has(s))) continue
    if (!(token.expiresOn - now >= query.minValidSeconds)) continue
    if (!best || token.expiresOn > best.expiresOn) best = token
  }
  if (!best) return undefined
  return {
    accessToken: best.accessToken,
    expiresOn: new Date(best.expiresOn * 1000),
    scopes: [...best.scopes],
    tokenType: best.tokenType,
  }
}

/** Finds a usable access token in msal's serialized cache without loading msal. */
export function findAccessToken(msalCache: string, query: CacheQuery): TokenResult | undefined {
  let cache: MsalCacheJson
  try {
    cache = JSON.parse(msalCache) as MsalCacheJson
  } catch {
    return undefined
  }
  const wanted = query.scopes.map((s) => s.toLowerCase()).filter((s) => !OIDC_SCOPES.has(s))
  // Only OIDC scopes asked for (`-s openid`): no access token in the cache is "for" that request.
  if (wanted.length === 0) return undefined
  const now = Math.floor((query.now ?? Date.now()) / 1000)
  let best: MsalAccessToken | undefined
  for (const entry of Object.values(cache.AccessToken ?? {})) {
    if (entry.credential_type?.toLowerCase() !== 'accesstoken' || !entry.secret) continue
    if (entry.client_id?.toLowerCase() !== query.clientId.toLowerCase()) continue
    if (entry.token_type && entry.token_type.toLowerCase() !== 'bearer') continue
    if (query.homeAccountId !== undefined && (entry.home_account_id ?? '') !== query.homeAccountId) continue
    const target = new Set((entry.target ?? '').toLowerCase().split(' '))
    if (!wanted.every((s) => target.has(s))) continue
    const expiresOn = Number(entry.expires_on)
    if (!(expiresOn - now >= query.minValidSeconds)) continue
    if (!best || expiresOn > Number(best.expires_on)) best = entry
  }
  if (!best) return undefined
  return {
    accessToken: best.secret!,
    expiresOn: new Date(Number(best.expires_on) * 1000),
    scopes: (best.target ?? '').split(' ').filter(Boolean),
    tokenType: 'Bearer',
  }
}
