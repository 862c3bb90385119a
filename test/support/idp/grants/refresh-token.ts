/**
 * grant_type=refresh_token. Rotates: every redemption returns a new refresh token (with `offline_access`) and
 * retires the old one, so a client that keeps using a stale one is caught (AADSTS70000). A refresh token may be
 * redeemed for any scope the user has consented to for the app; another scope needs an interactive sign-in
 * (AADSTS65001, as Entra answers). Tests can expire refresh tokens (AADSTS700082) or demand MFA (AADSTS50076).
 */
import {errorResponse, type IdpContext} from '../context.js'
import {DELEGATED} from '../delegated-errors.js'
import type {DelegatedState} from '../delegated-state.js'
import {AADSTS} from '../errors.js'
import {json, type IdpResponse} from '../http.js'
import {delegatedClient} from './delegated-client.js'
import type {GrantHandler, GrantRequest} from '../token-endpoint.js'
import {issueUserTokens, resourceScopes, splitScope} from '../user-tokens.js'

export const REFRESH_TOKEN = 'refresh_token'

export function refreshTokenGrant(state: DelegatedState): GrantHandler {
  return async (ctx: IdpContext, grant: GrantRequest): Promise<IdpResponse> => {
    const {req, form, tenant} = grant
    const client = await delegatedClient(ctx, grant, REFRESH_TOKEN, ['refresh_token'])
    if (!client.ok) return client.response
    const {app, clientAuth} = client

    const entry = state.refreshToken(form.refresh_token)
    if (!entry || entry.revoked || entry.tenantId !== tenant.id || entry.clientId !== app.clientId) {
      return errorResponse(ctx, req, DELEGATED.invalidGrant('refresh_token'))
    }
    if (entry.expired) return errorResponse(ctx, req, DELEGATED.refreshTokenExpired(entry.issuedAt))
    const user = state.directory.userById(entry.userId)
    if (!user) return errorResponse(ctx, req, DELEGATED.invalidGrant('refresh_token'))
    const scopes = splitScope(form.scope)
    if (resourceScopes(scopes).length === 0) return errorResponse(ctx, req, AADSTS.missingParameter('scope'))
    if (state.mfaRequired(user.id))
      return errorResponse(ctx, req, DELEGATED.mfaRequired(resourceScopes(scopes).join(' ')))
    if (state.directory.missingConsent(user, app.clientId, scopes).length > 0) {
      return errorResponse(ctx, req, DELEGATED.consentRequired(app.clientId, app.displayName))
    }
    const body = await issueUserTokens(ctx, state, {
      app,
      clientAuth,
      clientInfo: form.client_info === '1',
      scopes,
      tenant,
      user,
    })
    if (body.refresh_token) entry.revoked = true
    return json(200, body)
  }
}
