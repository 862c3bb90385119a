/**
 * An msal-node `INetworkModule` that trusts the provider's CA, for in-process tests. msal-node 7's default
 * HttpClient uses the global fetch, which trusts only Node's CA store (NODE_EXTRA_CA_CERTS is read once at
 * process start, too late for a CA made by the test), so tests hand msal this client via `system.networkClient`.
 * It mirrors HttpClient's contract: lower-case header names, JSON body, and for an unparsable body an
 * AuthError, as msal's own client throws.
 */
import {AuthError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse} from '@azure/msal-node'
import {Agent, ProxyAgent, fetch, type Dispatcher} from 'undici'

export interface TrustingNetworkClient extends INetworkModule {
  /** Close pooled connections (call in `after`). */
  close(): Promise<void>
}

export interface NetworkClientOptions {
  /** Send every request through this HTTP forward proxy (CONNECT tunnel), as `HTTPS_PROXY` would. */
  proxyUrl?: string
}

export function createTrustingNetworkClient(
  caCertPem: string,
  options: NetworkClientOptions = {},
): TrustingNetworkClient {
  const dispatcher: Dispatcher = options.proxyUrl
    ? new ProxyAgent({uri: options.proxyUrl, requestTls: {ca: caCertPem}})
    : new Agent({connect: {ca: caCertPem}})

  async function send<T>(
    url: string,
    method: 'GET' | 'POST',
    init: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const response = await fetch(url, {
      method,
      headers: init?.headers,
      body: method === 'POST' ? (init?.body ?? '') : undefined,
      dispatcher,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    })
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value
    })
    const text = await response.text()
    let body: T
    try {
      body = JSON.parse(text) as T
    } catch (e) {
      // (errorCode, correlationId, errorMessage): msal's own HttpClient leaves the correlation id empty too.
      throw new AuthError(
        'token_parsing_error',
        '',
        `Failed to parse response: ${e instanceof Error ? e.message : String(e)}`,
      )
    }
    return {headers, body, status: response.status}
  }

  return {
    sendGetRequestAsync: <T>(url: string, init?: NetworkRequestOptions, timeout?: number) =>
      send<T>(url, 'GET', init, timeout),
    sendPostRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>(url, 'POST', init),
    close: () => dispatcher.close(),
  }
}
