import {DEFAULT_REDIRECT_URI} from '../profile/model.js'
import type {Flow, FlowContext, TokenResult} from '../contract/index.js'
import {browserSignIn, planFor} from './browser-sign-in.js'
import {
  createConfidentialApp,
  createPublicApp,
  isConfidentialProfile,
  refreshWithApp,
  trySilent,
  type DelegatedApp,
} from './delegated.js'

/**
 * The authorization code flow (with PKCE) at the redirect URI registered for the app: the profile's `redirectUri`,
 * default http://localhost:8080, received by our loopback listener on that exact port. A confidential client
 * (client secret or certificate) when the profile has a credential, a public client otherwise. Unlike
 * InteractiveBrowser it never switches to a device code: when no browser opens it prints the URL and keeps waiting.
 */
export class AuthorizationCodeFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const app = await this.app(context)
    const silent = await trySilent(app, context)
    if (silent) return silent
    const redirectUri = context.profile.redirectUri || DEFAULT_REDIRECT_URI
    return browserSignIn(
      context,
      app,
      {anyPort: false, flow: 'AuthorizationCode', giveUpWhenBrowserFails: false, redirectUri},
      planFor(context),
    )
  }

  async refresh(context: FlowContext): Promise<TokenResult> {
    return refreshWithApp(await this.app(context), context, 'AuthorizationCode')
  }

  private app(context: FlowContext): Promise<DelegatedApp> {
    return isConfidentialProfile(context) ? createConfidentialApp(context) : createPublicApp(context)
  }
}
