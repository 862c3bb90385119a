/**
 * The contract between entra-auth-cli and the flows and secret stores that plug into it, built-in or installed
 * with `entra-auth-cli plugins install`. It is published on its own as the package `entra-auth-cli-plugin-api`
 * (packages/plugin-api, built from this folder), which has no dependencies: a plugin imports it at run time (its
 * define helpers and PluginError) or only its types. The CLI is never a plugin's run-time dependency.
 *
 * A plugin declares its hooks in package.json:
 *
 *   "oclif": {"hooks": {"entra:flow:my-flow": "./dist/hooks/my-flow.js"}}
 *
 * The hook returns a registration (cheap to import); `create()` imports the heavy code when the flow is used.
 * Nothing here imports msal or oclif: the types below are structural, so a MsalSetup spreads into msal-node's
 * Configuration and a hook built with defineFlow is what oclif calls.
 */
import {CONTRACT_VERSION} from './version.js'
import type {Profile} from './profile.js'

export {CONTRACT_VERSION} from './version.js'
export {ERROR_KINDS, errorKindOf, PluginError, type ErrorKind} from './errors.js'
export type {AuthMethod, Cloud, Profile} from './profile.js'

// ---------------------------------------------------------------------------------------------------- secret stores

/**
 * Keys look like `profile:<name>:client-secret`, `profile:<name>:certificate-password`,
 * `profile:<name>:token-cache-key`, `profile:<name>:option:<option>` (a flow's secret option). A flow that keeps
 * secrets of its own declares them as secret options, so that `config delete` and a rename find them.
 */
export interface SecretStore {
  readonly name: string
  /** Where the secrets live, for people: "OS keyring (Secret Service)", "encrypted file ~/.entra-auth-cli/secrets.enc". */
  readonly location: string
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  /** Resolves true when something was deleted, false when there was nothing to delete. */
  delete(key: string): Promise<boolean>
}

export type Availability = {available: true} | {available: false; reason: string}

export interface StoreRegistration {
  /** The contract version the store was written against; defineStore fills it in. */
  contractVersion: number
  /** Must match the hook event's name (`entra:store:<name>`), ignoring case and dashes. */
  name: string
  summary: string
  /** Higher wins when the user has not chosen a store with ENTRA_AUTH_CLI_STORE. */
  priority: number
  /** Must be true: entra-auth-cli never keeps secrets in plaintext. */
  encrypted: true
  isAvailable(): Promise<Availability>
  /**
   * `interactive: false` (the get-token fast path) means: never prompt; fail instead, and the caller falls back to
   * the full command, which may ask.
   */
  create(options?: {interactive?: boolean}): Promise<SecretStore>
}

// ------------------------------------------------------------------------------------------------------------ flows

export interface TokenResult {
  accessToken: string
  expiresOn: Date
  tokenType: string
  /** The scopes the token is good for; the cache serves it for any request asking for a subset of them. */
  scopes: string[]
  idToken?: string
  /** The signed-in user, for `kind: 'user'` flows; app-only tokens have none. */
  account?: {homeAccountId: string; username: string; tenantId: string; name?: string}
}

/** Status goes to stderr. `status` is silenced by --silent; `notice` is not (a device code, a URL to open). */
export interface Reporter {
  status(message: string): void
  notice(message: string): void
  warn(message: string): void
}

/** Prompts on the terminal (on stderr, so stdout keeps only the token). They fail when no terminal is attached. */
export interface PromptApi {
  input(message: string, options?: {default?: string}): Promise<string>
  password(message: string): Promise<string>
  confirm(message: string, options?: {default?: boolean}): Promise<boolean>
}

/** msal-node's NetworkResponse, structurally. */
export interface NetworkResponse<T> {
  headers: Record<string, string>
  body: T
  status: number
}

/** msal-node's NetworkRequestOptions, structurally. */
export interface NetworkRequestOptions {
  headers?: Record<string, string>
  body?: string
}

/** msal-node's INetworkModule, structurally: the CLI's proxy-aware HTTP client, bounded by the run's deadline. */
export interface NetworkModule {
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>>
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>>
}

/** msal-node's TokenCacheContext, structurally: the part a cache plugin uses. */
export interface TokenCacheContextLike {
  readonly cacheHasChanged: boolean
  readonly tokenCache: {serialize(): string; deserialize(cache: string): void}
}

/** msal-node's ICachePlugin, structurally. */
export interface CachePlugin {
  beforeCacheAccess(context: TokenCacheContextLike): Promise<void>
  afterCacheAccess(context: TokenCacheContextLike): Promise<void>
}

/**
 * What a flow needs to talk to the authority the way the rest of the CLI does: the authority with its cached
 * metadata (so a warm acquisition is one token request and works behind a firewall), the proxy-aware network
 * client, and the encrypted, locked token cache. Spread it into a msal-node Configuration.
 */
export interface MsalSetup {
  authority: string
  knownAuthorities: string[]
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  networkClient: NetworkModule
  cachePlugin: CachePlugin
}

export interface FlowOptions {
  /** Skip every cache and go to the identity provider. */
  force: boolean
  /** UPN of the account to use when a profile has signed in several (--account). */
  account?: string
  /** Pre-fill on the sign-in page (--login-hint); like `account`, it names the cached account to use. */
  loginHint?: string
  /**
   * msal home account id of the account the profile used last; given when neither `account` nor `loginHint` is.
   * Look it up with msal's `getTokenCache().getAccountByHomeId()`: user names are not unique (a re-created user,
   * guests).
   */
  homeAccountId?: string
  noBrowser?: boolean
  timeoutMs: number
}

export interface FlowContext {
  profile: Profile
  scopes: string[]
  /** The store holding this profile's secrets, for flows that keep secrets of their own (key them `profile:<name>:...`). */
  secretStore(): Promise<SecretStore>
  reporter: Reporter
  prompt: PromptApi
  /** Fires at the deadline and on Ctrl-C: stop waiting, close what you opened, and reject. */
  signal: AbortSignal
  options: FlowOptions
  /** Milliseconds left before `signal` fires for the deadline (--timeout, else the flow's default). */
  timeLeft(): number
  /**
   * For a flow that turns to a slower way of signing in (InteractiveBrowser falling back to a device code, which
   * lives 15 minutes): when the user gave no --timeout, moves the deadline to `ms` from now (at most 15 minutes,
   * never earlier). Returns the time left afterwards; a --timeout the user gave stays as it is.
   */
  extendDeadline(ms: number): number
  /**
   * For flows built on msal-node: the authority, its cached metadata, the network client and the encrypted cache.
   * Flows that do not use msal never call it; the CLI caches the TokenResult they return itself.
   */
  msal(): Promise<MsalSetup>
  /** A secret of this profile from the secret store that holds it (client secret, certificate password). */
  secret(kind: 'client-secret' | 'certificate-password'): Promise<string | undefined>
  /**
   * The value of one of the options the flow declares (FlowRegistration.options) for this profile: from the
   * profile, or from the secret store for a secret option. Undefined when the profile has none.
   */
  option(name: string): Promise<string | undefined>
}

export interface Flow {
  acquireToken(context: FlowContext): Promise<TokenResult>
  /** Redeem the cached refresh token; flows without refresh tokens leave this out. */
  refresh?(context: FlowContext): Promise<TokenResult>
}

/** Whether a flow uses a standard profile field: it must be given, it may be given, or it means nothing to the flow. */
export type FieldUse = 'required' | 'optional' | 'unused'

/** The standard profile fields a flow uses. Omitted entries default to: tenant and client id required, credential optional. */
export interface ProfileFields {
  /** `--tenant-id` (and with it the authority or cloud). */
  tenant?: FieldUse
  /** `--client-id`. */
  clientId?: FieldUse
  /** A client secret or certificate (`--auth-method ClientSecret|Certificate`); `unused` means auth method None. */
  credential?: FieldUse
}

/**
 * A setting of the flow's own, kept with the profile: `config create --option name=value`, asked for by the
 * wizard and the edit menu, shown by `config show`. A secret option goes to the secret store (never profiles.json,
 * never argv: `--option-stdin name` or a prompt), under `profile:<profile>:option:<name>`.
 */
export interface ProfileOption {
  /** Lower-case letters, digits and dashes, starting with a letter: `resource-id`. */
  name: string
  description: string
  required?: boolean
  secret?: boolean
}

export interface FlowRegistration {
  /** The contract version the flow was written against; defineFlow fills it in. */
  contractVersion: number
  /** The name people type: `-f ClientCredentials`. Must match the hook event's name ignoring case and dashes. */
  name: string
  /** One line for `entra-auth-cli flows` and `-f` help. */
  summary: string
  /**
   * Whose tokens the flow gets. `app-only`: the application's own (client credentials, a managed identity): one per
   * profile and scope set, served from the cache to anyone using the profile. `user`: a signed-in user's, cached per
   * account (TokenResult.account is required).
   */
  kind: 'app-only' | 'user'
  /** Needs a person (browser, device code, prompt): never chosen for scripts by default. */
  interactive: boolean
  supportsRefresh: boolean
  /** How long a run may take when the user gives no --timeout (default 120 s). */
  defaultTimeoutSeconds?: number
  /** Which standard profile fields the flow uses; `config create` asks only for those. */
  profileFields?: ProfileFields
  /** Settings of the flow's own, kept with the profile. */
  options?: ProfileOption[]
  /**
   * Environment variables that supply a standard profile field when `config create` is not given it (the
   * workload's platform sets them, e.g. AZURE_TENANT_ID in a Kubernetes pod). Read once, at creation.
   */
  environmentDefaults?: {tenantId?: string; clientId?: string; authority?: string}
  create(): Promise<Flow>
}

// ------------------------------------------------------------------------------------------------------------ hooks

export const FLOW_EVENT_PREFIX = 'entra:flow:'
export const STORE_EVENT_PREFIX = 'entra:store:'

/**
 * A hook file's default export. entra-auth-cli (through oclif, or its own loader on the fast path) calls it with
 * an options object and uses the registration it resolves to.
 */
export type FlowHook = (this: unknown, options?: object) => Promise<FlowRegistration>
export type StoreHook = (this: unknown, options?: object) => Promise<StoreRegistration>

type Definition<T> = Omit<T, 'contractVersion'> & {contractVersion?: number}

/** `export default defineFlow({...})` in a hook file registers a flow, stamped with this contract's version. */
export function defineFlow(registration: Definition<FlowRegistration>): FlowHook {
  const stamped = {
    ...registration,
    contractVersion: registration.contractVersion ?? CONTRACT_VERSION,
  } as FlowRegistration
  return async () => stamped
}

/** `export default defineStore({...})` in a hook file registers a secret store, stamped with this contract's version. */
export function defineStore(registration: Definition<StoreRegistration>): StoreHook {
  const stamped = {
    ...registration,
    contractVersion: registration.contractVersion ?? CONTRACT_VERSION,
  } as StoreRegistration
  return async () => stamped
}
