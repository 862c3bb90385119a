import type {Dispatcher} from 'undici'
import type {INetworkModule, NetworkRequestOptions, NetworkResponse} from '@azure/msal-node'
import {deadline, sleep} from '../base/abort.js'
import {NetworkError} from '../base/errors.js'
import {printable} from '../base/text.js'
import {formatLocalTime, formatSpan} from '../base/time.js'

/**
 * msal-node's network client, built on undici instead of msal's own (whose `proxyUrl` handling is unreliable):
 * - HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured through undici's EnvHttpProxyAgent ({@link proxyAwareDispatcher},
 *   shared with `inspect --verify`);
 * - a corporate CA comes in through NODE_EXTRA_CA_CERTS, which Node's default TLS context already trusts;
 * - retries (5xx, a reset connection, 429) only for requests that are safe to send twice, and only when the wait
 *   (Retry-After, or our backoff) fits both maxRetryAfterMs and the caller's deadline; otherwise the HTTP status is
 *   reported at once, with when to retry, instead of sleeping into a timeout;
 * - a failure is kept as `lastFailure`, a NetworkError with advice, because msal wraps whatever we throw.
 */
export interface HttpClientOptions {
  signal?: AbortSignal
  /** When the caller gives up (epoch ms): a retry whose wait would end too close to it is not attempted. */
  deadline?: number
  /** The same as `deadline`, counted from construction; ignored when `deadline` is given. */
  timeoutMs?: number
  /** Attempts for a 5xx or a reset connection, the first one included. */
  attempts?: number
  /** Longest Retry-After we are willing to sit through. */
  maxRetryAfterMs?: number
  /** The wait before retry `attempt` (1, 2, ...) when the server names none: 0.4 s, doubling, at most 4 s. */
  backoffMs?: (attempt: number) => number
  userAgent?: string
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504])
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT'])
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/
/** undici's words when a proxy answers CONNECT with anything but 200 (a RequestAbortedError, code UND_ERR_ABORTED). */
const PROXY_REFUSAL = /Proxy response \((\d+)\)/
/**
 * Token requests that may be sent twice: a client-credentials request, and a device-code poll (polling is the
 * protocol). An authorization code or a (rotating) refresh token is redeemed once: if the first attempt reached
 * Entra, a second one fails with "code already redeemed" or burns the refresh token, so those are never retried.
 */
const REPEATABLE_GRANTS = new Set(['client_credentials', 'device_code', 'urn:ietf:params:oauth:grant-type:device_code'])
/** A retry must leave this much time before the deadline for the request itself. */
const REQUEST_ROOM_MS = 1000

type Undici = typeof import('undici')
let undici: Undici | undefined
let dispatcher: Dispatcher | undefined

function loadUndici(): Undici {
  // Loaded on first use only: undici is large, and most commands never go to the network.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  undici ??= require('undici') as Undici
  return undici
}

/** The one HTTP dispatcher of the process: undici's EnvHttpProxyAgent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), made on first use. */
export function proxyAwareDispatcher(): Dispatcher {
  dispatcher ??= new (loadUndici().EnvHttpProxyAgent)()
  return dispatcher
}

export interface NetworkErrorContext {
  /** What was being fetched, starting lower-case: "the identity provider at HOST" (default "the server at HOST"). */
  where?: string
  /** What to check when the address may be wrong: "the profile's authority" (default "the address"). */
  address?: string
}

/**
 * A failed request as a NetworkError (exit 5) with the likely fix. `ownSignalFired` says whether our own timeout
 * (or Ctrl-C) ended the request: only then is it "did not answer in time", for undici reports a proxy refusing the
 * CONNECT as an abort too (RequestAbortedError "Proxy response (407) !== 200 when HTTP Tunneling").
 */
export function describeNetworkError(
  error: unknown,
  host: string,
  ownSignalFired: boolean,
  context: NetworkErrorContext = {},
): NetworkError {
  const where = context.where ?? `the server at ${host}`
  const address = context.address ?? 'the address'
  const chain = causes(error)
  const proxy = chain.map((e) => PROXY_REFUSAL.exec(String(e.message ?? ''))).find(Boolean)
  if (proxy) {
    const status = Number(proxy[1])
    if (status === 407) {
      return new NetworkError(
        `The proxy refused to connect to ${host}: it requires authentication (HTTP 407). Put the credentials in the proxy URL: HTTPS_PROXY=http://user:pass@host:port.`,
        'PROXY',
      )
    }
    return new NetworkError(
      `The proxy refused to connect to ${host} (HTTP ${status}). Check HTTPS_PROXY, and NO_PROXY if ${host} should be reached directly.`,
      'PROXY',
    )
  }
  const code = errorCode(error)
  const subject = capitalize(where)
  if (ownSignalFired || TIMEOUT_CODES.has(code)) {
    return new NetworkError(
      `${subject} did not answer in time. Check your network or proxy (HTTPS_PROXY), or raise --timeout.`,
      'TIMEOUT',
    )
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkError(
      `${subject} is unreachable (connection refused). Check ${address} and your proxy settings (HTTPS_PROXY, NO_PROXY).`,
      'REFUSED',
    )
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new NetworkError(
      `${subject} is unreachable (cannot resolve ${host}). Check ${address} and your DNS or proxy settings (HTTPS_PROXY).`,
      'DNS',
    )
  }
  if (TLS_CODES.test(code)) {
    return new NetworkError(
      `The TLS certificate of ${host} is not trusted (${code}). Behind a TLS-inspecting proxy or with a private CA, set NODE_EXTRA_CA_CERTS to its CA certificate file.`,
      'TLS',
    )
  }
  return new NetworkError(
    `${subject} is unreachable (${printable(code || chain[0]?.message || String(error), 200)}).`,
    'NETWORK',
  )
}

type Attempt =
  | {ok: true; status: number; headers: Record<string, string>; text: string}
  | {ok: false; error: unknown; ownSignalFired: boolean}

export class HttpClient implements INetworkModule {
  lastFailure: NetworkError | undefined
  private readonly attempts: number
  private readonly maxRetryAfterMs: number
  private readonly deadline: number | undefined

  constructor(private readonly options: HttpClientOptions = {}) {
    this.attempts = options.attempts ?? 3
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
    this.deadline = options.deadline ?? (options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs)
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

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const host = new URL(url).host
    const where = `the identity provider at ${host}`
    const context = {address: "the profile's authority", where}
    // A 429 means the request was not processed, so it may be repeated whatever it was; a 5xx or a reset may come
    // after the request reached Entra, so only requests that are safe to send twice are repeated then.
    const repeatable = method === 'GET' || isRepeatablePost(options?.body)
    for (let attempt = 1; ; attempt++) {
      const response = await this.once(method, url, options, timeout)
      if (!response.ok) {
        const code = errorCode(response.error)
        if (
          repeatable &&
          attempt < this.attempts &&
          RETRYABLE_CODES.has(code) &&
          !response.ownSignalFired &&
          this.fits(this.backoff(attempt))
        ) {
          await this.sleep(this.backoff(attempt))
          continue
        }
        this.fail(describeNetworkError(response.error, host, response.ownSignalFired, context))
      }
      const throttled = response.status === 429
      if (throttled || RETRYABLE_STATUS.has(response.status)) {
        const header = response.headers['retry-after']
        const askedMs = retryAfterMs(header)
        const mayRetry = throttled ? attempt < this.attempts + 2 : repeatable && attempt < this.attempts
        const answered = `${capitalize(where)} answered HTTP ${response.status}`
        if (mayRetry) {
          const waitMs = askedMs ?? this.backoff(attempt)
          if (waitMs <= this.maxRetryAfterMs && this.fits(waitMs)) {
            await this.sleep(waitMs)
            continue
          }
          if (askedMs !== undefined) {
            const limit =
              askedMs > this.maxRetryAfterMs
                ? `the ${formatSpan(this.maxRetryAfterMs / 1000)} this command waits for a retry`
                : 'the time left before the timeout (--timeout)'
            this.fail(
              new NetworkError(
                `${answered} and asked to retry ${whenToRetry(askedMs)}, longer than ${limit}. Try again then.`,
                'HTTP_UNAVAILABLE',
              ),
            )
          }
          this.fail(
            new NetworkError(
              `${answered} after ${attempt} attempt(s), with no time left for another before the timeout (--timeout). Try again later.`,
              'HTTP_UNAVAILABLE',
            ),
          )
        }
        const after = askedMs === undefined ? '' : `; it asked to retry ${whenToRetry(askedMs)}`
        const once =
          !throttled && !repeatable ? ' (not retried: a sign-in code or refresh token can be redeemed only once)' : ''
        this.fail(
          new NetworkError(
            `${answered} after ${attempt} attempt(s)${once}${after}. Try again later.`,
            'HTTP_UNAVAILABLE',
          ),
        )
      }
      let body: T
      try {
        body = (response.text ? JSON.parse(response.text) : {}) as T
      } catch {
        this.fail(
          new NetworkError(
            `The identity provider at ${host} sent an unreadable response (HTTP ${response.status}, not JSON). Check the authority URL or proxy.`,
            'BAD_RESPONSE',
          ),
        )
      }
      return {body, headers: response.headers, status: response.status}
    }
  }

  private async once(
    method: string,
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<Attempt> {
    const limit = deadline(timeout, [this.options.signal])
    let status: number
    let rawHeaders: Record<string, string | string[] | undefined>
    let text: string
    try {
      const response = await loadUndici().request(url, {
        body: options?.body,
        dispatcher: proxyAwareDispatcher(),
        headers: {'user-agent': this.options.userAgent ?? 'entra-auth-cli', ...options?.headers},
        method: method as 'GET' | 'POST',
        signal: limit.signal,
      })
      status = response.statusCode
      rawHeaders = response.headers
      text = await response.body.text()
    } catch (error) {
      return {error, ok: false, ownSignalFired: limit.signal.aborted}
    } finally {
      limit.clear()
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    }
    return {headers, ok: true, status, text}
  }

  /** Whether waiting `waitMs` still leaves room for one more request before the caller's deadline. */
  private backoff(attempt: number): number {
    return (this.options.backoffMs ?? backoff)(attempt)
  }

  private fits(waitMs: number): boolean {
    return this.deadline === undefined || Date.now() + waitMs + REQUEST_ROOM_MS <= this.deadline
  }

  private fail(error: NetworkError): never {
    this.lastFailure = error
    throw error
  }

  private sleep(ms: number): Promise<void> {
    return sleep(ms, this.options.signal)
  }
}

/** A POST whose form body is a client-credentials request or a device-code poll (see REPEATABLE_GRANTS). */
export function isRepeatablePost(body: unknown): boolean {
  if (typeof body !== 'string') return false
  return REPEATABLE_GRANTS.has(new URLSearchParams(body).get('grant_type') ?? '')
}

/**
 * The error and its causes, outermost first: undici's fetch nests the socket error (or a proxy's refusal) two deep,
 * TypeError "fetch failed" → DOMException "Request was cancelled." → RequestAbortedError "Proxy response (407) ...".
 */
function causes(error: unknown): Array<{message?: unknown; code?: unknown}> {
  const chain: Array<{message?: unknown; code?: unknown; cause?: unknown}> = []
  let current = error
  while (current && typeof current === 'object' && chain.length < 5) {
    const link = current as {message?: unknown; code?: unknown; cause?: unknown}
    chain.push(link)
    current = link.cause
  }
  return chain
}

/** The first string error code in the chain (a DOMException's numeric legacy `code` is not one). */
function errorCode(error: unknown): string {
  const code = causes(error).find((e) => typeof e.code === 'string' && e.code)?.code
  return typeof code === 'string' ? code : ''
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

/** "in 1 h (at 2026-11-26 18:30:05 +01:00)": a Retry-After, whether it came as seconds or as a date. */
export function whenToRetry(waitMs: number, now = Date.now()): string {
  return `in ${formatSpan(Math.ceil(waitMs / 1000))} (at ${formatLocalTime(new Date(now + waitMs))})`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
