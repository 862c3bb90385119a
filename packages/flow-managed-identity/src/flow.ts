/**
 * Tokens for the managed identity of the Azure resource this runs on, through msal-node's
 * ManagedIdentityApplication: it picks the source from the environment (App Service/Functions through
 * IDENTITY_ENDPOINT + IDENTITY_HEADER, Azure Arc through IDENTITY_ENDPOINT + IMDS_ENDPOINT and its key-file
 * challenge, else IMDS, overridable with AZURE_POD_IDENTITY_AUTHORITY_HOST) and retries as Azure documents
 * (IMDS: exponential back-off on 404/408/410/429/5xx; the others: Retry-After or 1 s on 404/408/429/500/503/504).
 * The CLI caches the token it returns (the registration says app-only), so msal's in-memory cache is not used.
 */
import {ManagedIdentityApplication} from '@azure/msal-node'
import {PluginError, type Flow, type FlowContext, type TokenResult} from 'entra-auth-cli-plugin-api'
import {explain, selectIdentity, sourceLabel} from './errors.js'
import {RecordingNetwork} from './network.js'

export class ManagedIdentityFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const resource = resourceOf(context.scopes)
    const identity = await selectIdentity(context)
    const network = new RecordingNetwork(context.signal)
    const app = new ManagedIdentityApplication({
      ...(identity ? {managedIdentityIdParams: identity.params} : {}),
      system: {networkClient: network},
    })
    let source = 'IMDS'
    try {
      source = sourceLabel(app.getManagedIdentitySource())
      context.reporter.status(
        `Asking ${source} for a token for ${identity ? identity.label : 'the system-assigned identity'}...`,
      )
      const result = await app.acquireToken({forceRefresh: true, resource})
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn ?? new Date(Date.now() + 3_600_000),
        // The token is good for the resource, whatever form the scope was asked in (`<resource>/.default`).
        scopes: context.scopes,
        tokenType: result.tokenType || 'Bearer',
      }
    } catch (error) {
      // The CLI reports its own deadline and Ctrl-C; anything else gets a kind (exit 3, 4 or 5) and one clear line.
      if (context.signal.aborted) throw error
      throw explain(error, {identity, network, resource, source})
    }
  }
}

/** A managed identity token is for one resource: `https://management.azure.com/.default` asks for `https://management.azure.com`. */
function resourceOf(scopes: string[]): string {
  if (scopes.length !== 1) {
    throw new PluginError(
      'config',
      `A managed identity token is for one resource, but ${scopes.length} scopes were asked for (${scopes.join(' ')}). Give one, e.g. --scope https://management.azure.com/.default.`,
      {code: 'MI_ONE_RESOURCE'},
    )
  }
  return scopes[0].replace(/\/\.default$/, '')
}
