/**
 * How the delegated grants (authorization_code, device_code, refresh_token) begin, in the order Entra checks: a
 * client id, the grant's own parameters, an app registered in the tenant, then the client's credential, where a
 * public client ("Allow public client flows") may present none.
 */
import {authenticateClient, requestClientId} from '../client-auth.js'
import {errorResponse, type IdpContext} from '../context.js'
import {AADSTS, type EntraError} from '../errors.js'
import type {IdpResponse} from '../http.js'
import type {AppRegistration} from '../registry.js'
import type {GrantRequest} from '../token-endpoint.js'
import type {ClientAuthKind} from '../tokens.js'

export type ClientLookup =
  {ok: true; app: AppRegistration; clientAuth: ClientAuthKind} | {ok: false; response: IdpResponse}

export async function delegatedClient(
  ctx: IdpContext,
  grant: GrantRequest,
  grantType: string,
  parameters: readonly string[],
  /** A refusal of the app that comes before its credential is checked. */
  refuse: (app: AppRegistration) => EntraError | undefined = () => undefined,
): Promise<ClientLookup> {
  const {req, form, tenant, credential} = grant
  const fail = (error: EntraError): ClientLookup => ({ok: false, response: errorResponse(ctx, req, error)})
  const clientId = requestClientId(form, credential)
  if (!clientId) return fail(AADSTS.missingParameter('client_id'))
  const missing = parameters.find((name) => !form[name])
  if (missing) return fail(AADSTS.missingParameter(missing))
  const app = ctx.registry.findApp(tenant.id, clientId)
  if (!app) return fail(AADSTS.unknownApplication(clientId, ctx.registry.directoryName(tenant)))
  const refused = refuse(app)
  if (refused) return fail(refused)
  const auth = await authenticateClient(
    app,
    credential,
    grantType,
    {audiences: grant.tokenEndpoints},
    {allowPublic: true},
  )
  return auth.ok ? {ok: true, app, clientAuth: auth.kind} : fail(auth.error)
}
