import {readFile} from 'node:fs/promises'
import {ConfigError} from '../base/errors.js'
import type {Flow, FlowContext, TokenResult} from '../contract/index.js'
import {assertTrustedAuthority} from './trusted-authority.js'
import {baseConfiguration, loadMsal, tokenResult} from './msal-options.js'

/** Where Kubernetes (azure-workload-identity) and CI set-ups put the projected service-account / OIDC token. */
export const FEDERATED_TOKEN_FILE_ENV = 'AZURE_FEDERATED_TOKEN_FILE'

/**
 * Workload identity federation: client credentials where the client proves itself with a token another issuer
 * (a Kubernetes cluster, GitHub Actions) gave this workload, trusted by the app registration through a federated
 * credential (issuer, subject, audience api://AzureADTokenExchange). No secret is stored anywhere.
 *
 * The token file is read again for every request msal makes, never kept: the kubelet rotates it (hourly by
 * default) and an assertion read once would expire under a long-running caller.
 */
export class WorkloadIdentityFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const path = federatedTokenFile(context)
    // The federated token is a credential like a client secret: it only goes to a Microsoft cloud, or to the host
    // AZURE_AUTHORITY_HOST names, checked before the file is even read.
    assertTrustedAuthority(FEDERATED_TOKEN_FILE_ENV, context.profile, 'federated token')
    // Fail before any request when the file is not there at all: that is set-up, not a refusal.
    await readAssertion(path, context)
    const {ConfidentialClientApplication} = loadMsal()
    const config = baseConfiguration(await context.msal(), context.profile.clientId)
    config.auth.clientAssertion = () => readAssertion(path, context)
    const app = new ConfidentialClientApplication(config)
    const result = await app.acquireTokenByClientCredential({scopes: context.scopes, skipCache: context.options.force})
    if (!result) throw new ConfigError('The identity provider returned no token.')
    return tokenResult(result)
  }
}

function federatedTokenFile(context: FlowContext): string {
  const path = process.env[FEDERATED_TOKEN_FILE_ENV]
  if (!path) {
    throw new ConfigError(
      `Profile '${context.profile.name}' uses the WorkloadIdentity flow, but ${FEDERATED_TOKEN_FILE_ENV} is not set; set it to the file holding the federated token (Kubernetes workload identity sets it in the pod), or use another flow with -f.`,
      'NO_FEDERATED_TOKEN',
    )
  }
  return path
}

async function readAssertion(path: string, context: FlowContext): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new ConfigError(
      `Cannot read the federated token file ${path} (${code}) named by ${FEDERATED_TOKEN_FILE_ENV} for profile '${context.profile.name}'; check that it is mounted and readable.`,
      'NO_FEDERATED_TOKEN',
    )
  }
  const assertion = text.trim()
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(assertion)) {
    throw new ConfigError(
      `The federated token file ${path} (${FEDERATED_TOKEN_FILE_ENV}) does not hold a JWT; it should contain only the token its issuer wrote.`,
      'BAD_FEDERATED_TOKEN',
    )
  }
  return assertion
}
