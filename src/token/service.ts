import type {ICachePlugin, TokenCacheContext} from '@azure/msal-node'
import {raceAbort} from '../base/abort.js'
import {resolveAuthorityMetadata} from '../net/authority-metadata.js'
import {lookupCachedToken} from './lookup.js'
import {toCliError} from '../net/entra-errors.js'
import {AuthError, CliError, ConfigError, NetworkError, UsageError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {
  canonicalName,
  displayName,
  listExtensions,
  loadFlowRegistration,
  type HookSource,
} from '../extensions/registry.js'
import {withLock} from '../base/file-lock.js'
import {fileSystemProblem} from '../base/fs-atomic.js'
import {paths} from '../base/paths.js'
import {authorityUrl, DEFAULT_FLOW, effectiveScopes, secretKeys, type Profile} from '../profile/model.js'
import {ProfileStore} from '../profile/store.js'
import {RunBudget} from './run-budget.js'
import {SecretStores} from '../extensions/secret-stores.js'
import {
  cacheIdentity,
  cachedUsernames,
  storedToken,
  TokenCacheFile,
  withStoredToken,
  type CachePayload,
} from './cache.js'
import {messages} from './output.js'
import type {FlowContext, FlowRegistration, MsalSetup, PromptApi, Reporter, TokenResult} from '../contract/index.js'
import {BIN} from '../base/product.js'

const DEFAULT_TIMEOUT_SECONDS = 120
/** Past its run's longest time, a lock is declared abandoned after this much more (writing the cache, clock skew). */
const LOCK_GRACE_MS = 10_000

export interface TokenRequest {
  profile: string
  flow?: string
  scopes?: string[]
  force?: boolean
  /** Bound on the whole acquisition; default: the flow's own (DeviceCode 15 min), else 120 s. */
  timeoutMs?: number
  account?: string
  loginHint?: string
  noBrowser?: boolean
  /** `refresh` redeems the refresh token and never serves a cached access token. */
  mode?: 'acquire' | 'refresh'
}

export interface TokenResponse {
  result: TokenResult
  fromCache: boolean
  profile: Profile
}

export interface TokenServiceDeps {
  home: string
  hooks: HookSource
  reporter: Reporter
  prompt: PromptApi
  /** Ctrl-C: aborts whatever the flow is doing. */
  interrupt?: AbortSignal
}

/**
 * get-token and refresh: cache first, then one acquisition per profile at a time across processes (the lock),
 * re-checking the cache after waiting so that ten concurrent cold calls make one request.
 */
export class TokenService {
  readonly stores: SecretStores
  private readonly profiles: ProfileStore
  private warnedUnreadable = false
  private warnedUncached = false

  constructor(private readonly deps: TokenServiceDeps) {
    this.stores = new SecretStores(deps.hooks, (m) => deps.reporter.warn(m))
    this.profiles = new ProfileStore(deps.home)
  }

  async getToken(request: TokenRequest): Promise<TokenResponse> {
    let profile = await this.profiles.get(request.profile)
    const flowName = request.flow ?? profile.defaultFlow ?? DEFAULT_FLOW
    // Registering is cheap (the hook module only) and surfaces a broken or conflicting plugin before anything else.
    const registration = await loadFlowRegistration(this.deps.hooks, flowName, (m) => this.deps.reporter.warn(m)).catch(
      (error: unknown) => {
        // The profile's own flow is gone (its plugin uninstalled): a configuration problem, not a bad -f.
        throw request.flow === undefined && error instanceof UsageError
          ? missingFlow(profile, flowName, this.deps.hooks)
          : error
      },
    )
    const appOnly = registration.kind === 'app-only'
    const flowKey = canonicalName(registration.name)
    const refreshing = request.mode === 'refresh'
    this.deps.reporter.status(
      refreshing ? `Refreshing token for profile '${profile.name}'...` : messages.authenticating(profile.name),
    )
    const scopes = effectiveScopes(profile, request.scopes)
    const useCache = !request.force && !refreshing
    // The account asked for: --account, else the --login-hint (a cached token of another account is no answer).
    const wanted = request.account ?? request.loginHint

    if (useCache) {
      const found = await this.cached(profile, scopes, appOnly, flowKey, wanted)
      // A hit for a named account that is not the last used one yet: it becomes so, under the lock (below).
      if (found.hit && !(wanted && found.homeAccountId && found.homeAccountId !== found.lastAccount))
        return {fromCache: true, profile, result: found.hit}
    }

    // A store named by ENTRA_AUTH_CLI_STORE or holding the profile's secrets that is not installed fails here, before
    // the flow reaches the network (an unreachable authority would otherwise hide it behind a network error).
    this.stores.checkInstalled(profile)

    const timeoutMs = request.timeoutMs ?? (registration.defaultTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
    // One signal for "stop now": the deadline (a flow may extend a default one) or Ctrl-C. The HTTP client follows
    // the deadline, so a long Retry-After fails at once instead of sleeping into it.
    const budget = new RunBudget(timeoutMs, request.timeoutMs !== undefined, this.deps.interrupt, !appOnly)
    const {signal} = budget
    const lockPath = paths.tokenCacheLock(this.deps.home, profile.name)
    // The lock is held for the whole sign-in, so other processes wait for this one's token instead of starting
    // their own; it is declared abandoned only after the longest this run may take.
    const lockOptions = {
      holdMs: budget.longestMs + LOCK_GRACE_MS,
      signal,
      timeoutMs: timeoutMs + LOCK_GRACE_MS,
      what: `The token cache of profile '${profile.name}'`,
    }
    let locked = false
    try {
      return await withLock(lockPath, lockOptions, async () => {
        locked = true
        // config delete/edit take this lock too: what we read before waiting may be gone or changed by now.
        profile = await this.profiles.get(profile.name)
        // Another process may have filled the cache while we waited for the lock.
        if (useCache) {
          const found = await this.cached(profile, scopes, appOnly, flowKey, wanted)
          if (found.hit) {
            // Using an account by name makes it the last used one, from the cache as after a sign-in or refresh.
            if (wanted && found.homeAccountId) await this.rememberAccount(profile, found.homeAccountId)
            return {fromCache: true, profile, result: found.hit}
          }
        }
        if (refreshing && !registration.supportsRefresh) {
          // The profile's default is app-only, but someone signed in with `get-token -f <delegated flow>` too.
          const users = await this.signedInUsers(profile)
          if (users.length > 0) {
            throw new ConfigError(
              `Profile '${profile.name}' uses the ${registration.name} flow, which has no refresh token, but its cache holds ${users.length === 1 ? 'a signed-in user' : 'signed-in users'} (${users.join(', ')}): pass the flow they signed in with, e.g. '${BIN} refresh -p ${profile.name} -f InteractiveBrowser' (or -f DeviceCode, -f AuthorizationCode).`,
              'NO_REFRESH',
            )
          }
          throw new ConfigError(
            `The ${registration.name} flow has no refresh token to redeem; run '${BIN} get-token -p ${profile.name}' to get a new token.`,
            'NO_REFRESH',
          )
        }
        const flow = await registration.create()
        // Delegated flows sign in as --account (or --login-hint), else as the account the profile used last (by home
        // account id).
        const homeAccountId = !wanted && !appOnly ? await this.lastAccountId(profile) : undefined
        const context = this.context(profile, registration, scopes, budget, {...request, timeoutMs}, homeAccountId)
        const work = refreshing ? flow.refresh!(context) : flow.acquireToken(context)
        // The reason waits one macrotask, so a flow that honours the signal (closes its listener, stops polling)
        // rejects first with an error saying what it waited for.
        const result = checkedResult(
          await raceAbort(work, signal, (reject) => setImmediate(() => reject(signal.reason))),
          registration.name,
          scopes,
        )
        // The browser or the other device signs in whoever the person there chooses; --account is a requirement.
        const signedIn = result.account?.username
        if (request.account && signedIn && signedIn.toLowerCase() !== request.account.toLowerCase()) {
          throw new AuthError(
            `Signed in as ${signedIn}, not ${request.account} as --account asked; run the command again and sign in as ${request.account}.`,
            'WRONG_ACCOUNT',
          )
        }
        // A flow without msal (a plugin's) has its token cached here, under the same lock and the same hit rule.
        await this.keepToken(profile, flowKey, result)
        if (result.account) await this.rememberAccount(profile, result.account.homeAccountId)
        return {fromCache: false, profile, result}
      })
    } catch (error) {
      if (!locked && signal.aborted && !this.deps.interrupt?.aborted) {
        throw new NetworkError(
          `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for another ${BIN} run on profile '${profile.name}' to finish; try again, or raise --timeout.`,
          'TIMEOUT',
        )
      }
      throw this.explain(error, budget, profile)
    }
  }

  /** A cache hit, whose account it is (home account id, '' app-only) and the profile's last used account. */
  private async cached(
    profile: Profile,
    scopes: string[],
    appOnly: boolean,
    flow: string,
    account?: string,
  ): Promise<{hit?: TokenResult; homeAccountId?: string; lastAccount?: string}> {
    const {hit, homeAccountId, load} = await lookupCachedToken({
      account,
      appOnly,
      flow,
      home: this.deps.home,
      openStore: this.stores.open,
      profile,
      scopes,
    })
    if (load.state === 'unreadable') this.warnUnreadable(profile, load.reason)
    return {hit, homeAccountId, lastAccount: load.state === 'ok' ? load.payload.lastAccount : undefined}
  }

  private warnUnreadable(profile: Profile, reason: string) {
    if (this.warnedUnreadable) return
    this.warnedUnreadable = true
    this.deps.reporter.warn(
      `The token cache of profile '${profile.name}' could not be read (${reason}); starting a fresh one.`,
    )
  }

  private context(
    profile: Profile,
    registration: FlowRegistration,
    scopes: string[],
    budget: RunBudget,
    request: TokenRequest,
    homeAccountId?: string,
  ): FlowContext {
    const cacheFile = new TokenCacheFile(this.deps.home, profile.name)
    let setup: Promise<MsalSetup> | undefined
    const secretStore = () =>
      typeof profile.secretStore === 'string'
        ? this.stores.openFor(profile, profile.secretStore)
        : this.stores.selected()
    return {
      extendDeadline: (ms) => budget.extend(ms),
      msal: () => {
        setup ??= resolveAuthorityMetadata(this.deps.home, authorityUrl(profile), budget.network).then((metadata) => ({
          ...metadata,
          authority: authorityUrl(profile),
          cachePlugin: this.cachePlugin(profile, cacheFile),
          networkClient: budget.network,
        }))
        return setup
      },
      options: {
        account: request.account,
        force: Boolean(request.force),
        homeAccountId,
        loginHint: request.loginHint,
        noBrowser: request.noBrowser,
        timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000,
      },
      profile,
      prompt: this.deps.prompt,
      reporter: this.deps.reporter,
      scopes,
      async secret(kind) {
        // A profile that never stored a secret has none in any store (it relies on AZURE_CLIENT_SECRET & co.).
        if (typeof profile.secretStore !== 'string') return undefined
        const key =
          kind === 'client-secret'
            ? secretKeys.clientSecret(profile.name)
            : secretKeys.certificatePassword(profile.name)
        return (await secretStore()).get(key)
      },
      async option(name) {
        const declared = registration.options?.find((o) => o.name === name)
        if (!declared?.secret)
          return typeof profile.flowOptions?.[name] === 'string' ? profile.flowOptions[name] : undefined
        if (typeof profile.secretStore !== 'string') return undefined
        return (await secretStore()).get(secretKeys.option(profile.name, name))
      },
      secretStore,
      signal: budget.signal,
      timeLeft: () => budget.left(),
    }
  }

  /** msal-node's persistence hooks: decrypt before each access, encrypt after a change. The caller holds the lock. */
  private cachePlugin(profile: Profile, cacheFile: TokenCacheFile): ICachePlugin {
    let payload: CachePayload = {msal: ''}
    return {
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (!context.cacheHasChanged) return
        payload = {...payload, identity: cacheIdentity(profile), msal: context.tokenCache.serialize()}
        await this.saveOrWarn(async () => cacheFile.save(payload, await this.stores.selected()))
      },
      beforeCacheAccess: async (context: TokenCacheContext) => {
        const load = await cacheFile.load(this.stores.open, cacheIdentity(profile))
        if (load.state === 'unreadable') this.warnUnreadable(profile, load.reason)
        payload = load.state === 'ok' ? load.payload : {msal: ''}
        if (payload.msal) context.tokenCache.deserialize(payload.msal)
      },
    }
  }

  /** Caches a token msal did not (the flow does not use msal); never throws for a store or disk that cannot take it. */
  private async keepToken(profile: Profile, flow: string, result: TokenResult): Promise<void> {
    const cacheFile = new TokenCacheFile(this.deps.home, profile.name)
    const load = await cacheFile.load(this.stores.open, cacheIdentity(profile))
    const payload: CachePayload = load.state === 'ok' ? load.payload : {msal: ''}
    if (payload.msal.includes(result.accessToken)) return
    const tokens = withStoredToken(payload.tokens, storedToken(flow, result))
    await this.saveOrWarn(async () =>
      cacheFile.save({...payload, identity: cacheIdentity(profile), tokens}, await this.stores.selected()),
    )
  }

  private async signedInUsers(profile: Profile): Promise<string[]> {
    const load = await new TokenCacheFile(this.deps.home, profile.name).load(this.stores.open, cacheIdentity(profile))
    return load.state === 'ok' ? cachedUsernames(load.payload.msal) : []
  }

  private async lastAccountId(profile: Profile): Promise<string | undefined> {
    const load = await new TokenCacheFile(this.deps.home, profile.name).load(this.stores.open, cacheIdentity(profile))
    return load.state === 'ok' ? load.payload.lastAccount : undefined
  }

  private async rememberAccount(profile: Profile, homeAccountId: string) {
    const cacheFile = new TokenCacheFile(this.deps.home, profile.name)
    const load = await cacheFile.load(this.stores.open, cacheIdentity(profile))
    if (load.state !== 'ok' || load.payload.lastAccount === homeAccountId) return
    await this.saveOrWarn(async () =>
      cacheFile.save({...load.payload, lastAccount: homeAccountId}, await this.stores.selected()),
    )
  }

  /**
   * A token once issued is never thrown away: with no usable store for the cache key (a CI runner with
   * AZURE_CLIENT_SECRET and no keyring; a keyring that turned out locked) or a file system that refuses the write
   * (full, read-only, a folder in the way), the token is handed out uncached with one warning, never in plaintext.
   */
  private async saveOrWarn(save: () => Promise<void>): Promise<void> {
    try {
      await save()
    } catch (error) {
      const why =
        error instanceof CliError && error.exitCode === ExitCode.Config ? error.message : fileSystemProblem(error)
      if (!why) throw error
      if (!this.warnedUncached)
        this.deps.reporter.warn(`The token was not cached: ${why}${/[.)]$/.test(why) ? '' : '.'}`)
      this.warnedUncached = true
    }
  }

  private explain(error: unknown, budget: RunBudget, profile: Profile): CliError {
    if (this.deps.interrupt?.aborted) return new CliError('Interrupted.', ExitCode.Interrupted, 'INTERRUPTED')
    // A flow that was waiting for the user explains its own timeout (code SIGNIN_TIMEOUT): what it waited for, what to do.
    if (
      budget.signal.aborted &&
      !(error instanceof CliError && (error.exitCode !== ExitCode.Network || error.code === 'SIGNIN_TIMEOUT'))
    ) {
      return new NetworkError(
        `Timed out after ${Math.round(budget.totalMs / 1000)} s waiting for the identity provider; check your network or raise --timeout.`,
        'TIMEOUT',
      )
    }
    return toCliError(error, {networkFailure: budget.network.lastFailure, profile: profile.name})
  }
}

/** What a flow returned, checked: a plugin's bad result is reported by flow name, never cached or printed half-made. */
function checkedResult(result: TokenResult, flow: string, requested: string[]): TokenResult {
  const expiresOn = result && (result.expiresOn as unknown) !== undefined ? new Date(result.expiresOn) : undefined
  if (
    !result ||
    typeof result.accessToken !== 'string' ||
    !result.accessToken ||
    !expiresOn ||
    Number.isNaN(expiresOn.getTime())
  ) {
    throw new CliError(
      `The ${flow} flow returned no usable token (it needs accessToken and expiresOn); report this to the plugin's author.`,
      ExitCode.Failure,
      'BAD_FLOW_RESULT',
    )
  }
  // A flow that does not say which scopes its token has got the ones it was asked for.
  const scopes = Array.isArray(result.scopes) && result.scopes.length > 0 ? result.scopes : requested
  return {...result, expiresOn, scopes, tokenType: result.tokenType || 'Bearer'}
}

/** The profile's flow is not installed: which plugin to reinstall, or how to move the profile to another flow. */
export function missingFlow(profile: Profile, flow: string, hooks: HookSource): ConfigError {
  const installed = listExtensions(hooks, 'flow')
    .map((e) => displayName(e.id))
    .join(', ')
  const plugin =
    typeof profile.flowPlugin === 'string' ? `the plugin '${profile.flowPlugin}'` : 'the plugin that provides it'
  return new ConfigError(
    `Profile '${profile.name}' uses the flow '${flow}', which is not installed any more; reinstall ${plugin} ('${BIN} plugins install ...'), or switch the profile to an installed flow with '${BIN} config edit -p ${profile.name} --flow FLOW' (installed: ${installed}).`,
    'FLOW_MISSING',
  )
}
