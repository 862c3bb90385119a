import type {
  AccountInfo,
  ConfidentialClientApplication,
  INetworkModule,
  PublicClientApplication,
} from '@azure/msal-node'
import {CliError, ConfigError, NetworkError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {toCliError} from '../net/entra-errors.js'
import {raceAbort} from '../base/abort.js'
import {canonicalName} from '../extensions/registry.js'
import type {FlowContext, TokenResult} from '../contract/index.js'
import {clientCredential} from './client-credential.js'
import {baseConfiguration, loadMsal, tokenResult} from './msal-options.js'
import {BIN} from '../base/product.js'

/**
 * What the three delegated (user) flows share: building the msal application over our cache, network client and
 * authority metadata; choosing the account (`--account`, else the profile's last used one); the silent attempt that
 * serves msal's cache or redeems the refresh token when the access token has expired; `refresh`; and how a wait
 * for the user ends when Ctrl-C or --timeout fires.
 */
export type DelegatedApp = PublicClientApplication | ConfidentialClientApplication

/** A public client ("Allow public client flows"): InteractiveBrowser, DeviceCode, AuthorizationCode without a credential. */
export async function createPublicApp(
  context: FlowContext,
  networkClient?: INetworkModule,
): Promise<PublicClientApplication> {
  const config = baseConfiguration(await context.msal(), context.profile.clientId)
  if (networkClient) config.system = {...config.system, networkClient}
  return new (loadMsal().PublicClientApplication)(config)
}

/** A confidential client authenticating with the profile's secret or certificate (AuthorizationCode only). */
export async function createConfidentialApp(context: FlowContext): Promise<ConfidentialClientApplication> {
  const config = baseConfiguration(await context.msal(), context.profile.clientId)
  Object.assign(config.auth, await clientCredential(context, ', or set --auth-method None for a public client'))
  return new (loadMsal().ConfidentialClientApplication)(config)
}

/** AuthorizationCode is a confidential client when the profile has a credential; the other two are always public. */
export function isConfidentialProfile(context: FlowContext): boolean {
  return (
    context.profile.authMethod === 'ClientSecret' ||
    context.profile.authMethod === 'Certificate' ||
    Boolean(context.profile.useCertificate)
  )
}

/**
 * The cached account to use: the one named by `--account`, else by `--login-hint` (UPN, any case; an error when
 * several cached accounts have that name), else the one the profile used last (by home account id, which the token
 * service passes in), else the only one there is.
 */
export async function findAccount(app: DelegatedApp, context: FlowContext): Promise<AccountInfo | undefined> {
  const cache = app.getTokenCache()
  const {account, homeAccountId, loginHint: hint} = context.options
  const wanted = account ?? hint
  if (wanted) {
    const homeIds = new Set(
      (await cache.getAllAccounts())
        .filter((a) => a.username.toLowerCase() === wanted.toLowerCase())
        .map((a) => a.homeAccountId),
    )
    if (homeIds.size > 1) {
      throw new ConfigError(
        `Profile '${context.profile.name}' has ${homeIds.size} signed-in accounts named ${wanted} (the user was re-created, or signed in from another home tenant), so ${account ? '--account' : '--login-hint'} cannot tell them apart; leave ${account ? '--account' : '--login-hint'} out to use the one used last.`,
        'AMBIGUOUS_ACCOUNT',
      )
    }
    const [homeId] = homeIds
    return homeId ? ((await cache.getAccountByHomeId(homeId)) ?? undefined) : undefined
  }
  if (homeAccountId) {
    const last = await cache.getAccountByHomeId(homeAccountId)
    if (last) return last
  }
  const accounts = await cache.getAllAccounts()
  return new Set(accounts.map((a) => a.homeAccountId)).size === 1 ? accounts[0] : undefined
}

/** The account the sign-in page should pre-fill: --login-hint, else the account asked for or used last. */
export async function loginHint(app: DelegatedApp, context: FlowContext): Promise<string | undefined> {
  const {account, homeAccountId, loginHint: hint} = context.options
  if (hint ?? account) return hint ?? account
  return homeAccountId ? (await app.getTokenCache().getAccountByHomeId(homeAccountId))?.username : undefined
}

/** Errors after which only a new sign-in helps: msal's interaction-required ones, and a refused grant (invalid_grant). */
const SIGN_IN_AGAIN = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
  'no_tokens_found',
  'no_account_in_silent_request',
])

function isInteractionRequired(error: unknown): boolean {
  const e = error as {name?: string; errorCode?: string}
  return e?.name === 'InteractionRequiredAuthError' || SIGN_IN_AGAIN.has(e?.errorCode ?? '')
}

/**
 * msal's cache first: a valid access token, else the refresh token when the access token expired. Returns
 * undefined when a person has to sign in (no account, no refresh token, refresh refused for interaction reasons);
 * other failures (network, bad client secret) are real errors.
 */
export async function trySilent(app: DelegatedApp, context: FlowContext): Promise<TokenResult | undefined> {
  if (context.options.force) return undefined
  const account = await findAccount(app, context)
  if (!account) return undefined
  try {
    const result = await app.acquireTokenSilent({account, scopes: context.scopes})
    return result ? tokenResult(result) : undefined
  } catch (error) {
    if (!isInteractionRequired(error)) throw error
    const why = toCliError(error, {profile: context.profile.name})
    context.reporter.status(
      `The cached sign-in of ${account.username} cannot be renewed silently (${why.code}); signing in again.`,
    )
    return undefined
  }
}

/** `refresh`: always redeems the refresh token (forceRefresh), never serves a cached access token. */
export async function refreshWithApp(app: DelegatedApp, context: FlowContext, flowName: string): Promise<TokenResult> {
  const {profile} = context
  const account = await findAccount(app, context)
  const signIn = `${BIN} get-token -p ${profile.name}${canonicalName(flowName) === canonicalName(profile.defaultFlow ?? '') ? '' : ` -f ${flowName}`}`
  if (!account) {
    const who = context.options.account
      ? `'${context.options.account}' has not signed in with profile '${profile.name}'`
      : `nobody has signed in with profile '${profile.name}' yet`
    throw new ConfigError(
      `No refresh token to redeem: ${who}. Sign in first: ${signIn}${context.options.account ? ` --login-hint ${context.options.account}` : ''}`,
      'NO_REFRESH_TOKEN',
    )
  }
  try {
    const result = await app.acquireTokenSilent({account, forceRefresh: true, scopes: context.scopes})
    if (!result) throw new CliError('The identity provider returned no token.')
    return tokenResult(result)
  } catch (error) {
    if ((error as {errorCode?: string}).errorCode === 'no_tokens_found') {
      throw new ConfigError(
        `No refresh token is cached for ${account.username} in profile '${profile.name}' (the sign-in did not include offline_access). Sign in again: ${signIn} --force`,
        'NO_REFRESH_TOKEN',
      )
    }
    throw error
  }
}

/**
 * The error that ends a wait for the user when the token service's signal fires: Ctrl-C keeps its own reason (exit
 * 130); --timeout becomes a message that says what was being waited for. Code SIGNIN_TIMEOUT tells the token
 * service this explanation is the flow's own.
 */
export function abortReason(signal: AbortSignal, timeoutMessage: string): Error {
  const reason = signal.reason as unknown
  // The token service aborts for exactly two reasons: Ctrl-C (a CliError, exit 130) and its --timeout deadline.
  if (reason instanceof CliError && reason.exitCode === ExitCode.Interrupted) return reason
  return new NetworkError(timeoutMessage, 'SIGNIN_TIMEOUT')
}

/** Resolves with `work`, or rejects as soon as the signal fires (after running `onAbort`, e.g. closing a listener). */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  timeoutMessage: string,
  onAbort?: () => void,
): Promise<T> {
  return raceAbort(work, signal, (reject) => {
    reject(abortReason(signal, timeoutMessage))
    onAbort?.()
  })
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
