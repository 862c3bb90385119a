/**
 * What every endpoint module may read: where the provider lives, the directory, the signing key and the
 * token settings. Passed explicitly (no module-level state) so two providers can run in one test process.
 */
import {AADSTS, entraErrorResponse, type EntraError} from './errors.js'
import type {IdpRequest, IdpResponse} from './http.js'
import type {SigningKeys} from './keys.js'
import type {Registry, Tenant} from './registry.js'

export interface IdpContext {
  /** `https://127.0.0.1:PORT`; read at request time (the port is known only after listen). */
  readonly origin: string
  readonly registry: Registry
  readonly keys: SigningKeys
  /** Lifetime of issued access tokens in seconds; may be <= 0 to issue already expired tokens. */
  tokenLifetimeSeconds: number
  /** grant_type values the token endpoint dispatches (advertised in the metadata). */
  readonly grantTypes: readonly string[]
}

/** Entra's v2.0 issuer for a tenant. */
export function issuerFor(ctx: IdpContext, tenantId: string): string {
  return `${ctx.origin}/${tenantId}/v2.0`
}

export function tokenEndpointFor(ctx: IdpContext, tenantSegment: string): string {
  return `${ctx.origin}/${tenantSegment}/oauth2/v2.0/token`
}

export function errorResponse(ctx: IdpContext, req: IdpRequest, error: EntraError): IdpResponse {
  return entraErrorResponse(ctx.origin, req, error)
}

export type TenantLookup = {ok: true; tenant: Tenant} | {ok: false; response: IdpResponse}

/**
 * Resolve the `{tenant}` path segment of a tenant-specific endpoint (token, keys) or produce Entra's error:
 * AADSTS90002 for an unknown tenant, AADSTS50059 for common/organizations/consumers.
 */
export function requireTenant(ctx: IdpContext, req: IdpRequest, unknownTenantError = 'invalid_request'): TenantLookup {
  const segment = req.params.tenant ?? ''
  const resolved = ctx.registry.resolveTenant(segment)
  if (resolved.kind === 'tenant') return {ok: true, tenant: resolved.tenant}
  if (resolved.kind === 'multi') return {ok: false, response: errorResponse(ctx, req, AADSTS.noTenantInformation())}
  return {ok: false, response: errorResponse(ctx, req, AADSTS.tenantNotFound(segment, unknownTenantError))}
}
