import type {NodeAuthOptions} from '@azure/msal-node'
import {loadClientCertificate} from '../core/certificate.js'
import {ConfigError} from '../core/errors.js'
import type {FlowContext} from '../plugin.js'

/**
 * The credential a confidential client presents, from the profile: its certificate (password from the secret
 * store, else AZURE_CLIENT_CERTIFICATE_PASSWORD) or its client secret (from the secret store, else
 * AZURE_CLIENT_SECRET, the variables the Azure SDKs and az CLI already use in pipelines).
 * `missingSecretHint` finishes the "no client secret" message with what fits the calling flow.
 */
export async function clientCredential(
  context: FlowContext,
  missingSecretHint: string,
): Promise<Pick<NodeAuthOptions, 'clientCertificate' | 'clientSecret'>> {
  const {profile} = context
  if (profile.authMethod === 'Certificate' || profile.useCertificate) {
    if (!profile.certificatePath) {
      throw new ConfigError(`Profile '${profile.name}' uses a certificate but has no certificate path; set it with 'entra-auth-cli config edit -p ${profile.name}'.`)
    }
    const password = (await context.secret('certificate-password')) ?? process.env.AZURE_CLIENT_CERTIFICATE_PASSWORD
    return {clientCertificate: await loadClientCertificate(profile.certificatePath, password)}
  }
  const secret = (await context.secret('client-secret')) ?? process.env.AZURE_CLIENT_SECRET
  if (!secret) {
    throw new ConfigError(
      `Profile '${profile.name}' has no client secret: store one with 'entra-auth-cli config edit -p ${profile.name} --client-secret-stdin'${missingSecretHint}.`,
      'NO_SECRET',
    )
  }
  return {clientSecret: secret}
}
