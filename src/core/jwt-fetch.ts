import {NetworkError} from './errors.js'
import {printable} from './jwt-read.js'

/**
 * HTTP for `inspect --verify` (OpenID metadata and JWKS). It is undici's fetch with the same EnvHttpProxyAgent the
 * token requests use (src/core/network.ts), not Node's global fetch, because the global one ignores HTTPS_PROXY /
 * NO_PROXY: behind a corporate proxy verification would fail where get-token works. A private or TLS-inspecting
 * CA comes in through NODE_EXTRA_CA_CERTS, which Node's default TLS context (and so undici) already trusts.
 */
export type FetchLike = (
  url: string,
  init: {headers?: Headers | Record<string, string>; redirect?: 'manual' | 'follow' | 'error'; signal?: AbortSignal; method?: string},
) => Promise<Response>

export function proxyAwareFetch(): FetchLike {
  // Loaded on first use only: undici is large, and only --verify goes to the network.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici = require('undici') as typeof import('undici')
  const dispatcher = new undici.EnvHttpProxyAgent()
  return (url, init) => undici.fetch(url, {...(init as object), dispatcher}) as unknown as Promise<Response>
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/

/** A failed request as a NetworkError (exit 5) naming what could not be reached and the likely fix. */
export function networkProblem(error: unknown, what: string, url: string): NetworkError {
  const err = error as Error & {code?: string; cause?: {code?: string; name?: string}}
  const code = err.code ?? err.cause?.code ?? ''
  let host: string
  try {
    host = new URL(url).host
  } catch {
    host = printable(url)
  }
  const where = `${what} at ${printable(url, 200)}`
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'ERR_JWKS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new NetworkError(`Cannot verify: the ${where} did not answer in time. Check your network or proxy (HTTPS_PROXY).`, 'TIMEOUT')
  }
  if (code === 'ECONNREFUSED') return new NetworkError(`Cannot verify: the ${where} is unreachable (connection refused by ${host}).`, 'REFUSED')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkError(`Cannot verify: the ${where} is unreachable (cannot resolve ${host}).`, 'DNS')
  if (TLS_CODES.test(code)) {
    return new NetworkError(`Cannot verify: the TLS certificate of ${host} is not trusted (${code}). With a private or TLS-inspecting CA, set NODE_EXTRA_CA_CERTS to its CA certificate file.`, 'TLS')
  }
  return new NetworkError(`Cannot verify: the ${where} is unreachable (${printable(code || err.message || String(error))}).`, 'NETWORK')
}

/** GET a JSON document; any failure (network, status, not JSON) is a NetworkError. */
export async function getJson(fetch: FetchLike, url: string, what: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let response: Response
  try {
    response = await fetch(url, {headers: {accept: 'application/json', 'user-agent': 'entra-auth-cli'}, signal: AbortSignal.timeout(timeoutMs)})
  } catch (error) {
    throw networkProblem(error, what, url)
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new NetworkError(`Cannot verify: the ${what} at ${printable(url, 200)} answered HTTP ${response.status}.`, 'HTTP_STATUS')
  }
  let body: unknown
  try {
    body = await response.json()
  } catch (error) {
    if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') throw networkProblem(error, what, url)
    body = undefined
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new NetworkError(`Cannot verify: the ${what} at ${printable(url, 200)} is not a JSON object.`, 'BAD_RESPONSE')
  }
  return body as Record<string, unknown>
}
