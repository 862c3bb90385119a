import {randomBytes} from 'node:crypto'
import {endpointProblem} from '../net/authority-metadata.js'
import {adviceForEntraError, toCliError} from '../net/entra-errors.js'
import {AuthError, ConfigError} from '../base/errors.js'
import type {FlowContext, TokenResult} from '../contract/index.js'
import {browserPlan, launchBrowser, type BrowserPlan, type LaunchOutcome} from './browser.js'
import {loginHint, seconds, untilAborted, type DelegatedApp} from './delegated.js'
import {
  ipv6LoopbackTaken,
  LoopbackPortDeniedError,
  LoopbackPortInUseError,
  LoopbackServer,
  loopbackBindAddress,
  type LoopbackCallback,
} from './loopback.js'
import {loadMsal, tokenResult} from './msal-options.js'
import {failurePage, successPage} from './pages.js'
import {BIN} from '../base/product.js'

/**
 * The authorization code flow with PKCE (RFC 7636, S256) through the user's browser and our loopback listener,
 * shared by InteractiveBrowser (public client, any free port on http://localhost) and AuthorizationCode (the
 * profile's redirect URI, public or confidential client).
 *
 * msal-node builds the authorization URL and redeems the code (so the tokens land in msal's cache, encrypted by our
 * cache plugin); we own the listener, `state` (checked by the listener, constant-time) and the browser. We ask for
 * response_mode=form_post, as msal-node's own interactive flow does: the code travels in a POST body, never in a
 * URL that browser history or a Referer could keep. Entra answers a form_post request by POST only (errors too), so
 * a response in a URL is refused, as msal-node's own listener does.
 */
export interface BrowserSignInOptions {
  flow: 'InteractiveBrowser' | 'AuthorizationCode'
  /** For InteractiveBrowser `http://localhost` (a free port is added); for AuthorizationCode the profile's. */
  redirectUri: string
  anyPort: boolean
  /** InteractiveBrowser gives up (and falls back to a device code) when the browser cannot be opened. */
  giveUpWhenBrowserFails: boolean
}

export class BrowserUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'BrowserUnavailableError'
  }
}

const FOREIGN_RESPONSE =
  'Ignored a sign-in response with a wrong state (another page may be probing the port); still waiting for the real one.'
const QUERY_RESPONSE =
  'The sign-in response came back in the URL instead of as the form post this sign-in asked for (response_mode=form_post), so it was not used and nothing was redeemed. Run the command again and open the sign-in URL unchanged.'

/** Where a browser can be opened, or why not; `manual` for --no-browser. */
export function planFor(context: FlowContext): BrowserPlan | {kind: 'manual'} {
  return context.options.noBrowser ? {kind: 'manual'} : browserPlan()
}

export async function browserSignIn(
  context: FlowContext,
  app: DelegatedApp,
  options: BrowserSignInOptions,
  plan: BrowserPlan | {kind: 'manual'},
): Promise<TokenResult> {
  const {profile, reporter, signal} = context
  const state = randomBytes(32).toString('base64url')
  let warned = false
  // Any web page can make the browser send a request here; say so once, keep waiting for the real response.
  const onForeignResponse = () => {
    if (!warned) reporter.warn(FOREIGN_RESPONSE)
    warned = true
  }
  const server = await openListener(context, options, state, onForeignResponse)
  const redirectUri = options.anyPort
    ? `${options.redirectUri.replace(/\/+$/, '')}:${server.port}`
    : options.redirectUri
  const closing = () => void server.close('The sign-in was stopped in the terminal.')
  try {
    const {CryptoProvider, ResponseMode} = loadMsal()
    const {challenge, verifier} = await new CryptoProvider().generatePkceCodes()
    const nonce = randomBytes(16).toString('base64url')
    const url = await app.getAuthCodeUrl({
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      loginHint: await loginHint(app, context),
      nonce,
      redirectUri,
      responseMode: ResponseMode.FORM_POST,
      scopes: context.scopes,
      state,
    })
    // The URL goes to the OS launcher (on Windows and WSL through PowerShell): only the authority's own https URL,
    // with nothing a shell could act on. msal percent-encodes every parameter, so a real URL always passes.
    const {authority} = await context.msal()
    const unsafe = endpointProblem(url, authority, {loopbackHttp: true})
    if (unsafe) {
      throw new ConfigError(
        `Refusing to open the sign-in URL: it ${unsafe}. Check the profile's authority (${authority}) and its OpenID metadata.`,
        'UNSAFE_SIGN_IN_URL',
      )
    }

    if (options.flow === 'AuthorizationCode') reporter.status(`Redirect URI: ${redirectUri}`)
    let launch: Promise<LaunchOutcome> | undefined
    if (plan.kind === 'manual' || plan.kind === 'none') {
      reporter.notice(`Open this URL in a browser on this machine to sign in:\n${url}`)
      if (plan.kind === 'none') reporter.notice(`(No browser was opened: ${plan.reason}.)`)
    } else {
      reporter.status('Opening browser for authentication...')
      reporter.notice(`If the browser does not open, visit this URL to sign in:\n${url}`)
      launch = launchBrowser(url, plan)
    }

    const timeoutMessage = `Browser did not respond: no sign-in reached ${redirectUri} within ${seconds(context.options.timeoutMs)}. Finish signing in sooner or raise --timeout; where no browser can be used, run with -f DeviceCode.`
    const never = new Promise<never>(() => {})
    const launchFailure = launch ? launch.then((outcome) => (outcome.ok ? never : outcome.reason)) : never
    const first = await untilAborted(
      Promise.race([server.next().then((callback) => ({callback})), launchFailure.then((reason) => ({reason}))]),
      signal,
      timeoutMessage,
      closing,
    )
    let callback: LoopbackCallback
    if ('reason' in first) {
      if (options.giveUpWhenBrowserFails) throw new BrowserUnavailableError(first.reason)
      reporter.notice(`Could not open a browser (${first.reason}); open the URL above yourself.`)
      callback = await untilAborted(server.next(), signal, timeoutMessage, closing)
    } else {
      callback = first.callback
    }

    // The listener hands over only a response carrying this sign-in's state.
    const {params} = callback
    if (callback.method !== 'POST') {
      callback.respond(
        failurePage('The response came back in the URL instead of as a form post, so it was not used.'),
        400,
      )
      throw new AuthError(QUERY_RESPONSE, 'QUERY_RESPONSE')
    }
    const error = params.get('error')
    if (error) {
      const refused = adviceForEntraError(
        {error, error_description: params.get('error_description') ?? undefined},
        profile.name,
      )!
      callback.respond(failurePage(refused.message))
      throw refused
    }
    const code = params.get('code')
    if (!code) {
      callback.respond(failurePage('The identity provider sent no authorization code.'), 400)
      throw new AuthError('The identity provider redirected back without an authorization code.', 'NO_CODE')
    }
    if (options.flow === 'AuthorizationCode') reporter.status('✓ Authorization code received')

    try {
      const result = await app.acquireTokenByCode({
        clientInfo: params.get('client_info') ?? undefined,
        code,
        codeVerifier: verifier,
        nonce,
        redirectUri,
        scopes: context.scopes,
      })
      callback.respond(successPage())
      reporter.status('✓ Authentication successful')
      return tokenResult(result)
    } catch (exchangeError) {
      callback.respond(failurePage(toCliError(exchangeError, {profile: profile.name}).message))
      throw exchangeError
    }
  } finally {
    await server.close()
  }
}

async function openListener(
  context: FlowContext,
  options: BrowserSignInOptions,
  state: string,
  onForeignResponse: () => void,
): Promise<LoopbackServer> {
  const {profile} = context
  let target: URL
  try {
    target = new URL(options.redirectUri)
  } catch {
    throw new ConfigError(`Profile '${profile.name}' has an invalid redirect URI '${options.redirectUri}'.`)
  }
  const host = loopbackBindAddress(target.hostname)
  if (target.protocol !== 'http:' || !host) {
    throw new ConfigError(
      `${options.flow} at a terminal needs a loopback redirect URI such as http://localhost:8080, registered on the app; profile '${profile.name}' has '${options.redirectUri}'. Change it with '${BIN} config edit -p ${profile.name} --redirect-uri http://localhost:8080', or use -f DeviceCode.`,
    )
  }
  const path = target.pathname || '/'
  if (options.anyPort) {
    // A free port, and one nobody else serves on [::1] either (a browser may try ::1 first for localhost).
    for (let attempt = 0; ; attempt++) {
      const server = await LoopbackServer.listen({host, onForeignResponse, path, port: 0, state})
      if (attempt >= 4 || !(await ipv6LoopbackTaken(server.port))) return server
      await server.close()
    }
  }
  const port = Number(target.port || 80)
  const busy = () =>
    new ConfigError(
      `Cannot receive the sign-in at ${options.redirectUri}: port ${port} is already in use by another program. Stop that program, or register another loopback redirect URI on the app and set it with '${BIN} config edit -p ${profile.name} --redirect-uri http://localhost:PORT'.`,
      'PORT_IN_USE',
    )
  let server: LoopbackServer
  try {
    server = await LoopbackServer.listen({host, onForeignResponse, path, port, state})
  } catch (error) {
    if (error instanceof LoopbackPortInUseError) throw busy()
    if (error instanceof LoopbackPortDeniedError) {
      throw new ConfigError(
        `Cannot receive the sign-in at ${options.redirectUri}: port ${port} needs privileges; use a port ≥ 1024 in the redirect URI and the app registration, and set it with '${BIN} config edit -p ${profile.name} --redirect-uri http://localhost:PORT'.`,
        'PORT_PRIVILEGED',
      )
    }
    throw error
  }
  if (target.hostname.toLowerCase() === 'localhost' && (await ipv6LoopbackTaken(port))) {
    await server.close()
    throw busy()
  }
  return server
}
