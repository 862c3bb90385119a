/**
 * Directory state: tenants (GUID + verified domains) and app registrations. Kept apart from HTTP so grants and
 * pages only ask questions ("which tenant is this path segment?", "which app is this client_id here?").
 */
import {X509Certificate, createHash, randomUUID} from 'node:crypto'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Path segments Entra accepts in place of a tenant; they name no single directory. */
export const MULTI_TENANT_SEGMENTS = new Set(['common', 'organizations', 'consumers'])

export interface Tenant {
  id: string
  domains: string[]
}

export interface RegisteredCertificate {
  pem: string
  /** DER bytes, for comparing with an `x5c` entry. */
  der: Buffer
  /** base64url of the SHA-1 / SHA-256 DER hash: what an assertion's `x5t` / `x5t#S256` header must carry. */
  x5t: string
  x5tS256: string
  publicKey: X509Certificate['publicKey']
}

export interface AppRegistrationInput {
  tenantId: string
  clientId: string
  /** One or more valid secrets (Entra allows several during rotation). */
  clientSecret?: string | readonly string[]
  /** PEM of the uploaded certificate(s); only the first certificate of each PEM string counts. */
  certificatePem?: string | readonly string[]
  redirectUris?: readonly string[]
  /** "Allow public client flows": the app may use grants without a client credential. */
  publicClient?: boolean
  /** App roles granted to this app (appear as `roles` in its app-only tokens). */
  roles?: readonly string[]
  displayName?: string
  /** Federated identity credentials: tokens of these issuers/subjects are accepted as client assertions. */
  federatedCredentials?: readonly FederatedCredentialInput[]
}

/**
 * A federated identity credential on an app registration (workload identity federation): Entra accepts a JWT from
 * `issuer` with exactly this `subject` and one of `audiences` as the app's client assertion, after checking its
 * signature against the keys the issuer publishes (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`).
 */
export interface FederatedCredentialInput {
  issuer: string
  subject: string
  /** Default `api://AzureADTokenExchange`, as the portal sets it. */
  audiences?: readonly string[]
  /** CA to trust when fetching the issuer's metadata over HTTPS (stands in for the public PKI Entra relies on). */
  issuerCaPem?: string
}

export interface FederatedCredential {
  issuer: string
  subject: string
  audiences: string[]
  issuerCaPem?: string
}

export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange'

export interface AppRegistration {
  tenantId: string
  clientId: string
  /** Object id of the app's service principal in the tenant: the `oid`/`sub` of its app-only tokens. */
  servicePrincipalId: string
  secrets: string[]
  certificates: RegisteredCertificate[]
  redirectUris: string[]
  publicClient: boolean
  roles: string[]
  displayName: string
  federatedCredentials: FederatedCredential[]
}

export type TenantResolution =
  {kind: 'tenant'; tenant: Tenant} | {kind: 'multi'; name: string} | {kind: 'unknown'; name: string}

function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : [...value]
}

export function registeredCertificate(pem: string): RegisteredCertificate {
  const x509 = new X509Certificate(pem)
  const der = x509.raw
  return {
    pem: x509.toString(),
    der,
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    publicKey: x509.publicKey,
  }
}

export class Registry {
  private readonly tenants = new Map<string, Tenant>()
  private readonly domainToTenant = new Map<string, string>()
  /** key: `${tenantId}|${clientId}` (both lower case). */
  private readonly apps = new Map<string, AppRegistration>()

  registerTenant(tenantId: string, domains: readonly string[] = []): Tenant {
    if (!GUID.test(tenantId)) throw new Error(`tenant id must be a GUID, got '${tenantId}'`)
    const id = tenantId.toLowerCase()
    const tenant = this.tenants.get(id) ?? {id, domains: []}
    for (const domain of domains) {
      const d = domain.toLowerCase()
      if (!tenant.domains.includes(d)) tenant.domains.push(d)
      this.domainToTenant.set(d, id)
    }
    this.tenants.set(id, tenant)
    return tenant
  }

  /** A path segment as Entra reads it: a tenant GUID, one of its domains, or common/organizations/consumers. */
  resolveTenant(segment: string): TenantResolution {
    const s = segment.toLowerCase()
    if (MULTI_TENANT_SEGMENTS.has(s)) return {kind: 'multi', name: s}
    const id = this.tenants.has(s) ? s : this.domainToTenant.get(s)
    const tenant = id === undefined ? undefined : this.tenants.get(id)
    return tenant ? {kind: 'tenant', tenant} : {kind: 'unknown', name: segment}
  }

  registerApp(input: AppRegistrationInput): AppRegistration {
    const tenant = this.tenants.get(input.tenantId.toLowerCase())
    if (!tenant) throw new Error(`register tenant '${input.tenantId}' before its apps`)
    const app: AppRegistration = {
      tenantId: tenant.id,
      clientId: input.clientId.toLowerCase(),
      // Stable per (tenant, app) registration, as a service principal's object id is.
      servicePrincipalId: randomUUID(),
      secrets: toList(input.clientSecret),
      certificates: toList(input.certificatePem).map(registeredCertificate),
      redirectUris: [...(input.redirectUris ?? [])],
      publicClient: input.publicClient ?? false,
      roles: [...(input.roles ?? [])],
      displayName: input.displayName ?? `app ${input.clientId}`,
      federatedCredentials: (input.federatedCredentials ?? []).map((f) => ({
        audiences: [...(f.audiences ?? [TOKEN_EXCHANGE_AUDIENCE])],
        issuer: f.issuer,
        issuerCaPem: f.issuerCaPem,
        subject: f.subject,
      })),
    }
    this.apps.set(`${tenant.id}|${app.clientId}`, app)
    return app
  }

  findApp(tenantId: string, clientId: string): AppRegistration | undefined {
    return this.apps.get(`${tenantId.toLowerCase()}|${clientId.toLowerCase()}`)
  }

  /** Name Entra shows in AADSTS700016 ("not found in the directory '...'"): the first domain, else the GUID. */
  directoryName(tenant: Tenant): string {
    return tenant.domains[0] ?? tenant.id
  }
}

// ------------------------------------------------------------------------------------------------------ users

/** A user who can sign in on the provider's pages (delegated flows). */
export interface UserInput {
  tenantId: string
  /** User principal name, e.g. `alice@contoso.example`. */
  username: string
  password: string
  displayName?: string
}

export interface User {
  tenantId: string
  /** Object id: the `oid` of the user's tokens and the `uid` of client_info. */
  id: string
  username: string
  password: string
  displayName: string
}

/** OpenID Connect scopes: they never need consent and name no resource. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access'])

/**
 * Users and their consents, beside the {@link Registry} of tenants and apps. Consent is per (tenant, app, user)
 * and per scope, as Entra's user consent is: a scope the user has not consented to must go through the sign-in page.
 */
export class Directory {
  private readonly users = new Map<string, User>()
  private readonly consents = new Map<string, Set<string>>()

  constructor(private readonly registry: Registry) {}

  registerUser(input: UserInput): User {
    const resolved = this.registry.resolveTenant(input.tenantId)
    if (resolved.kind !== 'tenant') throw new Error(`register tenant '${input.tenantId}' before its users`)
    const user: User = {
      tenantId: resolved.tenant.id,
      id: randomUUID(),
      username: input.username,
      password: input.password,
      displayName: input.displayName ?? input.username.split('@')[0],
    }
    this.users.set(`${user.tenantId}|${user.username.toLowerCase()}`, user)
    return user
  }

  findUser(tenantId: string, username: string): User | undefined {
    return this.users.get(`${tenantId.toLowerCase()}|${username.trim().toLowerCase()}`)
  }

  userById(id: string): User | undefined {
    for (const user of this.users.values()) if (user.id === id) return user
    return undefined
  }

  /** Resource scopes (OIDC scopes dropped) the user has not yet consented to for this app. */
  missingConsent(user: User, clientId: string, scopes: readonly string[]): string[] {
    const granted = this.consents.get(consentKey(user, clientId)) ?? new Set<string>()
    return scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()) && !granted.has(s.toLowerCase()))
  }

  grantConsent(user: User, clientId: string, scopes: readonly string[]): void {
    const key = consentKey(user, clientId)
    const granted = this.consents.get(key) ?? new Set<string>()
    for (const s of scopes) if (!OIDC_SCOPES.has(s.toLowerCase())) granted.add(s.toLowerCase())
    this.consents.set(key, granted)
  }

  revokeConsent(user: User, clientId: string): void {
    this.consents.delete(consentKey(user, clientId))
  }
}

function consentKey(user: User, clientId: string): string {
  return `${user.tenantId}|${clientId.toLowerCase()}|${user.id}`
}

/**
 * Entra's redirect URI rule: an exact match, except that for loopback addresses (`http://localhost`,
 * `http://127.0.0.1`, `http://[::1]`) the port is ignored, so native apps may listen on any free port.
 */
export function redirectUriAllowed(app: AppRegistration, redirectUri: string): boolean {
  let wanted: URL
  try {
    wanted = new URL(redirectUri)
  } catch {
    return false
  }
  return app.redirectUris.some((registered) => {
    if (registered === redirectUri) return true
    let r: URL
    try {
      r = new URL(registered)
    } catch {
      return false
    }
    const loopback = ['localhost', '127.0.0.1', '[::1]']
    return (
      r.protocol === 'http:' &&
      wanted.protocol === 'http:' &&
      loopback.includes(r.hostname) &&
      r.hostname === wanted.hostname &&
      normalizePath(r.pathname) === normalizePath(wanted.pathname) &&
      !wanted.search &&
      !wanted.hash
    )
  })
}

function normalizePath(path: string): string {
  return path === '' ? '/' : path
}
