/**
 * A small Entra-ID-compatible identity provider for tests, served over HTTPS on 127.0.0.1 with a fresh CA per
 * start. Real @azure/msal-node talks to it as to login.microsoftonline.com when told to trust the CA
 * (`NODE_EXTRA_CA_CERTS=idp.caCertPath` for a spawned CLI, or a network client with `idp.caCertPem`) and
 * given `knownAuthorities: [idp.host]`. (In-process msal: `createTrustingNetworkClient` in ./network-client.ts,
 * kept out of this module so the provider itself never loads msal or undici.)
 *
 *   const idp = await startIdp()
 *   idp.registerTenant(TENANT, ['contoso.example'])
 *   idp.registerApp({tenantId: TENANT, clientId: APP, clientSecret: 's3cret', roles: ['Data.Read']})
 *   // msal: authority idp.authority(TENANT), knownAuthorities [idp.host]
 *   await idp.stop()
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {JWTPayload} from 'jose'
import {createCertificateAuthority, issueServerCertificate} from '../certs.js'
import {issuerFor, tokenEndpointFor, type IdpContext} from './context.js'
import {FaultQueue, type FaultSpec} from './faults.js'
import {DelegatedState, type AuthorizeRecord, type DeviceCodeSettings} from './delegated-state.js'
import {AUTHORIZATION_CODE, authorizationCodeGrant} from './grants/authorization-code.js'
import {CLIENT_CREDENTIALS, clientCredentialsGrant} from './grants/client-credentials.js'
import {DEVICE_CODE_MSAL, DEVICE_CODE_URN, deviceCodeGrant} from './grants/device-code.js'
import {REFRESH_TOKEN, refreshTokenGrant} from './grants/refresh-token.js'
import {SigningKeys, type Jwks, type SignOptions} from './keys.js'
import {metadataRoutes, openIdConfiguration} from './metadata.js'
import {
  Directory,
  Registry,
  type AppRegistration,
  type AppRegistrationInput,
  type Tenant,
  type User,
  type UserInput,
} from './registry.js'
import {IdpServer, type TokenRequestRecord} from './server.js'
import {signInRoutes} from './sign-in.js'
import {tokenEndpointRoutes, type GrantHandler} from './token-endpoint.js'

export {TOKEN_EXCHANGE_AUDIENCE} from './registry.js'
export type {FederatedCredentialInput} from './registry.js'
export type {
  AppRegistration,
  AppRegistrationInput,
  AuthorizeRecord,
  DeviceCodeSettings,
  FaultSpec,
  Jwks,
  SignOptions,
  Tenant,
  TokenRequestRecord,
  User,
  UserInput,
}

export interface StartIdpOptions {
  /** Lifetime of issued access tokens (default 3599 s, Entra's usual `expires_in`). */
  tokenLifetimeSeconds?: number
  /** Listen on this port (default: a free one). */
  port?: number
}

export interface Idp {
  /** `https://127.0.0.1:PORT` */
  readonly origin: string
  /** `127.0.0.1:PORT`: what msal's `knownAuthorities` needs (the port is part of it). */
  readonly host: string
  readonly port: number
  /** PEM file of the CA that issued the server certificate (for NODE_EXTRA_CA_CERTS). Removed at process exit. */
  readonly caCertPath: string
  readonly caCertPem: string
  readonly running: boolean

  /** `${origin}/${tenant}`; tenant defaults to the first registered tenant (else `common`). */
  authority(tenant?: string): string
  /** Entra v2.0 issuer of a tenant: `${origin}/${tenantGuid}/v2.0`. */
  issuer(tenantId: string): string
  tokenEndpoint(tenant: string): string
  /** The v2.0 OpenID configuration document for a tenant path segment (what msal's `authorityMetadata` takes as JSON). */
  openIdConfiguration(tenant: string): Record<string, unknown>
  /** msal `cloudDiscoveryMetadata` for this host (JSON string), so msal skips instance discovery. */
  cloudDiscoveryMetadata(): string

  registerTenant(tenantId: string, domains?: string[]): Tenant
  registerApp(app: AppRegistrationInput): AppRegistration
  /** A user who can sign in on the provider's pages (delegated flows). */
  registerUser(user: UserInput): User

  // --- delegated flows
  /** Query parameters of every `/authorize` request, oldest first, since start or the last resetCounts(). */
  authorizeRequests(): AuthorizeRecord[]
  /** Every authorization code, device code and token issued so far (tests look for leaks of them). */
  issuedSecrets(): string[]
  /** Timing of device codes issued from now on (default: expires in 900 s, interval 5 s, no slow_down). */
  setDeviceCodeSettings(settings: Partial<DeviceCodeSettings>): void
  /** Conditional Access blocks device code sign-in in this tenant (AADSTS53003). */
  blockDeviceCode(tenantId: string, blocked?: boolean): void
  /** Refresh-token grants for this user answer AADSTS50076 (MFA required). */
  requireMfa(username: string, tenantId: string, required?: boolean): void
  /** Every refresh token issued so far answers AADSTS700082 (expired after inactivity). */
  expireRefreshTokens(): void
  /** The user's consents to an app are forgotten: the next sign-in asks again, refreshes answer AADSTS65001. */
  revokeConsent(username: string, tenantId: string, clientId: string): void

  /** Number of requests whose `"METHOD /path"` ends with `pathSuffix` (all requests without it). */
  requestCount(pathSuffix?: string): number
  /** `"METHOD /path"` (no query) -> count, since start or the last resetCounts(). */
  counts(): Record<string, number>
  /** Token endpoint requests (and device code requests), oldest first, secrets and assertions redacted. */
  tokenRequests(): TokenRequestRecord[]
  resetCounts(): void

  /** Queue a fault for the token endpoint; each token request consumes one (see FaultSpec). */
  injectFault(fault: FaultSpec): void
  clearFaults(): void
  pendingFaults(): number
  /** Lifetime of tokens issued from now on; <= 0 issues already expired tokens. */
  setTokenLifetime(seconds: number): void

  /** The RSA token-signing key: `kid`, public key (KeyObject) and its self-signed certificate. */
  readonly signingKey: Pick<SigningKeys, 'kid' | 'publicKey' | 'certificatePem'>
  /** The JWKS served at `/{tenant}/discovery/v2.0/keys` (without the per-tenant `issuer` field). */
  readonly jwks: Jwks
  /** Sign exactly `claims` with the provider key (or `options.privateKey`), for tests of token inspection. */
  signToken(claims: JWTPayload, options?: SignOptions): Promise<string>

  /** Close the listener and all sockets now. State (tenants, apps, keys, counts, CA) is kept. */
  stop(): Promise<void>
  /** Listen again on the same port. */
  start(): Promise<void>
  restart(): Promise<void>
}

/** grant_type -> handler. */
function grantHandlers(delegated: DelegatedState): Map<string, GrantHandler> {
  const deviceCode = deviceCodeGrant(delegated)
  return new Map<string, GrantHandler>([
    [CLIENT_CREDENTIALS, clientCredentialsGrant],
    [AUTHORIZATION_CODE, authorizationCodeGrant(delegated)],
    [REFRESH_TOKEN, refreshTokenGrant(delegated)],
    [DEVICE_CODE_URN, deviceCode],
    [DEVICE_CODE_MSAL, deviceCode],
  ])
}

const caDirs = new Set<string>()

function writeCaFile(caCertPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'entra-idp-'))
  const path = join(dir, 'ca.pem')
  writeFileSync(path, caCertPem, {mode: 0o644})
  // Spawned processes may need it until the very end, so remove it only when this process exits
  // (one exit listener for all providers a test run starts).
  if (caDirs.size === 0) process.once('exit', () => caDirs.forEach((d) => rmSync(d, {recursive: true, force: true})))
  caDirs.add(dir)
  return path
}

export async function startIdp(options: StartIdpOptions = {}): Promise<Idp> {
  const ca = createCertificateAuthority('entra-auth-cli test identity provider CA')
  const tls = issueServerCertificate(ca, {ip: '127.0.0.1', dns: 'localhost'})
  const caCertPath = writeCaFile(ca.certPem)
  const keys = await SigningKeys.create()
  const registry = new Registry()
  const faults = new FaultQueue()
  const directory = new Directory(registry)
  const delegated = new DelegatedState(directory)
  const grants = grantHandlers(delegated)

  let port = options.port ?? 0
  const originOf = (): string => `https://127.0.0.1:${port}`
  const ctx: IdpContext = {
    get origin() {
      return originOf()
    },
    registry,
    keys,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    grantTypes: [...grants.keys()],
  }
  const routes = [...metadataRoutes(ctx), ...tokenEndpointRoutes(ctx, grants), ...signInRoutes(ctx, delegated)]
  const server = new IdpServer({key: tls.keyPem, cert: tls.certPem}, routes, faults, originOf)
  port = await server.listen(port)
  const tenants: Tenant[] = []

  const idp: Idp = {
    origin: originOf(),
    host: `127.0.0.1:${port}`,
    port,
    caCertPath,
    caCertPem: ca.certPem,
    get running() {
      return server.running
    },
    authority: (tenant) => `${originOf()}/${tenant ?? tenants[0]?.id ?? 'common'}`,
    issuer: (tenantId) => issuerFor(ctx, tenantId.toLowerCase()),
    tokenEndpoint: (tenant) => tokenEndpointFor(ctx, tenant),
    openIdConfiguration: (tenant) => {
      const resolved = registry.resolveTenant(tenant)
      return openIdConfiguration(ctx, tenant, resolved.kind === 'tenant' ? resolved.tenant.id : undefined)
    },
    cloudDiscoveryMetadata: () => {
      const host = `127.0.0.1:${port}`
      return JSON.stringify({
        tenant_discovery_endpoint: `${originOf()}/{tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{preferred_network: host, preferred_cache: host, aliases: [host]}],
      })
    },
    registerTenant: (tenantId, domains) => {
      const tenant = registry.registerTenant(tenantId, domains)
      if (!tenants.includes(tenant)) tenants.push(tenant)
      return tenant
    },
    registerApp: (app) => registry.registerApp(app),
    registerUser: (user) => directory.registerUser(user),
    authorizeRequests: () => delegated.authorizeLog.map((r) => ({...r})),
    issuedSecrets: () => delegated.issuedSecrets(),
    setDeviceCodeSettings: (settings) => {
      Object.assign(delegated.deviceSettings, settings)
    },
    blockDeviceCode: (tenantId, blocked = true) => delegated.blockDeviceCode(tenantId, blocked),
    requireMfa: (username, tenantId, required = true) => {
      const user = directory.findUser(tenantId, username)
      if (!user) throw new Error(`no user '${username}' in tenant ${tenantId}`)
      delegated.requireMfa(user, required)
    },
    expireRefreshTokens: () => delegated.expireRefreshTokens(),
    revokeConsent: (username, tenantId, clientId) => {
      const user = directory.findUser(tenantId, username)
      if (!user) throw new Error(`no user '${username}' in tenant ${tenantId}`)
      directory.revokeConsent(user, clientId)
    },
    requestCount: (suffix) => server.requestCount(suffix),
    counts: () => server.counts(),
    tokenRequests: () => server.tokenRequests(),
    resetCounts: () => {
      server.resetCounts()
      delegated.authorizeLog.length = 0
    },
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    setTokenLifetime: (seconds) => {
      if (!Number.isFinite(seconds)) throw new Error(`token lifetime must be a number of seconds, got ${seconds}`)
      ctx.tokenLifetimeSeconds = Math.trunc(seconds)
    },
    signingKey: keys,
    jwks: keys.jwks(),
    signToken: (claims, signOptions) => keys.signToken(claims, signOptions),
    stop: () => server.close(),
    start: async () => {
      await server.listen(port)
    },
    restart: async () => {
      await server.close()
      await server.listen(port)
    },
  }
  return idp
}
