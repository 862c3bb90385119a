/**
 * Discovery endpoints: v2.0 OpenID configuration, JWKS and Entra's cloud instance discovery.
 *
 * msal-node (msal-common Authority) needs from the OpenID configuration only `authorization_endpoint`,
 * `token_endpoint`, `issuer` and `jwks_uri` (isOpenIdConfigResponse); `end_session_endpoint` is read for sign-out.
 * It requires the issuer's scheme+host+port to equal the authority's. Everything else is here so that other
 * clients (the CLI's `discover`, oidc libraries) see a document shaped like login.microsoftonline.com's.
 */
import {errorResponse, issuerFor, type IdpContext} from './context.js'
import {AADSTS, entraErrorResponse} from './errors.js'
import {json, type IdpRequest, type IdpResponse, type Route} from './http.js'

const TENANT = '(?<tenant>[^/]+)'

/**
 * Entra answers `/{domain}/...` with endpoints naming the tenant GUID (msal then swaps the GUID back for the
 * domain it was configured with). For common/organizations/consumers the endpoints keep that segment and the
 * issuer carries the literal `{tenantid}` template.
 */
export function openIdConfiguration(
  ctx: IdpContext,
  tenantSegment: string,
  tenantId: string | undefined,
): Record<string, unknown> {
  const o = ctx.origin
  const t = tenantId ?? tenantSegment
  return {
    token_endpoint: `${o}/${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${o}/${t}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    // Not in Entra's document (it omits the field); standard OIDC discovery, and lists what this provider does.
    grant_types_supported: [...ctx.grantTypes],
    code_challenge_methods_supported: ['plain', 'S256'],
    issuer: tenantId ? issuerFor(ctx, tenantId) : `${o}/{tenantid}/v2.0`,
    request_uri_parameter_supported: false,
    // Entra points at Graph; a local provider must not send anyone off the machine.
    userinfo_endpoint: `${o}/oidc/userinfo`,
    authorization_endpoint: `${o}/${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${o}/${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${o}/${t}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${o}/${t}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: new URL(o).host,
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  }
}

function openIdConfigurationRoute(ctx: IdpContext): Route {
  return {
    method: 'GET',
    pattern: new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`),
    handler: (req) => {
      const segment = req.params.tenant
      const resolved = ctx.registry.resolveTenant(segment)
      if (resolved.kind === 'unknown') return errorResponse(ctx, req, AADSTS.tenantNotFound(segment, 'invalid_tenant'))
      return json(200, openIdConfiguration(ctx, segment, resolved.kind === 'tenant' ? resolved.tenant.id : undefined))
    },
  }
}

function jwksRoute(ctx: IdpContext): Route {
  return {
    method: 'GET',
    pattern: new RegExp(`^/${TENANT}/discovery/v2\\.0/keys$`),
    handler: (req) => {
      const resolved = ctx.registry.resolveTenant(req.params.tenant)
      if (resolved.kind === 'unknown')
        return errorResponse(ctx, req, AADSTS.tenantNotFound(req.params.tenant, 'invalid_tenant'))
      const issuer = resolved.kind === 'tenant' ? issuerFor(ctx, resolved.tenant.id) : `${ctx.origin}/{tenantid}/v2.0`
      return json(200, ctx.keys.jwks(issuer))
    },
  }
}

/**
 * `GET /{tenant}/discovery/instance?api-version=1.1&authorization_endpoint=...` as msal calls it on
 * login.microsoftonline.com (it never calls it on another host; the CLI's `discover` may).
 */
function instanceDiscovery(ctx: IdpContext, req: IdpRequest): IdpResponse {
  const host = new URL(ctx.origin).host
  let tenant = 'common'
  const authorizationEndpoint = req.query.get('authorization_endpoint')
  if (authorizationEndpoint) {
    let url: URL | undefined
    try {
      url = new URL(authorizationEndpoint)
    } catch {
      url = undefined
    }
    if (!url || url.host !== host) {
      return entraErrorResponse(ctx.origin, req, {
        status: 400,
        error: 'invalid_instance',
        code: 50049,
        message: 'Unknown or invalid instance.',
      })
    }
    tenant = url.pathname.split('/').filter(Boolean)[0] ?? tenant
  }
  return json(200, {
    tenant_discovery_endpoint: `${ctx.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{preferred_network: host, preferred_cache: host, aliases: [host]}],
  })
}

function instanceDiscoveryRoute(ctx: IdpContext): Route {
  return {
    method: 'GET',
    pattern: new RegExp(`^/${TENANT}/discovery/instance$`),
    handler: (req) => instanceDiscovery(ctx, req),
  }
}

export function metadataRoutes(ctx: IdpContext): Route[] {
  return [openIdConfigurationRoute(ctx), jwksRoute(ctx), instanceDiscoveryRoute(ctx)]
}
