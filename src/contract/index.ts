/**
 * The contract between entra-auth-cli and the flows and secret stores that plug into it, built-in or installed
 * with `entra-auth-cli plugins install`. A plugin depends on this module (types only, plus two one-line helpers) and
 * declares its hooks in package.json:
 *
 *   "oclif": {"hooks": {"entra:flow:my-flow": "./dist/hooks/my-flow.js"}}
 *
 * The hook returns a registration (cheap to import); `create()` imports the heavy code when the flow is used.
 * Everything here is type-only at run time, so importing it costs nothing on the start-up path.
 */
import type {Hook, Hooks} from '@oclif/core/hooks'
import type {ICachePlugin, INetworkModule} from '@azure/msal-node'
import type {Profile} from './profile.js'

export type {AuthMethod, Cloud, Profile} from './profile.js'

// ---------------------------------------------------------------------------------------------------- secret stores

/** Keys look like `profile:<name>:client-secret`, `profile:<name>:certificate-password`, `profile:<name>:token-cache-key`. */
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
  scopes: string[]
  idToken?: string
  account?: {homeAccountId: string; username: string; tenantId: string; name?: string}
}

/** Status goes to stderr. `status` is silenced by --silent; `notice` is not (a device code, a URL to open). */
export interface Reporter {
  status(message: string): void
  notice(message: string): void
  warn(message: string): void
}

export interface PromptApi {
  input(message: string, options?: {default?: string}): Promise<string>
  password(message: string): Promise<string>
  confirm(message: string, options?: {default?: boolean}): Promise<boolean>
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
  networkClient: INetworkModule
  cachePlugin: ICachePlugin
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
  msal(): Promise<MsalSetup>
  /** A secret of this profile from the secret store that holds it (client secret, certificate password). */
  secret(kind: 'client-secret' | 'certificate-password'): Promise<string | undefined>
}

export interface Flow {
  acquireToken(context: FlowContext): Promise<TokenResult>
  /** Redeem the cached refresh token; flows without refresh tokens leave this out. */
  refresh?(context: FlowContext): Promise<TokenResult>
}

export interface FlowRegistration {
  /** The name people type: `-f ClientCredentials`. Matching ignores case and dashes. */
  name: string
  summary: string
  /** Needs a person (browser, device code, prompt): never chosen for scripts by default. */
  interactive: boolean
  supportsRefresh: boolean
  /** How long a run may take when the user gives no --timeout (default 120 s). */
  defaultTimeoutSeconds?: number
  create(): Promise<Flow>
}

// ------------------------------------------------------------------------------------------------------------ hooks

export const FLOW_EVENT_PREFIX = 'entra:flow:'
export const STORE_EVENT_PREFIX = 'entra:store:'

type FlowEvent = `entra:flow:${string}`
type StoreEvent = `entra:store:${string}`

export interface EntraHooks extends Hooks {
  [event: FlowEvent]: {options: Record<string, never>; return: FlowRegistration}
  [event: StoreEvent]: {options: Record<string, never>; return: StoreRegistration}
}

export type FlowHook = Hook<FlowEvent, EntraHooks>
export type StoreHook = Hook<StoreEvent, EntraHooks>

/** `export default defineFlow({...})` in a hook file registers a flow. */
export function defineFlow(registration: FlowRegistration): FlowHook {
  return async () => registration
}

/** `export default defineStore({...})` in a hook file registers a secret store. */
export function defineStore(registration: StoreRegistration): StoreHook {
  return async () => registration
}
