import {decodeJwt} from '../jwt/read.js'
import {authorityHost, DEFAULT_FLOW, type Profile} from '../profile/model.js'
import {cacheIdentity, TokenCacheFile, type OpenStore} from './cache.js'

/**
 * What a profile's token cache says about who it signs in as, read from the cache alone (no network): the accounts
 * signed in, whether each still has a refresh token, and the access tokens with their scopes, expiry and the
 * permissions (`roles` or `scp`) they carry. Nothing here holds a token or a refresh token, only facts about them.
 */
export interface WhoamiAccount {
  username: string | null
  name: string | null
  homeAccountId: string
  lastUsed: boolean
  refreshToken: boolean
}

export interface WhoamiToken {
  /** The user name (UPN) of the account the token is for; null for an app-only token. */
  account: string | null
  scopes: string[]
  expiresOn: string
  secondsLeft: number
  audience: string | null
  /** App permissions (app-only tokens). */
  roles: string[]
  /** Delegated permissions (user tokens). */
  scp: string[]
  /** False when the token is opaque or encrypted: its permissions cannot be read. */
  readable: boolean
}

export interface WhoamiReport {
  profile: string
  tenantId: string
  clientId: string
  authority: string
  flow: string
  cache: 'ok' | 'empty' | 'unreadable'
  reason?: string
  accounts: WhoamiAccount[]
  tokens: WhoamiToken[]
}

interface MsalEntry {
  home_account_id?: string
  credential_type?: string
  client_id?: string
  secret?: string
  target?: string
  expires_on?: string
  username?: string
  name?: string
}

interface MsalCache {
  Account?: Record<string, MsalEntry>
  AccessToken?: Record<string, MsalEntry>
  RefreshToken?: Record<string, MsalEntry>
}

export async function whoami(
  home: string,
  profile: Profile,
  openStore: OpenStore,
  now = new Date(),
): Promise<WhoamiReport> {
  const report: WhoamiReport = {
    accounts: [],
    authority: authorityHost(profile),
    cache: 'empty',
    clientId: profile.clientId,
    flow: profile.defaultFlow ?? DEFAULT_FLOW,
    profile: profile.name,
    tenantId: profile.tenantId,
    tokens: [],
  }
  const load = await new TokenCacheFile(home, profile.name).load(openStore, cacheIdentity(profile))
  if (load.state === 'unreadable') return {...report, cache: 'unreadable', reason: load.reason}
  if (load.state === 'empty') return report
  let cache: MsalCache
  try {
    cache = JSON.parse(load.payload.msal || '{}') as MsalCache
  } catch {
    return {...report, cache: 'unreadable', reason: 'its contents are not a token cache'}
  }
  const clientId = profile.clientId.toLowerCase()
  const ours = (entry: MsalEntry) => !entry.client_id || entry.client_id.toLowerCase() === clientId
  const refreshHolders = new Set(
    Object.values(cache.RefreshToken ?? {})
      .filter((rt) => ours(rt) && rt.secret)
      .map((rt) => rt.home_account_id ?? ''),
  )
  const usernames = new Map<string, string>()
  const seen = new Set<string>()
  for (const account of Object.values(cache.Account ?? {})) {
    const id = account.home_account_id ?? ''
    if (!id || seen.has(id)) continue
    seen.add(id)
    if (account.username) usernames.set(id, account.username)
    report.accounts.push({
      homeAccountId: id,
      lastUsed: id === load.payload.lastAccount,
      name: account.name ?? null,
      refreshToken: refreshHolders.has(id),
      username: account.username ?? null,
    })
  }
  for (const entry of Object.values(cache.AccessToken ?? {})) {
    if (entry.credential_type?.toLowerCase() !== 'accesstoken' || !entry.secret || !ours(entry)) continue
    const expiresOn = new Date(Number(entry.expires_on) * 1000)
    if (Number.isNaN(expiresOn.getTime())) continue
    report.tokens.push({
      account: entry.home_account_id ? (usernames.get(entry.home_account_id) ?? entry.home_account_id) : null,
      expiresOn: expiresOn.toISOString(),
      scopes: (entry.target ?? '').split(' ').filter(Boolean),
      secondsLeft: Math.floor((expiresOn.getTime() - now.getTime()) / 1000),
      ...(await permissions(entry.secret)),
    })
  }
  report.tokens.sort((a, b) => b.secondsLeft - a.secondsLeft)
  return {...report, cache: 'ok'}
}

async function permissions(token: string): Promise<Pick<WhoamiToken, 'audience' | 'readable' | 'roles' | 'scp'>> {
  try {
    const {claims} = await decodeJwt(token)
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : []
    const scp = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : []
    const audience =
      typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) ? claims.aud.join(', ') : null
    return {audience, readable: true, roles, scp}
  } catch {
    // Opaque (some Microsoft Graph and MSA tokens) or encrypted: only the API they are for can read them.
    return {audience: null, readable: false, roles: [], scp: []}
  }
}
