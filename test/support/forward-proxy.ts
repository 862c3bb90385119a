/**
 * A real HTTP forward proxy (the `proxy` package, as Squid would behave) on 127.0.0.1, for tests that show
 * the CLI honours HTTPS_PROXY: HTTPS goes through CONNECT tunnels, which are counted with their targets.
 */
import {createServer, type IncomingMessage} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {createProxy} from 'proxy'

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** CONNECT requests received. */
  connectCount(): number
  /** CONNECT targets (`host:port`) in arrival order. */
  targets(): string[]
  /** Plain-HTTP requests forwarded (absolute-form URLs). */
  httpRequests(): string[]
  stop(): Promise<void>
}

/**
 * `refuseConnect`: answer every CONNECT with this status instead of tunnelling (a proxy whose policy blocks the
 * host, 403, or that wants credentials, 407).
 */
export async function startForwardProxy(options: {refuseConnect?: number} = {}): Promise<ForwardProxy> {
  const server = createServer()
  const targets: string[] = []
  const httpRequests: string[] = []
  const sockets = new Set<Socket>()
  // Listeners added before createProxy's own run first, so every request is counted even if it fails later.
  server.on('connect', (req: IncomingMessage) => {
    targets.push(req.url ?? '')
  })
  server.on('request', (req: IncomingMessage) => {
    httpRequests.push(req.url ?? '')
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  if (options.refuseConnect === undefined) createProxy(server)
  else {
    server.on('connect', (_req: IncomingMessage, socket: Socket) => {
      socket.end(
        `HTTP/1.1 ${options.refuseConnect} Refused by policy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      )
    })
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host: '127.0.0.1', port: 0}, () => resolve())
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    connectCount: () => targets.length,
    targets: () => [...targets],
    httpRequests: () => [...httpRequests],
    // CONNECT tunnels are upgraded sockets the server no longer tracks, so destroy them ourselves.
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      await closed
    },
  }
}
