import type {NodeAuthOptions} from '@azure/msal-node'
import {loadClientCertificate} from '../base/certificate.js'
import {ConfigError} from '../base/errors.js'
import type {FlowContext} from '../contract/index.js'
import {BIN} from '../base/product.js'
import {assertTrustedAuthority} from './trusted-authority.js'

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
      throw new ConfigError(
        `Profile '${profile.name}' uses a certificate but has no certificate path; set it with '${BIN} config edit -p ${profile.name}'.`,
      )
    }
    const password =
      (await context.secret('certificate-password')) ?? fromEnvironment('AZURE_CLIENT_CERTIFICATE_PASSWORD', context)
    return {clientCertificate: await loadClientCertificate(profile.certificatePath, password)}
  }
  const secret = (await context.secret('client-secret')) ?? fromEnvironment('AZURE_CLIENT_SECRET', context)
  if (!secret) {
    throw new ConfigError(
      `Profile '${profile.name}' has no client secret: store one with '${BIN} config edit -p ${profile.name} --client-secret-stdin'${missingSecretHint}.`,
      'NO_SECRET',
    )
  }
  return {clientSecret: secret}
}

/**
 * A credential from the environment, only for the app it was meant for: AZURE_CLIENT_ID must name this profile's
 * client (and AZURE_TENANT_ID, when set, its tenant), as Azure Identity's EnvironmentCredential reads them
 * together. Otherwise one app's secret would be posted to whatever authority another profile names. And only to a
 * Microsoft cloud, or the host AZURE_AUTHORITY_HOST names: an imported or hand-edited profile with your tenant and
 * client id but another authority must not receive the pipeline's secret.
 */
function fromEnvironment(name: string, context: FlowContext): string | undefined {
  const value = process.env[name]
  if (!value) return undefined
  const {profile} = context
  const clientId = process.env.AZURE_CLIENT_ID
  const tenantId = process.env.AZURE_TENANT_ID
  if (
    clientId?.toLowerCase() !== profile.clientId.toLowerCase() ||
    (tenantId && tenantId.toLowerCase() !== profile.tenantId.toLowerCase())
  ) {
    throw new ConfigError(
      `${name} is set, but AZURE_CLIENT_ID${tenantId ? '/AZURE_TENANT_ID' : ''} do not name profile '${profile.name}' (client ${profile.clientId}); set AZURE_CLIENT_ID=${profile.clientId} to use it for this profile.`,
      'ENV_CREDENTIAL_MISMATCH',
    )
  }
  assertTrustedAuthority(name, profile, 'secret', ', or store the secret in the profile')
  return value
}
