/**
 * msal-node's network module on Node's fetch, for the managed identity endpoints: bounded by the run's abort signal
 * (msal's own client cannot be cancelled), never through a proxy (IMDS refuses proxied requests and lives on a
 * link-local address), and remembering the last exchange, because msal turns a refused connection into a bare
 * "network_error" and keeps no HTTP status on some errors.
 */
import type {NetworkModule, NetworkRequestOptions, NetworkResponse} from 'entra-auth-cli-plugin-api'

export interface Exchange {
  url: string
  /** 0 when no answer came. */
  status: number
  /** Why no answer came: `ECONNREFUSED`, `ENOTFOUND`, `aborted`... */
  failure?: string
}

export class RecordingNetwork implements NetworkModule {
  /** Every request, oldest first. */
  readonly exchanges: Exchange[] = []

  constructor(private readonly signal: AbortSignal) {}

  get last(): Exchange | undefined {
    return this.exchanges.at(-1)
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options)
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options)
  }

  private async send<T>(method: string, url: string, options: NetworkRequestOptions = {}): Promise<NetworkResponse<T>> {
    const exchange: Exchange = {status: 0, url}
    this.exchanges.push(exchange)
    let response: Response
    try {
      response = await fetch(url, {
        body: options.body,
        headers: options.headers,
        method,
        redirect: 'error',
        signal: this.signal,
      })
    } catch (error) {
      exchange.failure = this.signal.aborted ? 'aborted' : describeFailure(error)
      throw error
    }
    exchange.status = response.status
    const text = await response.text()
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      headers[name] = value
    })
    // msal looks the header up as `Retry-After` but fetch lower-cases names: without this, Azure's Retry-After
    // (App Service, Arc) would be ignored and every retry would wait msal's minimum second.
    const retryAfter = response.headers.get('retry-after')
    if (retryAfter !== null) headers['Retry-After'] = retryAfter
    return {body: parseBody(text, response.status) as T, headers, status: response.status}
  }
}

/** `connect ECONNREFUSED 127.0.0.1:1` rather than undici's "fetch failed". */
function describeFailure(error: unknown): string {
  const cause = (error as {cause?: {code?: unknown; message?: unknown}}).cause
  if (cause && typeof cause.code === 'string') return cause.code
  if (cause && typeof cause.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}

/** Azure's endpoints answer JSON; anything else (a captive portal, a proxy's HTML page) becomes an error body. */
function parseBody(text: string, status: number): unknown {
  try {
    const body: unknown = JSON.parse(text)
    if (body && typeof body === 'object') return body
  } catch {
    // fall through
  }
  return {error: 'invalid_response', error_description: `HTTP ${status} with a body that is not JSON`}
}
