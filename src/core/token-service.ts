import type {ICachePlugin, TokenCacheContext} from '@azure/msal-node'
import {deadline} from './abort.js'
import {resolveAuthorityMetadata} from './authority-metadata.js'
import {lookupCachedToken} from './cached-token.js'
import {toCliError} from './entra-errors.js'
import {CliError, ConfigError, NetworkError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import {findExtension, register, type HookSource} from './extensions.js'
import {withLock} from './file-lock.js'
import {HttpClient} from './network.js'
import {paths} from './paths.js'
import {authorityUrl, DEFAULT_FLOW, effectiveScopes, secretKeys, type Profile} from './profile.js'
import {ProfileStore} from './profile-store.js'
import {SecretStores} from './secret-stores.js'
import {TokenCacheFile, type CachePayload} from './token-cache.js'
import {messages} from './token-output.js'
import type {FlowContext, FlowRegistration, MsalSetup, PromptApi, Reporter, TokenResult} from '../plugin.js'

export interface TokenRequest {
  profile: string
  flow?: string
  scopes?: string[]
  force?: boolean
  timeoutMs: number
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

  constructor(private readonly deps: TokenServiceDeps) {
    this.stores = new SecretStores(deps.hooks, (m) => deps.reporter.warn(m))
    this.profiles = new ProfileStore(deps.home)
  }

  async getToken(request: TokenRequest): Promise<TokenResponse> {
    const profile = await this.profiles.get(request.profile)
    const flowName = request.flow ?? profile.defaultFlow ?? DEFAULT_FLOW
    // Registering is cheap (the hook module only) and surfaces a broken or conflicting plugin before anything else.
    const registration = await register<FlowRegistration>(this.deps.hooks, findExtension(this.deps.hooks, 'flow', flowName))
    this.deps.reporter.status(messages.authenticating(profile.name))
    const scopes = effectiveScopes(profile, request.scopes)
    const refreshing = request.mode === 'refresh'
    const useCache = !request.force && !refreshing

    if (useCache) {
      const hit = await this.cached(profile, scopes, flowName)
      if (hit) return {fromCache: true, profile, result: hit}
    }

    const signal = this.signal(request.timeoutMs)
    const lockPath = paths.tokenCacheLock(this.deps.home, profile.name)
    return withLock(lockPath, {signal, timeoutMs: request.timeoutMs + 5000}, async () => {
      // Another process may have filled the cache while we waited for the lock.
      if (useCache) {
        const hit = await this.cached(profile, scopes, flowName)
        if (hit) return {fromCache: true, profile, result: hit}
      }
      if (refreshing && !registration.supportsRefresh) {
        throw new ConfigError(
          `The ${registration.name} flow has no refresh token to redeem; run 'entra-auth-cli get-token -p ${profile.name}' to get a new token.`,
          'NO_REFRESH',
        )
      }
      const flow = await registration.create()
      const http = new HttpClient({signal})
      const context = this.context(profile, scopes, http, signal, request)
      try {
        const work = refreshing ? flow.refresh!(context) : flow.acquireToken(context)
        const result = await abortable(work, signal)
        if (result.account) await this.rememberAccount(profile, result.account.homeAccountId)
        return {fromCache: false, profile, result}
      } catch (error) {
        throw this.explain(error, signal, http, request, profile)
      }
    })
  }

  async cached(profile: Profile, scopes: string[], flow?: string): Promise<TokenResult | undefined> {
    const {hit, load} = await lookupCachedToken({flow, home: this.deps.home, openStore: this.stores.open, profile, scopes})
    if (load.state === 'unreadable') this.warnUnreadable(profile, load.reason)
    return hit
  }

  private warnUnreadable(profile: Profile, reason: string) {
    if (this.warnedUnreadable) return
    this.warnedUnreadable = true
    this.deps.reporter.warn(`The token cache of profile '${profile.name}' could not be read (${reason}); starting a fresh one.`)
  }

  private context(profile: Profile, scopes: string[], http: HttpClient, signal: AbortSignal, request: TokenRequest): FlowContext {
    const cacheFile = new TokenCacheFile(this.deps.home, profile.name)
    let setup: Promise<MsalSetup> | undefined
    const secretStore = () => (typeof profile.secretStore === 'string' ? this.stores.openFor(profile.name, profile.secretStore) : this.stores.selected())
    return {
      msal: () => {
        setup ??= resolveAuthorityMetadata(this.deps.home, authorityUrl(profile), http).then((metadata) => ({
          ...metadata,
          authority: authorityUrl(profile),
          cachePlugin: this.cachePlugin(profile, cacheFile),
          networkClient: http,
        }))
        return setup
      },
      options: {
        account: request.account,
        force: Boolean(request.force),
        loginHint: request.loginHint,
        noBrowser: request.noBrowser,
        timeoutMs: request.timeoutMs,
      },
      profile,
      prompt: this.deps.prompt,
      reporter: this.deps.reporter,
      scopes,
      async secret(kind) {
        const key = kind === 'client-secret' ? secretKeys.clientSecret(profile.name) : secretKeys.certificatePassword(profile.name)
        return (await secretStore()).get(key)
      },
      secretStore,
      signal,
    }
  }

  /** msal-node's persistence hooks: decrypt before each access, encrypt after a change. The caller holds the lock. */
  private cachePlugin(profile: Profile, cacheFile: TokenCacheFile): ICachePlugin {
    let payload: CachePayload = {msal: ''}
    return {
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (!context.cacheHasChanged) return
        payload = {...payload, msal: context.tokenCache.serialize()}
        await cacheFile.save(payload, await this.stores.selected())
      },
      beforeCacheAccess: async (context: TokenCacheContext) => {
        const load = await cacheFile.load(this.stores.open)
        if (load.state === 'unreadable') this.warnUnreadable(profile, load.reason)
        payload = load.state === 'ok' ? load.payload : {msal: ''}
        if (payload.msal) context.tokenCache.deserialize(payload.msal)
      },
    }
  }

  private async rememberAccount(profile: Profile, homeAccountId: string) {
    const cacheFile = new TokenCacheFile(this.deps.home, profile.name)
    const load = await cacheFile.load(this.stores.open)
    if (load.state !== 'ok' || load.payload.lastAccount === homeAccountId) return
    await cacheFile.save({...load.payload, lastAccount: homeAccountId}, await this.stores.selected())
  }

  /** One signal for "stop now": the --timeout deadline or Ctrl-C. */
  private signal(timeoutMs: number): AbortSignal {
    return deadline(timeoutMs, [this.deps.interrupt]).signal
  }

  private explain(error: unknown, signal: AbortSignal, http: HttpClient, request: TokenRequest, profile: Profile): CliError {
    if (this.deps.interrupt?.aborted) return new CliError('Interrupted.', ExitCode.Interrupted, 'INTERRUPTED')
    if (signal.aborted && !(error instanceof CliError && error.exitCode !== ExitCode.Network)) {
      return new NetworkError(`Timed out after ${Math.round(request.timeoutMs / 1000)} s waiting for the identity provider; check your network or raise --timeout.`, 'TIMEOUT')
    }
    return toCliError(error, {networkFailure: http.lastFailure, profile: profile.name})
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

