import type {Profile} from '../profile/model.js'
import {
  accountHomeId,
  cacheIdentity,
  findAccessToken,
  findStoredToken,
  storedAccountHomeId,
  TokenCacheFile,
  type CacheLoad,
  type OpenStore,
} from './cache.js'
import type {TokenResult} from '../contract/index.js'

/** A token must outlive this to be served from the cache; the same offset msal-node uses before it renews. */
export const MIN_VALID_SECONDS = 300

export interface CacheLookup {
  home: string
  profile: Profile
  scopes: string[]
  /** Whether the flow's tokens are app-only (FlowRegistration.kind), which decides whose token may be served. */
  appOnly: boolean
  /** The flow, canonical (`clientcredentials`): tokens the CLI keeps for a flow without msal are served to it alone. */
  flow: string
  /** Delegated flows: the account (UPN) asked for with --account; default the profile's last used account. */
  account?: string
  openStore: OpenStore
}

/**
 * The one cache-hit rule, used by both the full get-token command and the fast path in bin/run.js, so the two can
 * never disagree on what counts as a hit. App-only flows (`kind: 'app-only'`) match tokens with no account; the
 * others match the account asked for (--account), else the account used last. msal's tokens are matched by client
 * id; the tokens the CLI keeps for flows without msal (plugin flows) by the flow that got them.
 */
export async function lookupCachedToken(
  lookup: CacheLookup,
): Promise<{hit?: TokenResult; load: CacheLoad; homeAccountId?: string}> {
  // A cache written for another authority, tenant or client loads as empty: a miss on both paths.
  const load = await new TokenCacheFile(lookup.home, lookup.profile.name).load(
    lookup.openStore,
    cacheIdentity(lookup.profile),
  )
  if (load.state !== 'ok') return {load}
  const {appOnly} = lookup
  const {msal, tokens} = load.payload
  const named = (username: string) => accountHomeId(msal, username) ?? storedAccountHomeId(tokens, username)
  const account = appOnly ? '' : lookup.account ? named(lookup.account) : load.payload.lastAccount
  // A delegated flow never serves an app-only token (nor anything before someone has signed in).
  if (!appOnly && !account) return {load}
  const query = {homeAccountId: account ?? '', minValidSeconds: MIN_VALID_SECONDS, scopes: lookup.scopes}
  // A profile without a client id (a managed identity) has no msal tokens to match.
  const hit =
    (lookup.profile.clientId ? findAccessToken(msal, {...query, clientId: lookup.profile.clientId}) : undefined) ??
    findStoredToken(tokens, {...query, flow: lookup.flow})
  // Whose token it is: '' for app-only tokens.
  return {hit, homeAccountId: account ?? '', load}
}
