/**
 * The provider's tiny HTTP vocabulary. Handlers are plain functions from a parsed request to a response object,
 * so the server can count, delay or replace (fault-inject) any response in one place, and a new grant or page
 * is one more module that never touches sockets.
 */
import type {IncomingHttpHeaders} from 'node:http'

export interface IdpRequest {
  method: string
  /** Path without the query string, e.g. `/contoso.example/oauth2/v2.0/token`. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Raw body (empty for GET). */
  body: Buffer
  /** Route captures, e.g. `{tenant: 'contoso.example'}`. */
  params: Record<string, string>
  /**
   * Correlation id as Entra derives it: the caller's `client-request-id` header, else the `client-request-id`
   * query parameter (msal-node puts it there on token requests), else a fresh GUID.
   */
  correlationId: string
  /** Per-response id, Entra's `x-ms-request-id` / `trace_id`. */
  traceId: string
}

export interface IdpResponse {
  status: number
  headers?: Record<string, string>
  /** Objects are sent as JSON; strings as-is (set content-type in `headers` for HTML or broken JSON). */
  body: unknown
}

export type Handler = (req: IdpRequest) => IdpResponse | Promise<IdpResponse>

export interface Route {
  method: 'GET' | 'POST'
  /** Matched against the path; named groups become `req.params`. */
  pattern: RegExp
  handler: Handler
  /** Token-endpoint-like routes: injected faults apply to them and their bodies are recorded. */
  faultable?: boolean
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): IdpResponse {
  return {status, body, headers}
}

/** `application/x-www-form-urlencoded` body as a plain object; repeated keys keep the last value (as Entra does not accept repeats anyway). */
export function parseForm(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) out[key] = value
  return out
}
