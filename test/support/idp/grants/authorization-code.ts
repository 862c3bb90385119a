/**
 * grant_type=authorization_code: redeems a code from the sign-in page once, for the app it was issued to, with
 * the redirect URI it was issued for, and only with the PKCE `code_verifier` whose S256 hash is the
 * `code_challenge` of the authorization request (RFC 7636 §4.6). Public clients ("Allow public client flows")
 * present no credential; confidential ones must.
 */
import {createHash, timingSafeEqual} from 'node:crypto'
import {delegatedClient} from './delegated-client.js'
import {errorResponse, type IdpContext} from '../context.js'
import {DELEGATED} from '../delegated-errors.js'
import type {DelegatedState} from '../delegated-state.js'
import {AADSTS} from '../errors.js'
import {json, type IdpResponse} from '../http.js'
import type {GrantHandler, GrantRequest} from '../token-endpoint.js'
import {issueUserTokens} from '../user-tokens.js'

export const AUTHORIZATION_CODE = 'authorization_code'

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function authorizationCodeGrant(state: DelegatedState): GrantHandler {
  return async (ctx: IdpContext, grant: GrantRequest): Promise<IdpResponse> => {
    const {req, form, tenant} = grant
    const client = await delegatedClient(ctx, grant, AUTHORIZATION_CODE, ['code', 'redirect_uri'])
    if (!client.ok) return client.response
    const {app, clientAuth} = client

    const entry = state.code(form.code)
    if (!entry || entry.tenantId !== tenant.id || entry.clientId !== app.clientId)
      return errorResponse(ctx, req, DELEGATED.invalidGrant('code'))
    if (entry.redeemed) return errorResponse(ctx, req, DELEGATED.codeRedeemed())
    if (Date.now() > entry.expiresAt) return errorResponse(ctx, req, DELEGATED.codeExpired())
    if (entry.redirectUri !== form.redirect_uri) return errorResponse(ctx, req, DELEGATED.redirectUriMismatch())
    if (!form.code_verifier) return errorResponse(ctx, req, AADSTS.missingParameter('code_verifier'))
    if (!sameText(s256(form.code_verifier), entry.codeChallenge))
      return errorResponse(ctx, req, DELEGATED.pkceMismatch())
    entry.redeemed = true

    const user = state.directory.userById(entry.userId)
    if (!user) return errorResponse(ctx, req, DELEGATED.invalidGrant('code'))
    // The token covers what the user consented to on the sign-in page (the redemption's `scope` only repeats it).
    return json(
      200,
      await issueUserTokens(ctx, state, {
        app,
        clientAuth,
        clientInfo: form.client_info === '1',
        nonce: entry.nonce,
        scopes: entry.scopes,
        tenant,
        user,
      }),
    )
  }
}
