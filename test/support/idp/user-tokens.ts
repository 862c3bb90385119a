/**
 * Delegated (user) token responses as Entra v2.0 returns them to a native app: an access token for the resource of
 * the requested scopes, an id token when `openid` was asked for, a refresh token only with `offline_access`, and
 * `client_info` (base64url `{"uid": oid, "utid": tid}`, from which msal builds the home account id) when the client
 * sent `client_info=1`.
 */
import {createHash, randomBytes} from 'node:crypto'
import type {JWTPayload} from 'jose'
import {issuerFor, type IdpContext} from './context.js'
import type {DelegatedState} from './delegated-state.js'
import {OIDC_SCOPES, type AppRegistration, type Tenant, type User} from './registry.js'
import type {ClientAuthKind} from './tokens.js'

const GRAPH = 'https://graph.microsoft.com'
const AZPACR: Record<ClientAuthKind, string> = {none: '0', secret: '1', assertion: '2'}
const ID_TOKEN_LIFETIME = 3600

export function splitScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))]
}

export function resourceScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()))
}

/** `User.Read` and `https://graph.microsoft.com/User.Read` are Graph's; `api://app/Data.Read` is `api://app`'s. */
function resourceOf(scope: string): {resource: string; name: string} {
  const slash = scope.lastIndexOf('/')
  if (slash < 0 || !/^[a-z][a-z\d+.-]*:\/\//i.test(scope)) return {name: scope, resource: GRAPH}
  return {name: scope.slice(slash + 1), resource: scope.slice(0, slash)}
}

function opaqueId(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

export interface UserTokenRequest {
  tenant: Tenant
  app: AppRegistration
  user: User
  /** Everything the client asked for, OIDC scopes included. */
  scopes: string[]
  clientAuth: ClientAuthKind
  clientInfo: boolean
  nonce?: string
}

export async function issueUserTokens(
  ctx: IdpContext,
  state: DelegatedState,
  request: UserTokenRequest,
): Promise<Record<string, unknown>> {
  const {tenant, app, user, scopes} = request
  const lower = new Set(scopes.map((s) => s.toLowerCase()))
  const resources = resourceScopes(scopes).map(resourceOf)
  const resource = resources[0]?.resource ?? GRAPH
  const now = Math.floor(Date.now() / 1000)
  const lifetime = ctx.tokenLifetimeSeconds
  const exp = now + lifetime
  const iat = Math.min(now - 300, exp - 60)
  // `sub` is pairwise: the same user has a different subject in every app.
  const sub = createHash('sha256').update(`${user.id}|${app.clientId}`).digest('base64url').slice(0, 43)
  const issuer = issuerFor(ctx, tenant.id)
  const scp = resources.map((r) => r.name).join(' ') || 'openid profile email'

  const access: JWTPayload = {
    aud: resource,
    iss: issuer,
    iat,
    nbf: iat,
    exp,
    aio: opaqueId(32),
    azp: app.clientId,
    azpacr: AZPACR[request.clientAuth],
    name: user.displayName,
    oid: user.id,
    preferred_username: user.username,
    rh: `${opaqueId(24)}.`,
    scp,
    sub,
    tid: tenant.id,
    uti: opaqueId(16),
    ver: '2.0',
  }
  const accessToken = await ctx.keys.signToken(access)
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    // Entra echoes the resource scopes as asked plus the OIDC ones it honoured; never offline_access.
    scope: [...resourceScopes(scopes), ...['openid', 'profile', 'email'].filter((s) => lower.has(s))].join(' '),
    expires_in: exp - now,
    ext_expires_in: exp - now,
    access_token: accessToken,
  }
  state.recordIssued(accessToken)

  if (lower.has('offline_access')) {
    body.refresh_token = state.issueRefreshToken({tenantId: tenant.id, clientId: app.clientId, userId: user.id})
  }
  if (lower.has('openid')) {
    const idClaims: JWTPayload = {
      aud: app.clientId,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + ID_TOKEN_LIFETIME,
      name: user.displayName,
      ...(request.nonce ? {nonce: request.nonce} : {}),
      oid: user.id,
      preferred_username: user.username,
      rh: `${opaqueId(24)}.`,
      sub,
      tid: tenant.id,
      uti: opaqueId(16),
      ver: '2.0',
    }
    const idToken = await ctx.keys.signToken(idClaims)
    body.id_token = idToken
    state.recordIssued(idToken)
  }
  if (request.clientInfo) body.client_info = clientInfo(user)
  return body
}

export function clientInfo(user: User): string {
  return Buffer.from(JSON.stringify({uid: user.id, utid: user.tenantId})).toString('base64url')
}
