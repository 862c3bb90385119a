import {lstatSync} from 'node:fs'
import {createConnection, type Socket} from 'node:net'
import {join} from 'node:path'
import {decodeMessage, encodeCall, type Message, MessageType, messageLength, type OutgoingCall} from './dbus-wire.js'

/**
 * A minimal client of the D-Bus session bus over a Unix socket: the address, SASL EXTERNAL, Hello, and method
 * calls matched to their replies by serial. Enough for a read from the Secret Service (secret-service-read.ts);
 * it serves no objects and answers no calls made to it, which is fine for a connection that lives a few
 * milliseconds.
 */

/** Where to connect: a filesystem path, or '\0name' for a Linux abstract socket (Node's spelling). */
export interface BusAddress {
  path: string
  /** The server's GUID when the address names it: the server must then answer with that GUID. */
  guid?: string
}

const utf8 = new TextDecoder('utf-8', {fatal: true})

/** Address values may escape any byte as %XX (the spec's "Server Addresses"); they are bytes, read as UTF-8. */
function unescapeValue(value: string): string | undefined {
  const bytes: number[] = []
  for (let at = 0; at < value.length; at++) {
    if (value[at] === '%') {
      const hex = value.slice(at + 1, at + 3)
      if (!/^[\da-f]{2}$/i.test(hex)) return undefined
      bytes.push(Number.parseInt(hex, 16))
      at += 2
    } else {
      const code = value.charCodeAt(at)
      if (code > 0x7f) return undefined
      bytes.push(code)
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes))
  } catch {
    return undefined
  }
}

/**
 * The session bus addresses to try, in order, as libdbus (under @napi-rs/keyring) would try them. A list only
 * ever holds addresses we can reach the same way libdbus does: at the first one we cannot handle (tcp:,
 * launchd:, autolaunch:, a malformed entry) the list stops, since libdbus would try that one before any later
 * one and might reach a different bus. Unset: $XDG_RUNTIME_DIR/bus when it is a socket of ours (libdbus's
 * default before autolaunch); otherwise none.
 */
export function sessionBusAddresses(env: NodeJS.ProcessEnv = process.env): BusAddress[] {
  const value = env.DBUS_SESSION_BUS_ADDRESS
  if (value === undefined || value === '') {
    const runtime = env.XDG_RUNTIME_DIR
    if (!runtime) return []
    const path = join(runtime, 'bus')
    try {
      const stat = lstatSync(path)
      const uid = process.getuid?.()
      return stat.isSocket() && (uid === undefined || stat.uid === uid) ? [{path}] : []
    } catch {
      return []
    }
  }
  const addresses: BusAddress[] = []
  for (const entry of value.split(';')) {
    if (entry === '') continue
    const colon = entry.indexOf(':')
    if (colon === -1 || entry.slice(0, colon) !== 'unix') break
    const keys = new Map<string, string>()
    let valid = true
    for (const pair of entry.slice(colon + 1).split(',')) {
      const equals = pair.indexOf('=')
      const decoded = equals === -1 ? undefined : unescapeValue(pair.slice(equals + 1))
      if (decoded === undefined || keys.has(pair.slice(0, equals))) valid = false
      else keys.set(pair.slice(0, equals), decoded)
    }
    const path = keys.get('path')
    const abstract = keys.get('abstract')
    // unix: takes exactly one of path=, abstract= (and tmpdir=, dir=, runtime= only when listening).
    if (!valid || (path === undefined) === (abstract === undefined) || (path ?? abstract) === '') break
    addresses.push({guid: keys.get('guid'), path: path ?? `\0${abstract}`})
  }
  return addresses
}

/** An error reply; its name only (the service's message text is not ours to repeat). */
export class DBusErrorReply extends Error {
  constructor(readonly errorName: string) {
    super(`D-Bus error reply ${errorName}`)
    this.name = 'DBusErrorReply'
  }
}

function aborted(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

/** Connects to the first address that accepts, in order (libdbus moves on when a connect fails). */
function connectFirst(addresses: BusAddress[], signal: AbortSignal): Promise<{address: BusAddress; socket: Socket}> {
  return new Promise((resolve, reject) => {
    let index = 0
    let socket: Socket | undefined
    const onAbort = () => {
      socket?.destroy()
      reject(aborted(signal))
    }
    signal.addEventListener('abort', onAbort, {once: true})
    const next = () => {
      const address = addresses[index++]
      if (address === undefined) {
        signal.removeEventListener('abort', onAbort)
        reject(new Error('no session bus address accepted a connection'))
        return
      }
      const candidate = createConnection({path: address.path})
      socket = candidate
      const onError = () => {
        candidate.destroy()
        if (!signal.aborted) next()
      }
      candidate.once('error', onError)
      candidate.once('connect', () => {
        candidate.removeListener('error', onError)
        signal.removeEventListener('abort', onAbort)
        resolve({address, socket: candidate})
      })
    }
    if (signal.aborted) onAbort()
    else next()
  })
}

export class SessionBus {
  private nextSerial = 1
  private pending = new Map<number, {resolve: (message: Message) => void; reject: (error: Error) => void}>()
  private received: Buffer = Buffer.alloc(0)
  private failure: Error | undefined
  /** BEGIN goes out with the first calls, so it costs no round trip of its own. */
  private begun = false

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.fail(error))
    socket.on('close', () => this.fail(new Error('the session bus closed the connection')))
  }

  /**
   * Connects and authenticates with SASL EXTERNAL as our uid (the kernel vouches for it on a Unix socket), up to
   * the server's OK. Rejects on abort, on any other answer, or when the server's GUID is not the address's.
   */
  static async connect(addresses: BusAddress[], signal: AbortSignal): Promise<SessionBus> {
    const {address, socket} = await connectFirst(addresses, signal)
    const uid = process.getuid?.()
    try {
      if (uid === undefined) throw new Error('no uid to authenticate as')
      const line = await new Promise<string>((resolve, reject) => {
        let text = ''
        const cleanup = () => {
          socket.removeListener('data', onData)
          socket.removeListener('error', onError)
          socket.removeListener('close', onClose)
          signal.removeEventListener('abort', onAbort)
        }
        const onData = (chunk: Buffer) => {
          text += chunk.toString('latin1')
          const end = text.indexOf('\r\n')
          if (end !== -1) {
            cleanup()
            // Nothing may follow the OK line before we send BEGIN; anything that does is not a D-Bus server.
            if (end + 2 !== text.length) reject(new Error('unexpected data after the SASL reply'))
            else resolve(text.slice(0, end))
          } else if (text.length > 512) {
            cleanup()
            reject(new Error('SASL reply too long'))
          }
        }
        const onError = (error: Error) => {
          cleanup()
          reject(error)
        }
        const onClose = () => onError(new Error('the session bus closed the connection during authentication'))
        const onAbort = () => onError(aborted(signal))
        socket.on('data', onData)
        socket.on('error', onError)
        socket.on('close', onClose)
        signal.addEventListener('abort', onAbort, {once: true})
        // The credentials byte (a NUL), then AUTH EXTERNAL with our uid's decimal digits in hex.
        socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid), 'ascii').toString('hex')}\r\n`)
      })
      const ok = /^OK ([\da-f]{32})$/.exec(line)
      if (!ok) throw new Error('the session bus did not accept EXTERNAL authentication')
      if (address.guid !== undefined && address.guid !== ok[1]) throw new Error('the session bus has another GUID')
      const bus = new SessionBus(socket)
      signal.addEventListener('abort', () => bus.close(), {once: true})
      return bus
    } catch (error) {
      socket.destroy()
      throw error
    }
  }

  /**
   * Sends the calls in one write (preceded by BEGIN the first time) and returns one promise per call: its
   * method return, or a DBusErrorReply, or a rejection when the connection fails first.
   */
  call(calls: Array<Omit<OutgoingCall, 'serial'>>): Array<Promise<Message>> {
    const chunks: Buffer[] = []
    if (!this.begun) {
      chunks.push(Buffer.from('BEGIN\r\n', 'latin1'))
      this.begun = true
    }
    const replies = calls.map((call) => {
      const serial = this.nextSerial++
      chunks.push(encodeCall({...call, serial}))
      return new Promise<Message>((resolve, reject) => {
        if (this.failure) reject(this.failure)
        else this.pending.set(serial, {reject, resolve})
      })
    })
    // No reply stays unhandled if the caller gives up on some of them (a failure rejects them all).
    for (const reply of replies) reply.catch(() => {})
    if (!this.failure) this.socket.write(Buffer.concat(chunks))
    return replies
  }

  /** Ends the connection at once; anything still pending is rejected. */
  close(): void {
    this.fail(new Error('the session bus connection was closed'))
  }

  private fail(error: Error): void {
    this.failure ??= error
    this.socket.destroy()
    for (const {reject} of this.pending.values()) reject(this.failure)
    this.pending.clear()
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk])
    try {
      for (let length = messageLength(this.received); length !== undefined; length = messageLength(this.received)) {
        const message = decodeMessage(this.received.subarray(0, length))
        this.received = this.received.subarray(length)
        // Signals (NameAcquired after Hello) and calls made to us are not replies: nothing waits for them.
        if (message.type !== MessageType.methodReturn && message.type !== MessageType.error) continue
        const waiter = message.replySerial === undefined ? undefined : this.pending.get(message.replySerial)
        if (!waiter) continue
        this.pending.delete(message.replySerial!)
        if (message.type === MessageType.error) waiter.reject(new DBusErrorReply(message.errorName ?? 'unnamed'))
        else waiter.resolve(message)
      }
    } catch (error) {
      // A message we cannot parse leaves the stream unframed: nothing after it can be trusted.
      this.fail(error as Error)
    }
  }
}

/** The bus's own calls. Hello must be the first message on a connection to a bus daemon. */
export const HELLO: Omit<OutgoingCall, 'serial'> = {
  destination: 'org.freedesktop.DBus',
  interface: 'org.freedesktop.DBus',
  member: 'Hello',
  path: '/org/freedesktop/DBus',
}
