/**
 * `POST /{tenant}/oauth2/v2.0/token`: tenant resolution, form parsing and dispatch by `grant_type` to one
 * module per grant. Adding authorization_code / refresh_token / device_code means adding a GrantHandler to
 * the map given to `tokenEndpointRoutes`; nothing here changes.
 */
import {errorResponse, requireTenant, tokenEndpointFor, type IdpContext} from './context.js'
import {AADSTS} from './errors.js'
import {parseForm, type IdpRequest, type IdpResponse, type Route} from './http.js'
import {presentedCredential, type PresentedCredential} from './client-auth.js'
import type {Tenant} from './registry.js'

export interface GrantRequest {
  req: IdpRequest
  form: Record<string, string>
  tenant: Tenant
  credential: PresentedCredential
  /** Token endpoint URLs naming this tenant (GUID and each domain): valid `aud` values of client assertions. */
  tokenEndpoints: string[]
}

export type GrantHandler = (ctx: IdpContext, grant: GrantRequest) => Promise<IdpResponse>

export const TOKEN_PATH = /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/

async function handleToken(
  ctx: IdpContext,
  grants: ReadonlyMap<string, GrantHandler>,
  req: IdpRequest,
): Promise<IdpResponse> {
  const lookup = requireTenant(ctx, req)
  if (!lookup.ok) return lookup.response
  const {tenant} = lookup
  const form = parseForm(req.body)
  const grantType = form.grant_type
  if (!grantType) return errorResponse(ctx, req, AADSTS.missingParameter('grant_type'))
  const handler = grants.get(grantType)
  if (!handler) return errorResponse(ctx, req, AADSTS.unsupportedGrantType(grantType))
  const tokenEndpoints = [tenant.id, ...tenant.domains].map((t) => tokenEndpointFor(ctx, t))
  return handler(ctx, {req, form, tenant, credential: presentedCredential(req, form), tokenEndpoints})
}

export function tokenEndpointRoutes(ctx: IdpContext, grants: ReadonlyMap<string, GrantHandler>): Route[] {
  return [
    {method: 'POST', pattern: TOKEN_PATH, faultable: true, handler: (req) => handleToken(ctx, grants, req)},
    {method: 'GET', pattern: TOKEN_PATH, handler: (req) => errorResponse(ctx, req, AADSTS.postOnly(req.method))},
  ]
}
