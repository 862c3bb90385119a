/**
 * The device code grant (RFC 8628 §3.4), under both names clients use: the URN the RFC defines and the
 * `device_code` msal-node 7 sends (Entra accepts both). Answers `authorization_pending` until the user signs in
 * on /devicelogin, `slow_down` to as many polls as a test asks for, `expired_token`, `access_denied` when the user
 * declined, and AADSTS53003 when a test makes Conditional Access block device code sign-in for the tenant.
 */
import {errorResponse, type IdpContext} from '../context.js'
import {DELEGATED} from '../delegated-errors.js'
import type {DelegatedState} from '../delegated-state.js'
import {json, type IdpResponse} from '../http.js'
import {delegatedClient} from './delegated-client.js'
import type {GrantHandler, GrantRequest} from '../token-endpoint.js'
import {issueUserTokens} from '../user-tokens.js'

export const DEVICE_CODE_URN = 'urn:ietf:params:oauth:grant-type:device_code'
export const DEVICE_CODE_MSAL = 'device_code'

export function deviceCodeGrant(state: DelegatedState): GrantHandler {
  return async (ctx: IdpContext, grant: GrantRequest): Promise<IdpResponse> => {
    const {req, form, tenant, credential} = grant
    const client = await delegatedClient(ctx, grant, DEVICE_CODE_URN, ['device_code'], (app) =>
      credential.kind === 'none' && !app.publicClient ? DELEGATED.publicClientNotAllowed() : undefined,
    )
    if (!client.ok) return client.response
    const {app, clientAuth} = client

    const device = state.deviceCode(form.device_code)
    if (!device || device.tenantId !== tenant.id || device.clientId !== app.clientId || device.status === 'redeemed') {
      return errorResponse(ctx, req, DELEGATED.invalidGrant('device_code'))
    }
    if (Date.now() > device.expiresAt) return errorResponse(ctx, req, DELEGATED.deviceCodeExpired())
    if (device.slowDownLeft > 0) {
      device.slowDownLeft -= 1
      return errorResponse(ctx, req, DELEGATED.slowDown())
    }
    if (state.deviceCodeBlocked(tenant.id)) return errorResponse(ctx, req, DELEGATED.conditionalAccessBlocked())
    if (device.status === 'pending') return errorResponse(ctx, req, DELEGATED.authorizationPending())
    if (device.status === 'denied') return errorResponse(ctx, req, DELEGATED.deviceCodeDenied())

    const user = device.userId ? state.directory.userById(device.userId) : undefined
    if (!user) return errorResponse(ctx, req, DELEGATED.invalidGrant('device_code'))
    device.status = 'redeemed'
    return json(
      200,
      await issueUserTokens(ctx, state, {
        app,
        clientAuth,
        clientInfo: form.client_info === '1',
        scopes: device.scopes,
        tenant,
        user,
      }),
    )
  }
}
