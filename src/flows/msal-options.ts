import type {AuthenticationResult, Configuration} from '@azure/msal-node'
import type {MsalSetup, TokenResult} from '../contract/index.js'

/**
 * The msal-node Configuration every built-in flow starts from: our authority metadata (no discovery calls), our
 * network client (proxy, CA, retries) and our encrypted cache. Logging stays off: msal logs can contain PII.
 */
export function baseConfiguration(setup: MsalSetup, clientId: string): Configuration {
  return {
    auth: {
      authority: setup.authority,
      authorityMetadata: setup.authorityMetadata,
      clientId,
      cloudDiscoveryMetadata: setup.cloudDiscoveryMetadata,
      knownAuthorities: setup.knownAuthorities,
    },
    cache: {cachePlugin: setup.cachePlugin},
    system: {networkClient: setup.networkClient},
  }
}

/** msal-node in CommonJS: one file, ~1.75x node start-up versus ~2.65x for its 124-file ESM build. */
export function loadMsal(): typeof import('@azure/msal-node') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@azure/msal-node') as typeof import('@azure/msal-node')
}

/** What a flow returns for msal's result: the account only for delegated tokens (app-only results have none). */
export function tokenResult(result: AuthenticationResult): TokenResult {
  return {
    accessToken: result.accessToken,
    expiresOn: result.expiresOn ?? new Date(Date.now() + 3600_000),
    idToken: result.idToken || undefined,
    scopes: result.scopes,
    tokenType: result.tokenType || 'Bearer',
    ...(result.account
      ? {
          account: {
            homeAccountId: result.account.homeAccountId,
            name: result.account.name,
            tenantId: result.account.tenantId,
            username: result.account.username,
          },
        }
      : {}),
  }
}
