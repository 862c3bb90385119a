import {loadClientCertificate} from '../core/certificate.js'
import {ConfigError} from '../core/errors.js'
import type {Flow, FlowContext, TokenResult} from '../plugin.js'
import {baseConfiguration, loadMsal} from './msal-options.js'

/**
 * OAuth 2.0 client credentials for a service principal: a client secret, or a certificate (PFX/P12 or PEM).
 * The secret comes from the secret store, or AZURE_CLIENT_SECRET when the profile has none stored (the variable the
 * Azure SDKs and az CLI already use in pipelines).
 */
export class ClientCredentialsFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const {profile} = context
    const {ConfidentialClientApplication} = loadMsal()
    const config = baseConfiguration(await context.msal(), profile.clientId)
    if (profile.authMethod === 'Certificate' || profile.useCertificate) {
      if (!profile.certificatePath) {
        throw new ConfigError(`Profile '${profile.name}' uses a certificate but has no certificate path; set it with 'entra-auth-cli config edit -p ${profile.name}'.`)
      }
      const password = (await context.secret('certificate-password')) ?? process.env.AZURE_CLIENT_CERTIFICATE_PASSWORD
      config.auth.clientCertificate = await loadClientCertificate(profile.certificatePath, password)
    } else {
      const secret = (await context.secret('client-secret')) ?? process.env.AZURE_CLIENT_SECRET
      if (!secret) {
        throw new ConfigError(
          `Profile '${profile.name}' has no client secret: store one with 'entra-auth-cli config edit -p ${profile.name} --client-secret-stdin' or set AZURE_CLIENT_SECRET.`,
          'NO_SECRET',
        )
      }
      config.auth.clientSecret = secret
    }
    const app = new ConfidentialClientApplication(config)
    const result = await app.acquireTokenByClientCredential({scopes: context.scopes, skipCache: context.options.force})
    if (!result) throw new ConfigError('The identity provider returned no token.')
    return {
      accessToken: result.accessToken,
      expiresOn: result.expiresOn ?? new Date(Date.now() + 3600_000),
      scopes: result.scopes,
      tokenType: result.tokenType || 'Bearer',
    }
  }
}
