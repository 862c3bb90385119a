/**
 * One emulated identity endpoint: plain HTTP on 127.0.0.1 (as IMDS, App Service and Arc are: link-local or
 * loopback, never TLS), a log of every request, and injected faults that replace answers ("429, then 503, then the
 * real thing"), so tests can count requests and watch retries.
 */
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

export type SourceName = 'imds' | 'app-service' | 'arc'

export interface EmulatorRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
}

export interface EmulatorResponse {
  status: number
  headers?: Record<string, string>
  body: unknown
}

export interface RequestRecord {
  source: SourceName
  method: string
  path: string
  query: Record<string, string>
  /** Which of the headers that matter were sent (their values are secrets on App Service and Arc). */
  metadataHeader: string | undefined
  identityHeader: boolean
  authorization: boolean
  /** 0 until answered. */
  status: number
  faulted: boolean
}

export interface Fault {
  /** Answer with this status and Azure's body for it; without one, only `delayMs` applies and the real answer follows. */
  status?: number
  /** How many consecutive requests it answers (default 1). */
  times?: number
  /** Adds `Retry-After` in seconds. */
  retryAfterSeconds?: number
  /** Replaces the Azure-shaped body chosen for the status. */
  body?: unknown
  /** Answer only after this long (a hung endpoint); the answer is dropped if the emulator stops first. */
  delayMs?: number
}

export type Handler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>

export class Endpoint {
  private server: Server | undefined
  private port = 0
  private readonly faults: Array<{fault: Fault; remaining: number}> = []
  private stopping = new AbortController()

  constructor(
    readonly source: SourceName,
    private readonly handler: Handler,
    private readonly log: RequestRecord[],
    /** The body Azure sends with a given error status from this source. */
    private readonly errorBody: (status: number) => unknown,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://emulator.invalid')
      // msal-node sends IMDS and Arc requests to `…/oauth2/token/`; Azure routes both spellings alike.
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname
      const request: EmulatorRequest = {
        headers: req.headers,
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
      }
      const record: RequestRecord = {
        authorization: req.headers.authorization !== undefined,
        faulted: false,
        identityHeader: req.headers['x-identity-header'] !== undefined,
        metadataHeader: typeof req.headers.metadata === 'string' ? req.headers.metadata : undefined,
        method: request.method,
        path: request.path,
        query: Object.fromEntries(url.searchParams),
        source: this.source,
        status: 0,
      }
      this.log.push(record)
      req.resume()
      const stopping = this.stopping.signal
      req.on('end', async () => {
        let response: EmulatorResponse
        try {
          const fault = this.takeFault()
          record.faulted = fault?.response !== undefined
          if (fault?.delayMs) await sleep(fault.delayMs, undefined, {signal: stopping})
          response = fault?.response ?? (await this.handler(request))
        } catch (error) {
          if (stopping.aborted) return
          response = {body: {error: 'emulator_bug', error_description: String(error)}, status: 500}
        }
        record.status = response.status
        const payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body)
        res.writeHead(response.status, {
          'Content-Length': String(Buffer.byteLength(payload)),
          'Content-Type': 'application/json; charset=utf-8',
          ...response.headers,
        })
        res.end(payload)
      })
    })
    server.keepAliveTimeout = 1000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host: '127.0.0.1', port: 0}, () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  fail(fault: Fault): void {
    const times = fault.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault 'times' must be a positive integer, got ${times}`)
    this.faults.push({fault, remaining: times})
  }

  pendingFaults(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0)
  }

  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.stopping.abort()
    this.stopping = new AbortController()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }

  private takeFault(): {delayMs?: number; response?: EmulatorResponse} | undefined {
    const head = this.faults[0]
    if (!head) return undefined
    head.remaining -= 1
    if (head.remaining === 0) this.faults.shift()
    const {fault} = head
    if (fault.status === undefined) return {delayMs: fault.delayMs}
    const headers: Record<string, string> = {}
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds)
    return {
      delayMs: fault.delayMs,
      response: {body: fault.body ?? this.errorBody(fault.status), headers, status: fault.status},
    }
  }
}

/** The query parameter naming a user-assigned identity, among those a source accepts. */
export function selectorIn(query: URLSearchParams, names: Record<string, 'client_id' | 'object_id' | 'resource_id'>) {
  const found = Object.entries(names).filter(([name]) => query.has(name))
  if (found.length === 0) return {selector: undefined}
  if (found.length > 1) return {conflict: found.map(([name]) => name)}
  const [name, kind] = found[0]
  return {selector: {kind, value: query.get(name) ?? ''}}
}
