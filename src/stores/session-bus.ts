import {isUtf8} from 'node:buffer'
import {lstatSync} from 'node:fs'
import {createConnection, type Socket} from 'node:net'
import {join} from 'node:path'
import {decodeMessage, encodeCall, type Message, MessageType, messageLength, type OutgoingCall} from './dbus-wire.js'

/**
 * A minimal client of the D-Bus session bus over a Unix socket: the address, SASL EXTERNAL, Hello, and method
 * calls matched to their replies by serial. Enough for a read from the Secret Service (secret-service-read.ts);
 * it serves no objects and answers no calls made to it, which is fine for a connection that lives a few
 * milliseconds. Round trips are what a short-lived client pays for, so the first calls do not wait for the
 * server's OK: AUTH, BEGIN and the calls leave together, as systemd's sd-bus sends them (dbus-daemon and
 * dbus-broker read the stream in order, so BEGIN and the calls are taken once AUTH succeeds). A server that
 * refuses the AUTH just ends the conversation, and the caller falls back. Nothing that asks for a secret is sent
 * before the OK (and its GUID) came back: those are calls made after a reply.
 */

/** Where to connect: a filesystem path, or '\0name' for a Linux abstract socket (Node's spelling). */
export interface BusAddress {
  path: string
  /** The server's GUID when the address names it: the server must then answer with that GUID. */
  guid?: string
}

/** Whether `text` is all lowercase hex digits. (No regular expression: compiling one costs more, once, cold.) */
function isHex(text: string): boolean {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at)
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) return false
  }
  return true
}

/** Address values may escape any byte as %XX (the spec's "Server Addresses"); the bytes are read as UTF-8. */
function unescapeValue(value: string): string | undefined {
  const bytes: number[] = []
  for (let at = 0; at < value.length; at++) {
    const code = value.charCodeAt(at)
    if (code === 0x25) {
      const hex = value.slice(at + 1, at + 3).toLowerCase()
      if (hex.length !== 2 || !isHex(hex) || hex === '00') return undefined
      bytes.push(Number.parseInt(hex, 16))
      at += 2
    } else if (code > 0x7e || code < 0x20) {
      return undefined
    } else {
      bytes.push(code)
    }
  }
  const buffer = Buffer.from(bytes)
  return isUtf8(buffer) ? buffer.toString('utf8') : undefined
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
    // unix: takes exactly one of path=, abstract= (tmpdir=, dir= and runtime= are for servers).
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

/** One read's worth: every reply we wait for is far smaller (a bigger message simply takes several reads). */
const READ_BYTES = 4096

const BEGIN = Buffer.from('BEGIN\r\n', 'latin1')

/** Buffer.concat without its argument checks, which are more code to run once than the copying itself. */
function joinBytes(chunks: Buffer[]): Buffer {
  if (chunks.length === 1) return chunks[0]
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const joined = Buffer.allocUnsafe(length)
  let at = 0
  for (const chunk of chunks) {
    joined.set(chunk, at)
    at += chunk.length
  }
  return joined
}

interface Waiter {
  resolve(message: Message): void
  reject(error: Error): void
}

/** The bus's own call. Hello must be the first message on a connection to a bus daemon. */
export const HELLO: Omit<OutgoingCall, 'serial'> = {
  destination: 'org.freedesktop.DBus',
  interface: 'org.freedesktop.DBus',
  member: 'Hello',
  path: '/org/freedesktop/DBus',
}

export class SessionBus {
  private socket: Socket | undefined
  private next = 0
  private authenticated = false
  private closed: string | undefined
  private authLine = ''
  private received: Buffer = Buffer.alloc(0)
  /** BEGIN and the calls sent before the server's OK: sent again when that address fails and the next is tried. */
  private unanswered: Buffer[] = []
  private nextSerial = 1
  private pending = new Map<number, Waiter>()
  /** Every read lands here first, then in a copy of its own. A reply may hold a secret: all are zeroed on close. */
  private readonly readBuffer = Buffer.alloc(READ_BYTES)
  private readonly copies: Buffer[] = []

  /** Connects to the first address that accepts (libdbus moves on when a connect fails) and authenticates. */
  constructor(private readonly addresses: BusAddress[]) {
    this.connectNext()
  }

  private connectNext(): void {
    const address = this.addresses[this.next++]
    if (address === undefined) {
      this.close('no session bus address accepted a connection')
      return
    }
    const uid = process.getuid?.()
    if (uid === undefined) {
      this.close('no uid to authenticate as')
      return
    }
    // onread hands each read straight to us, past the Readable stream machinery: less code run once, cold.
    const socket = createConnection({
      onread: {
        buffer: this.readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          if (this.socket !== socket || this.closed) return false
          // A copy: Node may hand the same buffer to the next read.
          const chunk = Buffer.from(buffer.subarray(0, bytes))
          this.copies.push(chunk)
          if (this.authenticated) this.onMessages(chunk)
          else this.onAuthLine(chunk, address)
          return true
        },
      },
      path: address.path,
    })
    this.socket = socket
    let connected = false
    // Written at once (Node sends it as soon as the socket connects): a NUL (the credentials byte; the kernel
    // passes our uid), then AUTH EXTERNAL with our uid's decimal digits in hex.
    socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid), 'latin1').toString('hex')}\r\n`, 'latin1')
    if (this.unanswered.length > 0) socket.write(joinBytes(this.unanswered))
    socket.once('connect', () => {
      connected = true
    })
    socket.on('error', () => {
      if (this.socket !== socket) return
      // A refused or missing socket: the next address. Anything after connecting ends the conversation.
      socket.destroy()
      if (!connected && !this.closed) this.connectNext()
      else this.close('the session bus connection failed')
    })
    socket.on('close', () => {
      if (this.socket === socket && connected) this.close('the session bus closed the connection')
    })
  }

  private onAuthLine(chunk: Buffer, address: BusAddress): void {
    this.authLine += chunk.toString('latin1')
    const end = this.authLine.indexOf('\r\n')
    if (end === -1) {
      if (this.authLine.length > 512) this.close('SASL reply too long')
      return
    }
    const line = this.authLine.slice(0, end)
    const guid = line.slice(3)
    if (!line.startsWith('OK ') || guid.length !== 32 || !isHex(guid)) {
      return this.close('the session bus refused EXTERNAL authentication')
    }
    if (address.guid !== undefined && address.guid !== guid) return this.close('the session bus has another GUID')
    this.authenticated = true
    this.unanswered = []
    // What follows the OK line in the same read is the answer to BEGIN's calls, already on its way.
    const rest = chunk.subarray(chunk.length - (this.authLine.length - end - 2))
    if (rest.length > 0) this.onMessages(rest)
  }

  /**
   * Sends the calls in one write (the first one preceded by BEGIN, without waiting for the OK) and returns one promise
   * per call: its method return, or a DBusErrorReply, or a rejection when the conversation ends first.
   */
  call(calls: Array<Omit<OutgoingCall, 'serial'>>): Array<Promise<Message>> {
    const encoded: Buffer[] = this.authenticated || this.unanswered.length > 0 ? [] : [BEGIN]
    const replies = calls.map((call) => {
      const serial = this.nextSerial++
      if (!this.closed) {
        try {
          encoded.push(encodeCall({...call, serial}))
        } catch {
          this.close('a call could not be encoded')
        }
      }
      return new Promise<Message>((resolve, reject) => {
        if (this.closed) reject(new Error(this.closed))
        else this.pending.set(serial, {reject, resolve})
      })
    })
    // No reply is left unhandled when the caller gives up on some of them (an ending rejects them all).
    for (const reply of replies) reply.catch(() => {})
    if (this.closed) return replies
    const bytes = joinBytes(encoded)
    if (!this.authenticated) this.unanswered.push(bytes)
    this.socket!.write(bytes)
    return replies
  }

  /**
   * Ends the conversation at once: the socket is destroyed, whatever is pending rejected with `reason`, and every
   * byte read zeroed, replies already delivered included (decode their bodies first).
   */
  close(reason = 'the session bus connection was closed'): void {
    if (this.closed) return
    this.closed = reason
    // Destroyed on the next turn of the event loop, not now: tearing a socket down costs ~0.5 ms of a cached
    // get-token, which exits before that turn (the kernel closes the socket). Nothing more is read from it.
    const socket = this.socket
    if (socket) {
      socket.unref()
      setImmediate(() => socket.destroy())
    }
    this.readBuffer.fill(0)
    for (const copy of this.copies) copy.fill(0)
    if (this.pending.size === 0) return
    const error = new Error(reason)
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }

  private onMessages(chunk: Buffer): void {
    if (this.received.length > 0) {
      chunk = joinBytes([this.received, chunk])
      this.copies.push(chunk)
    }
    this.received = chunk
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
    } catch {
      // A message we cannot parse leaves the stream unframed: nothing after it can be trusted.
      this.close('the session bus sent a malformed message')
    }
  }
}
