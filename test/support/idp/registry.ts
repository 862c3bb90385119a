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
}

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
}

export type TenantResolution =
  | {kind: 'tenant'; tenant: Tenant}
  | {kind: 'multi'; name: string}
  | {kind: 'unknown'; name: string}

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
