/**
 * grant_type=client_credentials (app-only tokens). Checks in Entra's order: required parameters, the app in
 * this tenant, the client credential, then the scope, which must be exactly one `<resource>/.default`; the
 * resource becomes the token's `aud` (`https://graph.microsoft.com/.default` -> `https://graph.microsoft.com`).
 */
import {authenticateClient, requestClientId} from '../client-auth.js'
import {errorResponse, type IdpContext} from '../context.js'
import {AADSTS} from '../errors.js'
import {json, type IdpResponse} from '../http.js'
import {issueAppToken} from '../tokens.js'
import type {GrantRequest} from '../token-endpoint.js'

export const CLIENT_CREDENTIALS = 'client_credentials'

/** The resource of a client-credentials scope, or undefined when the scope is not exactly one `<resource>/.default`. */
export function defaultScopeResource(scope: string): string | undefined {
  const scopes = scope.split(' ').filter(Boolean)
  if (scopes.length !== 1) return undefined
  const match = /^(.+)\/\.default$/.exec(scopes[0])
  return match ? match[1] : undefined
}

export async function clientCredentialsGrant(ctx: IdpContext, grant: GrantRequest): Promise<IdpResponse> {
  const {req, form, tenant, credential} = grant
  const clientId = requestClientId(form, credential)
  if (!clientId) return errorResponse(ctx, req, AADSTS.missingParameter('client_id'))
  if (form.scope === undefined) return errorResponse(ctx, req, AADSTS.missingParameter('scope'))

  const app = ctx.registry.findApp(tenant.id, clientId)
  if (!app) return errorResponse(ctx, req, AADSTS.unknownApplication(clientId, ctx.registry.directoryName(tenant)))

  const auth = await authenticateClient(app, credential, CLIENT_CREDENTIALS, {audiences: grant.tokenEndpoints})
  if (!auth.ok) return errorResponse(ctx, req, auth.error)

  const resource = defaultScopeResource(form.scope)
  if (resource === undefined) return errorResponse(ctx, req, AADSTS.invalidScope(form.scope))

  return json(200, await issueAppToken(ctx, tenant, app, resource, auth.kind))
}
