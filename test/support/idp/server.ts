/**
 * The HTTPS server: routing, request counting, token-request recording and fault injection. Endpoint logic
 * lives in route modules; this file only moves bytes and keeps the books tests assert on
 * ("a cache hit makes no request", "msal retried once", "the secret never left the process in clear"...).
 */
import {randomUUID} from 'node:crypto'
import {createServer, type Server} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {clientAuthKind, presentedCredential} from './client-auth.js'
import type {FaultQueue} from './faults.js'
import {parseForm, type IdpRequest, type IdpResponse, type Route} from './http.js'
import type {ClientAuthKind} from './tokens.js'

/** Request body fields never kept in clear in the log. */
const SECRET_FIELDS = new Set([
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
  'refresh_token',
  'device_code',
  'password',
  'assertion',
])
const REDACTED = '[redacted]'
const MAX_BODY_BYTES = 1024 * 1024

export interface TokenRequestRecord {
  path: string
  tenant: string
  grant_type?: string
  client_id?: string
  scope?: string
  /** What the client presented (not whether it was accepted); 'conflict' when it sent more than one. */
  clientAuth: ClientAuthKind | 'conflict'
  /** The whole form with secrets replaced by "[redacted]". */
  body: Record<string, string>
  /** HTTP status answered (0 while in flight or when the provider was stopped first). */
  status: number
  /** True when an injected fault replaced the answer. */
  faulted: boolean
  /** When the request arrived (ms since the epoch): tests measure polling intervals with it. */
  at: number
  /** The IDs the answer carried (`trace_id`, `correlation_id` in an error body), as Microsoft support asks for them. */
  traceId: string
  correlationId: string
}

export interface ServerTls {
  key: string
  cert: string
}

export class IdpServer {
  private server: Server | undefined
  private stopping: AbortController | undefined
  private readonly requestCounts = new Map<string, number>()
  private readonly tokenLog: TokenRequestRecord[] = []
  private boundPort = 0

  constructor(
    private readonly tls: ServerTls,
    private readonly routes: readonly Route[],
    private readonly faults: FaultQueue,
    private readonly origin: () => string,
  ) {}

  get port(): number {
    return this.boundPort
  }

  get running(): boolean {
    return this.server !== undefined
  }

  /** Listen on 127.0.0.1; `port` 0 picks a free one the first time, later starts reuse it. */
  async listen(port = this.boundPort): Promise<number> {
    if (this.server) return this.boundPort
    const server = createServer({key: this.tls.key, cert: this.tls.cert}, (req, res) => {
      void this.handle(req, res)
    })
    // Idle keep-alive sockets would otherwise hold stop() until they time out.
    server.keepAliveTimeout = 1000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host: '127.0.0.1', port}, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.stopping = new AbortController()
    this.boundPort = (server.address() as AddressInfo).port
    return this.boundPort
  }

  /** Close the listener and every connection now, and abandon delayed (fault-injected) responses. */
  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.stopping?.abort()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.requestCounts)
  }

  /** Sum of counts whose `"METHOD /path"` key ends with `suffix` (all requests without one). */
  requestCount(suffix = ''): number {
    let total = 0
    for (const [key, n] of this.requestCounts) if (key.endsWith(suffix)) total += n
    return total
  }

  tokenRequests(): TokenRequestRecord[] {
    return this.tokenLog.map((r) => ({...r, body: {...r.body}}))
  }

  resetCounts(): void {
    this.requestCounts.clear()
    this.tokenLog.length = 0
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = this.stopping?.signal
    try {
      const url = new URL(req.url ?? '/', 'https://idp.invalid')
      const method = (req.method ?? 'GET').toUpperCase()
      const key = `${method} ${url.pathname}`
      this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1)

      const body = await readBody(req)
      const header = req.headers['client-request-id']
      const idpReq: IdpRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params: {},
        correlationId:
          (typeof header === 'string' && header) ||
          url.searchParams.get('client-request-id') ||
          formField(req, body, 'client-request-id') ||
          randomUUID(),
        traceId: randomUUID(),
      }

      const route = this.match(idpReq)
      if (!route) {
        this.send(res, idpReq, {status: 404, body: {error: 'not_found', error_description: `No route for ${key}`}})
        return
      }

      let record: TokenRequestRecord | undefined
      let response: IdpResponse | undefined
      if (route.faultable) {
        record = this.record(idpReq)
        const fault = this.faults.take(this.origin(), idpReq)
        if (fault && fault.delayMs > 0) await sleep(fault.delayMs, undefined, {signal})
        response = fault?.response
        record.faulted = response !== undefined
      }
      response ??= await route.handler(idpReq)
      if (signal?.aborted) return
      if (record) record.status = response.status
      this.send(res, idpReq, response)
    } catch (e) {
      // Stopped while delaying: the socket is already gone.
      if (signal?.aborted) return
      if (!res.headersSent) {
        res.writeHead(500, {'Content-Type': 'text/plain'})
        res.end(`idp internal error: ${e instanceof Error ? e.stack : String(e)}`)
      } else {
        res.destroy()
      }
    }
  }

  private match(req: IdpRequest): Route | undefined {
    for (const route of this.routes) {
      if (route.method !== req.method) continue
      const m = route.pattern.exec(req.path)
      if (m) {
        req.params = {...m.groups}
        return route
      }
    }
    return undefined
  }

  private record(req: IdpRequest): TokenRequestRecord {
    const form = parseForm(req.body)
    const body: Record<string, string> = {}
    for (const [k, v] of Object.entries(form)) body[k] = SECRET_FIELDS.has(k) ? REDACTED : v
    const record: TokenRequestRecord = {
      path: req.path,
      tenant: req.params.tenant ?? '',
      ...(form.grant_type !== undefined ? {grant_type: form.grant_type} : {}),
      ...(form.client_id !== undefined ? {client_id: form.client_id} : {}),
      ...(form.scope !== undefined ? {scope: form.scope} : {}),
      clientAuth: clientAuthKind(presentedCredential(req, form)),
      body,
      status: 0,
      faulted: false,
      at: Date.now(),
      traceId: req.traceId,
      correlationId: req.correlationId,
    }
    this.tokenLog.push(record)
    return record
  }

  private send(res: ServerResponse, req: IdpRequest, response: IdpResponse): void {
    const isText = typeof response.body === 'string' || Buffer.isBuffer(response.body)
    const payload = isText ? (response.body as string | Buffer) : JSON.stringify(response.body)
    // Entra's standard response headers; msal reads x-ms-request-id into telemetry.
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'Content-Type': 'application/json; charset=utf-8',
      'x-ms-request-id': req.traceId,
      'client-request-id': req.correlationId,
      ...response.headers,
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload))
    res.writeHead(response.status, headers)
    res.end(payload)
  }
}

/** msal-node 7 sends `client-request-id` in the token request body rather than as a header. */
function formField(req: IncomingMessage, body: Buffer, name: string): string | undefined {
  if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return undefined
  return new URLSearchParams(body.toString('utf8')).get(name) ?? undefined
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > MAX_BODY_BYTES) throw new Error('request body too large')
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}
