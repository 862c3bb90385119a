/**
 * The pages a person (here: Chromium driven by a test) sees:
 *
 *  - `GET /{tenant}/oauth2/v2.0/authorize`: validates the request like Entra (app, redirect URI, response type and
 *    mode) and, stricter than Entra, requires `state` and a PKCE S256 `code_challenge`, so every test proves the
 *    client sends them. Shows the sign-in form; afterwards the code goes back by `form_post` (an auto-submitting
 *    form, what msal-node's loopback accepts) or a `query` redirect.
 *  - `POST /{tenant}/oauth2/v2.0/devicecode`: RFC 8628 device authorization (Entra's path).
 *  - `GET|POST /devicelogin`: enter the user code, then the same sign-in form.
 *  - `POST /login`: the sign-in form's target for both. Wrong passwords re-show the form with AADSTS50126; the third
 *    failure ends the sign-in with that error. An unticked consent box or Cancel declines (AADSTS65004).
 */
import {errorResponse, requireTenant, type IdpContext} from './context.js'
import {DELEGATED} from './delegated-errors.js'
import type {AuthorizeTransaction, DelegatedState, DeviceTransaction} from './delegated-state.js'
import {AADSTS, entraTimestamp, type EntraError} from './errors.js'
import {json, parseForm, type IdpRequest, type IdpResponse, type Route} from './http.js'
import {deviceCodeEntryPage, deviceDonePage, errorPage, formPostPage, queryRedirect, signInPage} from './pages.js'
import {redirectUriAllowed, type Tenant} from './registry.js'
import {clientInfo, resourceScopes, splitScope} from './user-tokens.js'

const TENANT = '(?<tenant>[^/]+)'
const MAX_PASSWORD_ATTEMPTS = 3

function describe(error: EntraError): string {
  return `AADSTS${error.code}: ${error.message}`
}

/**
 * An error sent back to the client through its redirect URI, the way it asked for the response. As Entra does, the
 * description ends with the IDs support asks for (there are no separate fields in a redirect).
 */
function redirectError(
  tx: Pick<AuthorizeTransaction, 'redirectUri' | 'responseMode' | 'state'>,
  error: EntraError,
  req: Pick<IdpRequest, 'correlationId' | 'traceId'>,
): IdpResponse {
  const ids = `\r\nTrace ID: ${req.traceId}\r\nCorrelation ID: ${req.correlationId}\r\nTimestamp: ${entraTimestamp()}`
  const params: Record<string, string> = {error: error.error, error_description: `${describe(error)}${ids}`}
  if (error.suberror) params.error_subcode = error.suberror
  if (tx.state !== undefined) params.state = tx.state
  return tx.responseMode === 'form_post' ? formPostPage(tx.redirectUri, params) : queryRedirect(tx.redirectUri, params)
}

function authorize(ctx: IdpContext, state: DelegatedState, req: IdpRequest): IdpResponse {
  const q = Object.fromEntries(req.query)
  state.authorizeLog.push({...q, tenant: req.params.tenant})
  const resolved = ctx.registry.resolveTenant(req.params.tenant)
  if (resolved.kind !== 'tenant') return errorPage(describe(AADSTS.tenantNotFound(req.params.tenant)))
  const tenant = resolved.tenant

  const clientId = q.client_id
  if (!clientId) return errorPage(describe(AADSTS.missingParameter('client_id')))
  const app = ctx.registry.findApp(tenant.id, clientId)
  if (!app) return errorPage(describe(AADSTS.unknownApplication(clientId, ctx.registry.directoryName(tenant))))
  const redirectUri = q.redirect_uri
  if (!redirectUri) return errorPage(describe(AADSTS.missingParameter('redirect_uri')))
  if (!redirectUriAllowed(app, redirectUri))
    return errorPage(describe(DELEGATED.invalidRedirectUri(redirectUri, app.clientId)))

  // From here on, errors travel back to the (validated) redirect URI.
  const mode = q.response_mode ?? 'query'
  const back = {
    redirectUri,
    responseMode: mode === 'form_post' ? ('form_post' as const) : ('query' as const),
    state: q.state,
  }
  if (mode !== 'query' && mode !== 'form_post') return redirectError(back, DELEGATED.unsupportedResponseMode(mode), req)
  if (q.response_type !== 'code')
    return redirectError(back, DELEGATED.unsupportedResponseType(q.response_type ?? ''), req)
  if (!q.state) return redirectError(back, DELEGATED.stateRequired(), req)
  if (!q.code_challenge) return redirectError(back, DELEGATED.pkceRequired(), req)
  if (q.code_challenge_method !== 'S256')
    return redirectError(back, DELEGATED.pkceMethodUnsupported(q.code_challenge_method ?? 'plain'), req)
  const scopes = splitScope(q.scope)
  if (scopes.length === 0) return redirectError(back, AADSTS.missingParameter('scope'), req)

  const tx = state.beginAuthorize({
    appName: app.displayName,
    clientId: app.clientId,
    codeChallenge: q.code_challenge,
    codeChallengeMethod: 'S256',
    loginHint: q.login_hint,
    nonce: q.nonce,
    redirectUri,
    responseMode: back.responseMode,
    scopes,
    state: q.state,
    tenantId: tenant.id,
    clientInfo: q.client_info === '1',
  })
  return signInPage({
    appName: app.displayName,
    consentScopes: resourceScopes(scopes),
    loginHint: q.login_hint,
    tenantName: ctx.registry.directoryName(tenant),
    transaction: tx.id,
  })
}

function deviceCodeEndpoint(ctx: IdpContext, state: DelegatedState, req: IdpRequest): IdpResponse {
  const lookup = requireTenant(ctx, req)
  if (!lookup.ok) return lookup.response
  const {tenant} = lookup
  const form = parseForm(req.body)
  if (!form.client_id) return errorResponse(ctx, req, AADSTS.missingParameter('client_id'))
  if (!form.scope) return errorResponse(ctx, req, AADSTS.missingParameter('scope'))
  const app = ctx.registry.findApp(tenant.id, form.client_id)
  if (!app)
    return errorResponse(ctx, req, AADSTS.unknownApplication(form.client_id, ctx.registry.directoryName(tenant)))
  const device = state.issueDeviceCode({
    appName: app.displayName,
    clientId: app.clientId,
    scopes: splitScope(form.scope),
    tenantId: tenant.id,
  })
  const verificationUri = `${ctx.origin}/devicelogin`
  const body: Record<string, unknown> = {
    user_code: device.userCode,
    device_code: device.deviceCode,
    verification_uri: verificationUri,
    expires_in: state.deviceSettings.expiresInSeconds,
    ...(state.deviceSettings.intervalSeconds === undefined ? {} : {interval: state.deviceSettings.intervalSeconds}),
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${device.userCode} to authenticate.`,
  }
  return json(200, body)
}

function deviceLogin(ctx: IdpContext, state: DelegatedState, req: IdpRequest): IdpResponse {
  const form = parseForm(req.body)
  const device = state.deviceByUserCode(form.otc ?? '')
  if (!device || device.status !== 'pending')
    return deviceCodeEntryPage("That code didn't work. Check the code and try again.")
  if (Date.now() > device.expiresAt)
    return deviceCodeEntryPage(
      "The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.",
    )
  const tenant = ctx.registry.resolveTenant(device.tenantId) as {kind: 'tenant'; tenant: Tenant}
  const tx = state.beginDevice(device.userCode)
  return signInPage({
    appName: device.appName,
    consentScopes: resourceScopes(device.scopes),
    tenantName: ctx.registry.directoryName(tenant.tenant),
    transaction: tx.id,
  })
}

function login(ctx: IdpContext, state: DelegatedState, req: IdpRequest): IdpResponse {
  const form = parseForm(req.body)
  const tx = state.transaction(form.txn)
  if (!tx) return errorPage('This sign-in has expired or was already used. Start again from your application.')
  if (tx.kind === 'device') return deviceSignIn(ctx, state, tx, form)

  const finish = (response: IdpResponse): IdpResponse => {
    state.endTransaction(tx.id)
    return response
  }
  if (form.action === 'cancel') return finish(redirectError(tx, DELEGATED.consentDeclined(), req))
  const tenant = (ctx.registry.resolveTenant(tx.tenantId) as {kind: 'tenant'; tenant: Tenant}).tenant
  const user = state.directory.findUser(tx.tenantId, form.login ?? '')
  if (!user || user.password !== form.passwd) {
    const attempts = ++tx.failedAttempts
    const error = user
      ? DELEGATED.badCredentials()
      : DELEGATED.userNotFound(form.login ?? '', ctx.registry.directoryName(tenant))
    if (attempts >= MAX_PASSWORD_ATTEMPTS) return finish(redirectError(tx, error, req))
    return signInPage({
      appName: tx.appName,
      consentScopes: resourceScopes(tx.scopes),
      error: describe(error),
      loginHint: form.login,
      tenantName: ctx.registry.directoryName(tenant),
      transaction: tx.id,
    })
  }
  const missing = state.directory.missingConsent(user, tx.clientId, tx.scopes)
  if (missing.length > 0 && form.consent !== 'yes') return finish(redirectError(tx, DELEGATED.consentDeclined(), req))
  state.directory.grantConsent(user, tx.clientId, tx.scopes)

  const code = state.issueCode({
    clientId: tx.clientId,
    codeChallenge: tx.codeChallenge,
    nonce: tx.nonce,
    redirectUri: tx.redirectUri,
    scopes: tx.scopes,
    tenantId: tx.tenantId,
    userId: user.id,
  })
  const params: Record<string, string> = {code}
  if (tx.state !== undefined) params.state = tx.state
  if (tx.clientInfo) params.client_info = clientInfo(user)
  params.session_state = user.id
  return finish(
    tx.responseMode === 'form_post' ? formPostPage(tx.redirectUri, params) : queryRedirect(tx.redirectUri, params),
  )
}

function deviceSignIn(
  ctx: IdpContext,
  state: DelegatedState,
  tx: DeviceTransaction,
  form: Record<string, string>,
): IdpResponse {
  const device = state.deviceByUserCode(tx.userCode)
  if (!device || device.status !== 'pending' || Date.now() > device.expiresAt) {
    state.endTransaction(tx.id)
    return errorPage('The code has expired or was already used. Get a new code from your device.')
  }
  const done = (approved: boolean): IdpResponse => {
    state.endTransaction(tx.id)
    return deviceDonePage(device.appName, approved)
  }
  if (form.action === 'cancel') {
    device.status = 'denied'
    return done(false)
  }
  const tenant = (ctx.registry.resolveTenant(device.tenantId) as {kind: 'tenant'; tenant: Tenant}).tenant
  const user = state.directory.findUser(device.tenantId, form.login ?? '')
  if (!user || user.password !== form.passwd) {
    const attempts = ++tx.failedAttempts
    const error = user
      ? DELEGATED.badCredentials()
      : DELEGATED.userNotFound(form.login ?? '', ctx.registry.directoryName(tenant))
    if (attempts >= MAX_PASSWORD_ATTEMPTS) {
      device.status = 'denied'
      return done(false)
    }
    return signInPage({
      appName: device.appName,
      consentScopes: resourceScopes(device.scopes),
      error: describe(error),
      loginHint: form.login,
      tenantName: ctx.registry.directoryName(tenant),
      transaction: tx.id,
    })
  }
  const missing = state.directory.missingConsent(user, device.clientId, device.scopes)
  if (missing.length > 0 && form.consent !== 'yes') {
    device.status = 'denied'
    return done(false)
  }
  state.directory.grantConsent(user, device.clientId, device.scopes)
  device.status = 'approved'
  device.userId = user.id
  return done(true)
}

export function signInRoutes(ctx: IdpContext, state: DelegatedState): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/${TENANT}/oauth2/v2\\.0/authorize$`),
      handler: (req) => authorize(ctx, state, req),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/${TENANT}/oauth2/v2\\.0/devicecode$`),
      faultable: true,
      handler: (req) => deviceCodeEndpoint(ctx, state, req),
    },
    {method: 'GET', pattern: /^\/devicelogin$/, handler: () => deviceCodeEntryPage()},
    {method: 'POST', pattern: /^\/devicelogin$/, handler: (req) => deviceLogin(ctx, state, req)},
    {method: 'POST', pattern: /^\/login$/, handler: (req) => login(ctx, state, req)},
  ]
}
