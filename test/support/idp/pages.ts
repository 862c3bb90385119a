/**
 * The provider's HTML: the sign-in form (user name, password, consent), the device code entry page, the
 * auto-submitting form_post page and error pages. Plain server-rendered forms with stable ids so Chromium (driven
 * by the tests) fills them like a person would. Entra's own field names are kept (`login`, `passwd`, `otc`).
 */
import type {IdpResponse} from './http.js'

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

function page(title: string, body: string, status = 200, headers: Record<string, string> = {}): IdpResponse {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password],input[type=email]{width:100%;padding:.4rem;box-sizing:border-box}
.error{color:#a80000}.buttons{margin-top:1.2rem;display:flex;gap:.5rem;justify-content:flex-end}</style></head>
<body><main>${body}</main></body></html>`
  return {
    status,
    body: html,
    headers: {'Content-Type': 'text/html; charset=utf-8', 'X-Frame-Options': 'DENY', ...headers},
  }
}

export interface SignInPage {
  transaction: string
  appName: string
  tenantName: string
  loginHint?: string
  /** Scopes the user has not consented to yet; the consent box is shown only for these. */
  consentScopes: string[]
  error?: string
}

export function signInPage(p: SignInPage): IdpResponse {
  const consent =
    p.consentScopes.length === 0
      ? ''
      : `<fieldset id="consent-box"><legend>Permissions requested</legend>
<p><b>${escapeHtml(p.appName)}</b> wants to: ${p.consentScopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>
<label><input type="checkbox" id="consent" name="consent" value="yes"> Accept</label></fieldset>`
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1><p>to continue to <b id="app-name">${escapeHtml(p.appName)}</b> (${escapeHtml(p.tenantName)})</p>
${p.error ? `<p class="error" id="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
<form method="POST" action="/login" id="sign-in">
<input type="hidden" name="txn" value="${escapeHtml(p.transaction)}">
<label for="login">Email, phone, or Skype</label><input type="email" id="login" name="login" autocomplete="username" value="${escapeHtml(p.loginHint ?? '')}">
<label for="passwd">Password</label><input type="password" id="passwd" name="passwd" autocomplete="current-password">
${consent}
<div class="buttons"><button type="submit" name="action" value="cancel" id="cancel">Cancel</button>
<button type="submit" name="action" value="signin" id="idSIButton9">Sign in</button></div></form>`,
  )
}

export function deviceCodeEntryPage(error?: string): IdpResponse {
  return page(
    'Enter code',
    `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>
${error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="POST" action="/devicelogin" id="device-code"><label for="otc">Code</label><input type="text" id="otc" name="otc" autocomplete="off">
<div class="buttons"><button type="submit" id="idSIButton9">Next</button></div></form>`,
  )
}

export function deviceDonePage(appName: string, approved: boolean): IdpResponse {
  return page(
    approved ? 'Signed in' : 'Sign-in cancelled',
    approved
      ? `<h1 id="device-done" data-outcome="success">${escapeHtml(appName)}</h1><p>You have signed in to the ${escapeHtml(appName)} application on your device. You may now close this window.</p>`
      : `<h1 id="device-done" data-outcome="denied">Sign-in cancelled</h1><p>You declined to sign in to ${escapeHtml(appName)}. You may now close this window.</p>`,
  )
}

export function errorPage(message: string, status = 400): IdpResponse {
  return page(
    'Sign-in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error" id="error">${escapeHtml(message)}</p>`,
    status,
  )
}

/**
 * response_mode=form_post (what msal-node's loopback requires): a page that POSTs the parameters to the redirect
 * URI as soon as it loads.
 */
export function formPostPage(redirectUri: string, params: Record<string, string>): IdpResponse {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('')
  return page(
    'Working...',
    `<form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form>
<script>document.forms[0].submit()</script>`,
  )
}

/** response_mode=query: a 302 to the redirect URI with the parameters in its query. */
export function queryRedirect(redirectUri: string, params: Record<string, string>): IdpResponse {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return {status: 302, body: '', headers: {Location: url.toString(), 'Content-Type': 'text/html; charset=utf-8'}}
}
