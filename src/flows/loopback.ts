import {timingSafeEqual} from 'node:crypto'
import {createConnection} from 'node:net'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {failurePage, PAGE_HEADERS} from './pages.js'

/**
 * The loopback listener that receives the authorization response (RFC 8252 §7.3) for InteractiveBrowser and
 * AuthorizationCode. Written here rather than using msal-node's because msal 7 offers no way to bind it, stop it
 * on Ctrl-C/--timeout or choose its port for AuthorizationCode, and it accepts only form_post.
 *
 * - Binds one loopback address only (127.0.0.1 for `localhost`), never all interfaces.
 * - Only on the redirect URI's path, and only a response carrying exactly the `state` this sign-in sent (compared
 *   in constant time). Any web page the user has open can make the browser send a request here (a form POST, an
 *   `<img src="http://localhost:PORT/?error=x">`); without the state it is answered 400 and ignored, so it can
 *   neither end the sign-in nor take the place of the real response.
 * - The response arrives as a form_post (what we ask for: the code stays out of URLs and browser history). A GET
 *   with the right state is handed over too, so the caller can refuse it with a clear error instead of waiting.
 * - Checks the Host header, so a web page using DNS rebinding cannot talk to it under another name.
 * - Hands over the first response with the right state, and keeps its HTTP response open until the caller knows
 *   the outcome (the token exchange), so the browser shows a truthful success or failure page.
 */

export class LoopbackPortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`${host}:${port} is already in use`)
    this.name = 'LoopbackPortInUseError'
  }
}

/** Binding a port below 1024 (the redirect URI's port 80) needs privileges the user does not have. */
export class LoopbackPortDeniedError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`${host}:${port} needs privileges to listen on`)
    this.name = 'LoopbackPortDeniedError'
  }
}

export interface LoopbackCallback {
  /** `code`, `state`, `error`, `error_description`, `client_info`, ... */
  params: URLSearchParams
  method: 'GET' | 'POST'
  /** Answers the browser (only the first call counts). */
  respond(html: string, status?: number): void
}

export interface LoopbackOptions {
  /** `127.0.0.1` or `::1`. */
  host: string
  /** 0: any free port. */
  port: number
  /** The redirect URI's path, e.g. `/`. */
  path: string
  /** The `state` this sign-in sent: only a response with exactly this one value is handed over. */
  state: string
  /** Told of every response that was ignored for a wrong or missing `state`. */
  onForeignResponse?: () => void
}

const MAX_BODY = 64 * 1024

export class LoopbackServer {
  private readonly sockets = new Set<Socket>()
  private delivered: LoopbackCallback | undefined
  private waiter: ((callback: LoopbackCallback) => void) | undefined
  private pending: LoopbackCallback | undefined
  private closed = false

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly path: string,
    private readonly state: string,
    private readonly onForeignResponse: (() => void) | undefined,
  ) {}

  static async listen(options: LoopbackOptions): Promise<LoopbackServer> {
    let instance: LoopbackServer | undefined
    const server = createServer((req, res) => instance?.handle(req, res))
    // A browser keeps idle connections open; they must not keep the process or the port alive afterwards.
    server.keepAliveTimeout = 500
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') reject(new LoopbackPortInUseError(options.host, options.port))
        else if (error.code === 'EACCES') reject(new LoopbackPortDeniedError(options.host, options.port))
        else reject(error)
      })
      server.listen({exclusive: true, host: options.host, port: options.port}, () => resolve())
    })
    const port = (server.address() as AddressInfo).port
    instance = new LoopbackServer(server, options.host, port, options.path, options.state, options.onForeignResponse)
    server.on('connection', (socket: Socket) => {
      instance!.sockets.add(socket)
      socket.once('close', () => instance!.sockets.delete(socket))
    })
    return instance
  }

  /** The first authorization response (code or error) with this sign-in's state that reaches the redirect URI. */
  next(): Promise<LoopbackCallback> {
    if (this.pending) {
      const callback = this.pending
      this.pending = undefined
      return Promise.resolve(callback)
    }
    return new Promise((resolve) => (this.waiter = resolve))
  }

  /** Stops listening and drops every connection; an unanswered browser request gets a failure page first. */
  async close(message = 'The sign-in was stopped.'): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.delivered?.respond(failurePage(message), 500)
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    // Give a response that was just written a moment to flush before the sockets go.
    await new Promise((resolve) => setImmediate(resolve))
    for (const socket of this.sockets) socket.destroy()
    this.server.closeAllConnections()
    await done
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, html: string) => {
      if (res.headersSent) return
      res.writeHead(status, {...PAGE_HEADERS, Connection: 'close', 'Content-Length': Buffer.byteLength(html)})
      res.end(html)
    }
    if (!this.hostAllowed(req.headers.host))
      return send(421, failurePage('This address does not serve that host name.'))
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    const method = req.method?.toUpperCase()
    if (url.pathname !== this.path) return send(404, failurePage('Nothing here.'))
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('Allow', 'GET, POST')
      return send(405, failurePage('Method not allowed.'))
    }
    const accept = (params: URLSearchParams) => {
      if (!params.has('code') && !params.has('error'))
        return send(400, failurePage('This is not an authorization response.'))
      if (!this.ours(params)) {
        this.onForeignResponse?.()
        return send(
          400,
          failurePage(
            'This response does not belong to the sign-in in progress (its state does not match), so it was ignored.',
          ),
        )
      }
      if (this.delivered || this.closed) return send(409, failurePage('This sign-in has already been handled.'))
      let answered = false
      const callback: LoopbackCallback = {
        method: method as 'GET' | 'POST',
        params,
        respond: (html, status = 200) => {
          if (answered) return
          answered = true
          send(status, html)
        },
      }
      this.delivered = callback
      if (this.waiter) this.waiter(callback)
      else this.pending = callback
    }
    if (method === 'GET') return accept(url.searchParams)

    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') return send(415, failurePage('Unsupported content type.'))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        send(413, failurePage('Request too large.'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (size <= MAX_BODY) accept(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    })
    req.on('error', () => send(400, failurePage('The request could not be read.')))
  }

  /** Exactly one `state`, equal to ours; compared in constant time. */
  private ours(params: URLSearchParams): boolean {
    const states = params.getAll('state')
    if (states.length !== 1) return false
    const got = Buffer.from(states[0])
    const want = Buffer.from(this.state)
    return got.length === want.length && timingSafeEqual(got, want)
  }

  /** Browsers leave the default port out of Host: `localhost`, not `localhost:80`, for http://localhost/. */
  private hostAllowed(host: string | undefined): boolean {
    if (!host) return false
    const wanted = host.toLowerCase()
    const names = ['localhost', '127.0.0.1', '[::1]']
    return names.some((name) => wanted === `${name}:${this.port}` || (this.port === 80 && wanted === name))
  }
}

/** The address to bind for a loopback redirect URI's host name: `localhost` means 127.0.0.1 (RFC 8252 §8.3). */
export function loopbackBindAddress(hostname: string): string | undefined {
  const name = hostname.toLowerCase()
  if (name === 'localhost' || name === '127.0.0.1') return '127.0.0.1'
  if (name === '[::1]' || name === '::1') return '::1'
  return undefined
}

/**
 * True when something already accepts connections on [::1]:port. A browser may try ::1 first for `localhost`, so
 * another program listening there would receive the authorization response instead of us.
 */
export function ipv6LoopbackTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host: '::1', port})
    const done = (taken: boolean) => {
      socket.destroy()
      resolve(taken)
    }
    socket.setTimeout(300, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}
