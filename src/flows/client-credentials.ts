import {ConfigError} from '../base/errors.js'
import type {Flow, FlowContext, TokenResult} from '../contract/index.js'
import {clientCredential} from './client-credential.js'
import {baseConfiguration, loadMsal, tokenResult} from './msal-options.js'

/**
 * OAuth 2.0 client credentials for a service principal: a client secret, or a certificate (PFX/P12 or PEM).
 * The secret comes from the secret store, or AZURE_CLIENT_SECRET when the profile has none stored (the variable the
 * Azure SDKs and az CLI already use in pipelines).
 */
export class ClientCredentialsFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const {ConfidentialClientApplication} = loadMsal()
    const config = baseConfiguration(await context.msal(), context.profile.clientId)
    Object.assign(config.auth, await clientCredential(context, ' or set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET'))
    const app = new ConfidentialClientApplication(config)
    const result = await app.acquireTokenByClientCredential({scopes: context.scopes, skipCache: context.options.force})
    if (!result) throw new ConfigError('The identity provider returned no token.')
    return tokenResult(result)
  }
}
