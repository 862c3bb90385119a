import type {Flow, FlowContext, TokenResult} from '../contract/index.js'
import {BrowserUnavailableError, browserSignIn, planFor} from './browser-sign-in.js'
import {createPublicApp, refreshWithApp, trySilent} from './delegated.js'
import {DEVICE_CODE_WAIT_MS, deviceCodeSignIn} from './device-code.js'

/**
 * Sign a user in with their browser: public client, authorization code with PKCE, redirect to a loopback listener
 * on 127.0.0.1 at a free port (http://localhost:PORT, which Entra accepts for any port when http://localhost is
 * registered). Cached tokens and the refresh token are used first. Where no browser can be opened (no display, an
 * SSH session, a failing $BROWSER or launcher) it says why and signs in with a device code instead.
 */
export class InteractiveBrowserFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const app = await createPublicApp(context)
    const silent = await trySilent(app, context)
    if (silent) return silent
    const plan = planFor(context)
    if (plan.kind === 'none') return this.fallBack(context, `Cannot open a browser: ${plan.reason}.`)
    try {
      return await browserSignIn(
        context,
        app,
        {anyPort: true, flow: 'InteractiveBrowser', giveUpWhenBrowserFails: true, redirectUri: 'http://localhost'},
        plan,
      )
    } catch (error) {
      if (error instanceof BrowserUnavailableError)
        return this.fallBack(context, `Could not open a browser: ${error.reason}.`)
      throw error
    }
  }

  async refresh(context: FlowContext): Promise<TokenResult> {
    return refreshWithApp(await createPublicApp(context), context, 'InteractiveBrowser')
  }

  private fallBack(context: FlowContext, why: string): Promise<TokenResult> {
    context.reporter.notice(
      `${why} Signing in with a device code instead (use --no-browser to get a URL to open yourself).`,
    )
    // A device code lives 15 minutes: without a --timeout it gets DeviceCode's own wait, not what is left of the
    // 120 s meant for a browser sign-in. A --timeout the user gave still holds (extendDeadline leaves it alone).
    return deviceCodeSignIn(context, context.extendDeadline(DEVICE_CODE_WAIT_MS))
  }
}
