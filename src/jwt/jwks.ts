import {deadline} from '../base/abort.js'
import {NetworkError} from '../base/errors.js'
import {printable} from '../base/text.js'
import {describeNetworkError, proxyAwareDispatcher} from '../net/http-client.js'

/**
 * HTTP for `inspect --verify` (OpenID metadata and JWKS). It is undici's fetch with the dispatcher the token requests
 * use ({@link proxyAwareDispatcher}: HTTPS_PROXY / NO_PROXY), not Node's global fetch, because the global one ignores
 * them: behind a corporate proxy verification would fail where get-token works. A private or TLS-inspecting CA comes
 * in through NODE_EXTRA_CA_CERTS, which Node's default TLS context (and so undici) already trusts.
 */
export type FetchLike = (
  url: string,
  init: {
    headers?: Headers | Record<string, string>
    redirect?: 'manual' | 'follow' | 'error'
    signal?: AbortSignal
    method?: string
  },
) => Promise<Response>

export function proxyAwareFetch(): FetchLike {
  // Loaded on first use only: undici is large, and only --verify goes to the network.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici = require('undici') as typeof import('undici')
  const dispatcher = proxyAwareDispatcher()
  return (url, init) => undici.fetch(url, {...(init as object), dispatcher}) as unknown as Promise<Response>
}

/**
 * A failed request as a NetworkError (exit 5) naming what could not be reached and the likely fix (the wording is
 * network.ts's, shared with get-token). `ownSignalFired`: our own timeout ended it, so it "did not answer in time".
 */
export function networkProblem(error: unknown, what: string, url: string, ownSignalFired: boolean): NetworkError {
  let host: string
  try {
    host = new URL(url).host
  } catch {
    host = printable(url)
  }
  const described = describeNetworkError(error, host, ownSignalFired, {
    address: 'the issuer URL',
    where: `the ${what} at ${printable(url, 200)}`,
  })
  return new NetworkError(
    `Cannot verify: ${described.message.charAt(0).toLowerCase()}${described.message.slice(1)}`,
    described.code,
  )
}

/** GET a JSON document; any failure (network, status, not JSON) is a NetworkError. */
export async function getJson(
  fetch: FetchLike,
  url: string,
  what: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const limit = deadline(timeoutMs)
  try {
    let response: Response
    try {
      response = await fetch(url, {
        headers: {accept: 'application/json', 'user-agent': 'entra-auth-cli'},
        signal: limit.signal,
      })
    } catch (error) {
      throw networkProblem(error, what, url, limit.signal.aborted)
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined)
      throw new NetworkError(
        `Cannot verify: the ${what} at ${printable(url, 200)} answered HTTP ${response.status}.`,
        'HTTP_STATUS',
      )
    }
    let body: unknown
    try {
      body = await response.json()
    } catch (error) {
      if (limit.signal.aborted) throw networkProblem(error, what, url, true)
      body = undefined
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new NetworkError(
        `Cannot verify: the ${what} at ${printable(url, 200)} is not a JSON object.`,
        'BAD_RESPONSE',
      )
    }
    return body as Record<string, unknown>
  } finally {
    limit.clear()
  }
}
