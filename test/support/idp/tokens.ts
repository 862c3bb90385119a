/**
 * Access tokens as Entra v2.0 issues them: RS256 JWTs signed with the provider key (header `typ`, `alg`, `kid`),
 * and the token response body msal-node caches. Grants decide *whether* to issue; this decides *what*.
 */
import {randomBytes} from 'node:crypto'
import type {JWTPayload} from 'jose'
import {issuerFor, type IdpContext} from './context.js'
import type {AppRegistration, Tenant} from './registry.js'

/** How the client proved itself: Entra's `azpacr` ("0" public, "1" secret, "2" certificate). */
export type ClientAuthKind = 'secret' | 'assertion' | 'none'

const AZPACR: Record<ClientAuthKind, string> = {none: '0', secret: '1', assertion: '2'}

export interface TokenResponseBody {
  token_type: 'Bearer'
  expires_in: number
  ext_expires_in: number
  access_token: string
  scope?: string
  refresh_token?: string
  id_token?: string
}

/** Random base64url like Entra's `uti` / `aio` / `rh`: makes every token unique even within one second. */
function opaqueId(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * Times as Entra sets them: `iat` and `nbf` five minutes in the past (clock-skew allowance), `exp` at
 * now + lifetime. A lifetime <= 0 gives a token that is already expired; `nbf` is kept before `exp`.
 */
function tokenTimes(lifetimeSeconds: number): {iat: number; nbf: number; exp: number; now: number} {
  const now = Math.floor(Date.now() / 1000)
  const exp = now + lifetimeSeconds
  const iat = Math.min(now - 300, exp - 60)
  return {now, iat, nbf: iat, exp}
}

/** An app-only access token (client credentials): `sub` == `oid` == the app's service principal. */
export async function issueAppToken(
  ctx: IdpContext,
  tenant: Tenant,
  app: AppRegistration,
  resource: string,
  clientAuth: ClientAuthKind,
): Promise<TokenResponseBody> {
  const {now, iat, nbf, exp} = tokenTimes(ctx.tokenLifetimeSeconds)
  const claims: JWTPayload = {
    aud: resource,
    iss: issuerFor(ctx, tenant.id),
    iat,
    nbf,
    exp,
    aio: opaqueId(32),
    appid: app.clientId,
    azp: app.clientId,
    azpacr: AZPACR[clientAuth],
    idtyp: 'app',
    oid: app.servicePrincipalId,
    rh: `${opaqueId(24)}.`,
    ...(app.roles.length > 0 ? {roles: [...app.roles]} : {}),
    sub: app.servicePrincipalId,
    tid: tenant.id,
    uti: opaqueId(16),
    ver: '2.0',
  }
  const accessToken = await ctx.keys.signToken(claims)
  const expiresIn = exp - now
  return {token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken}
}
