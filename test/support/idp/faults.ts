/**
 * Fault injection for token-endpoint-like routes. Faults queue up; each request to such a route consumes one
 * (a fault with `times: n` serves n requests), so a test can script "503, then 429, then success".
 */
import {AADSTS, entraErrorResponse, type EntraError} from './errors.js'
import type {IdpRequest, IdpResponse} from './http.js'

export interface FaultSpec {
  /** Answer with this HTTP status and an Entra-shaped error body instead of running the handler. */
  status?: number
  /** How many consecutive requests this fault serves (default 1). */
  times?: number
  /** Adds `Retry-After` (seconds). 429 always carries one: this value, default 1. */
  retryAfterSeconds?: number
  /** Wait this long before answering; alone, it slows an otherwise normal response. */
  delayMs?: number
  /** Answer with a truncated JSON body (status 200 unless `status` is set). */
  malformedJson?: boolean
  /** Answer with exactly this JSON body (status 400 unless `status` is set): a non-Entra or hostile provider. */
  body?: Record<string, unknown>
}

/** One consumed fault: optional delay, then either a replacement response or "carry on". */
export interface FaultAction {
  delayMs: number
  response?: IdpResponse
}

function entraErrorFor(status: number): EntraError {
  if (status === 429) return AADSTS.throttled()
  if (status === 500) return AADSTS.serverError()
  if (status === 502 || status === 503 || status === 504) return AADSTS.temporarilyUnavailable(status)
  if (status >= 500) return {...AADSTS.serverError(), status}
  return {...AADSTS.malformedRequest('injected fault'), status}
}

export class FaultQueue {
  private readonly queue: Array<{spec: FaultSpec; remaining: number}> = []

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault 'times' must be a positive integer, got ${times}`)
    this.queue.push({spec, remaining: times})
  }

  clear(): void {
    this.queue.length = 0
  }

  /** Requests still to be served a fault. */
  pending(): number {
    return this.queue.reduce((sum, f) => sum + f.remaining, 0)
  }

  /** Consume the next fault for this request, if any. */
  take(origin: string, req: IdpRequest): FaultAction | undefined {
    const head = this.queue[0]
    if (!head) return undefined
    head.remaining -= 1
    if (head.remaining === 0) this.queue.shift()
    const {spec} = head
    const headers: Record<string, string> = {}
    const retryAfter = spec.retryAfterSeconds ?? (spec.status === 429 ? 1 : undefined)
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter)

    let response: IdpResponse | undefined
    if (spec.malformedJson) {
      // Cut mid-string: a client that trusts content-type and parses blindly fails here.
      response = {
        status: spec.status ?? 200,
        headers: {...headers, 'Content-Type': 'application/json; charset=utf-8'},
        body: '{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi',
      }
    } else if (spec.body) {
      response = {body: spec.body, headers, status: spec.status ?? 400}
    } else if (spec.status !== undefined) {
      response = entraErrorResponse(origin, req, {...entraErrorFor(spec.status), headers})
    }
    return {delayMs: spec.delayMs ?? 0, response}
  }
}
