import type {INetworkModule, NetworkRequestOptions, NetworkResponse} from '@azure/msal-node'
import {deadline} from './abort.js'
import {NetworkError} from './errors.js'

/**
 * msal-node's network client, built on undici instead of msal's own (whose `proxyUrl` handling is unreliable):
 * - HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured through undici's EnvHttpProxyAgent;
 * - a corporate CA comes in through NODE_EXTRA_CA_CERTS, which Node's default TLS context already trusts;
 * - 5xx and connection resets are retried with backoff, 429 waits for Retry-After, all inside one deadline;
 * - a failure is kept as `lastFailure`, a NetworkError with advice, because msal wraps whatever we throw.
 */
export interface HttpClientOptions {
  signal?: AbortSignal
  /** Attempts for a 5xx or a reset connection, the first one included. */
  attempts?: number
  /** Longest Retry-After we are willing to sit through. */
  maxRetryAfterMs?: number
  userAgent?: string
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504])
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT'])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/

type Undici = typeof import('undici')
let undici: Undici | undefined
let dispatcher: import('undici').Dispatcher | undefined

function agent(): {undici: Undici; dispatcher: import('undici').Dispatcher} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  undici ??= require('undici') as Undici
  dispatcher ??= new undici.EnvHttpProxyAgent()
  return {dispatcher, undici}
}

export class HttpClient implements INetworkModule {
  lastFailure: NetworkError | undefined
  private readonly attempts: number
  private readonly maxRetryAfterMs: number

  constructor(private readonly options: HttpClientOptions = {}) {
    this.attempts = options.attempts ?? 3
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout)
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options)
  }

  async getJson<T>(url: string): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url)
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const host = new URL(url).host
    for (let attempt = 1; ; attempt++) {
      let response: {status: number; headers: Record<string, string>; text: string}
      try {
        response = await this.once(method, url, options, timeout)
      } catch (error) {
        const failure = this.describe(error, host)
        const code = (error as NodeJS.ErrnoException).code ?? ''
        if (attempt < this.attempts && RETRYABLE_CODES.has(code) && !this.options.signal?.aborted) {
          await this.sleep(backoff(attempt))
          continue
        }
        this.fail(failure)
      }
      if (response.status === 429 && attempt < this.attempts + 2) {
        const waitMs = retryAfterMs(response.headers['retry-after']) ?? backoff(attempt)
        if (waitMs <= this.maxRetryAfterMs) {
          await this.sleep(waitMs)
          continue
        }
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < this.attempts) {
        await this.sleep(retryAfterMs(response.headers['retry-after']) ?? backoff(attempt))
        continue
      }
      if (response.status === 429 || RETRYABLE_STATUS.has(response.status)) {
        const after = response.headers['retry-after'] ? `; it asked to retry after ${response.headers['retry-after']} s` : ''
        this.fail(new NetworkError(`The identity provider at ${host} answered HTTP ${response.status} after ${attempt} attempt(s)${after}. Try again later.`, 'HTTP_UNAVAILABLE'))
      }
      let body: T
      try {
        body = (response.text ? JSON.parse(response.text) : {}) as T
      } catch {
        this.fail(new NetworkError(`The identity provider at ${host} sent an unreadable response (HTTP ${response.status}, not JSON). Check the authority URL or proxy.`, 'BAD_RESPONSE'))
      }
      return {body, headers: response.headers, status: response.status}
    }
  }

  private async once(method: string, url: string, options: NetworkRequestOptions | undefined, timeout?: number) {
    const {dispatcher, undici} = agent()
    const limit = deadline(timeout, [this.options.signal])
    let status: number
    let rawHeaders: Record<string, string | string[] | undefined>
    let text: string
    try {
      const response = await undici.request(url, {
        body: options?.body,
        dispatcher,
        headers: {'user-agent': this.options.userAgent ?? 'entra-auth-cli', ...options?.headers},
        method: method as 'GET' | 'POST',
        signal: limit.signal,
      })
      status = response.statusCode
      rawHeaders = response.headers
      text = await response.body.text()
    } finally {
      limit.clear()
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    }
    return {headers, status, text}
  }

  private describe(error: unknown, host: string): NetworkError {
    const err = error as NodeJS.ErrnoException & {cause?: NodeJS.ErrnoException}
    const code = err.code ?? err.cause?.code ?? ''
    if (err.name === 'AbortError' || err.name === 'TimeoutError' || code === 'UND_ERR_ABORTED' || this.options.signal?.aborted) {
      return new NetworkError(`${host} did not answer in time. Check your network or proxy, or raise --timeout.`, 'TIMEOUT')
    }
    if (code === 'ECONNREFUSED') {
      return new NetworkError(`Cannot connect to ${host}: connection refused. Check the profile's authority and your proxy settings (HTTPS_PROXY).`, 'REFUSED')
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new NetworkError(`Cannot resolve ${host}. Check the profile's authority and your DNS or proxy settings.`, 'DNS')
    }
    if (TLS_CODES.test(code)) {
      return new NetworkError(`The TLS certificate of ${host} is not trusted (${code}). Behind a TLS-inspecting proxy or with a private CA, set NODE_EXTRA_CA_CERTS to its CA certificate file.`, 'TLS')
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
      return new NetworkError(`${host} did not answer in time. Check your network or proxy, or raise --timeout.`, 'TIMEOUT')
    }
    return new NetworkError(`Network error talking to ${host}: ${code || err.message}.`, 'NETWORK')
  }

  private fail(error: NetworkError): never {
    this.lastFailure = error
    throw error
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.options.signal
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }
}

function backoff(attempt: number): number {
  return Math.min(4000, 400 * 2 ** (attempt - 1))
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
