/**
 * The D-Bus wire format, only as much as a Secret Service read needs: the basic types y b i u s o g, variants,
 * arrays (dicts as arrays of [key, value] pairs), structs, and the message header. We write little-endian and
 * read both byte orders. Alignment follows the specification (dbus.freedesktop.org/doc/dbus-specification.html,
 * "Marshaling"): every value starts at a multiple of its type's alignment counted from the start of the message,
 * so the header and the body are marshalled as one buffer. Anything outside this subset, or any inconsistency in
 * what we read, throws: the caller treats a throw as "not sure" and lets @napi-rs/keyring answer instead.
 */

export interface Variant {
  signature: string
  value: DBusValue
}

/** y i u: number; b: boolean; s o g: string; ay: Uint8Array; other arrays, structs, dict entries: arrays. */
export type DBusValue = boolean | number | string | Uint8Array | Variant | DBusValue[]

export const MessageType = {error: 3, methodCall: 1, methodReturn: 2, signal: 4} as const

/** Set on calls whose reply we do not want. */
export const NO_REPLY_EXPECTED = 0x1

/** Header field codes (the specification's table "Header Fields"). */
const Field = {
  destination: 6,
  errorName: 4,
  interface: 2,
  member: 3,
  path: 1,
  replySerial: 5,
  sender: 7,
  signature: 8,
  unixFds: 9,
} as const

export interface Message {
  type: number
  flags: number
  serial: number
  path?: string
  interface?: string
  member?: string
  errorName?: string
  replySerial?: number
  destination?: string
  sender?: string
  /** The body's signature; '' when there is no body. */
  signature: string
  body: DBusValue[]
}

/** A reply to anything of ours is small; a bigger message is not one we want to buffer (the spec allows 128 MiB). */
export const MAX_MESSAGE_BYTES = 1 << 20

const MAX_DEPTH = 32

function alignment(code: string): number {
  switch (code) {
    case 'y':
    case 'g':
    case 'v': {
      return 1
    }

    case 'b':
    case 'i':
    case 'u':
    case 's':
    case 'o':
    case 'a': {
      return 4
    }

    case '(':
    case '{': {
      return 8
    }

    default: {
      throw new Error(`unsupported D-Bus type '${code}'`)
    }
  }
}

/** The length of the one complete type at `start` of a signature ("a{ss}" in "a{ss}u" is 5). */
function completeTypeLength(signature: string, start: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new Error('D-Bus signature nested too deeply')
  const code = signature[start]
  if (code === undefined) throw new Error('truncated D-Bus signature')
  if (code === 'a') return 1 + completeTypeLength(signature, start + 1, depth + 1)
  if (code === '(' || code === '{') {
    const close = code === '(' ? ')' : '}'
    let at = start + 1
    let members = 0
    while (signature[at] !== close) {
      if (code === '{' && members === 0 && !'ybiusog'.includes(signature[at] ?? '')) {
        throw new Error('a D-Bus dict key must be a basic type')
      }
      at += completeTypeLength(signature, at, depth + 1)
      members++
    }
    if (members === 0 || (code === '{' && members !== 2)) throw new Error(`malformed D-Bus signature '${signature}'`)
    return at + 1 - start
  }
  alignment(code) // throws for a type outside the subset
  return 1
}

/** A signature split into its complete types: "sv" → ["s", "v"]. */
export function splitSignature(signature: string): string[] {
  const types: string[] = []
  for (let at = 0; at < signature.length;) {
    const length = completeTypeLength(signature, at)
    types.push(signature.slice(at, at + length))
    at += length
  }
  return types
}

/** Little-endian marshalling into a growing buffer. */
export class Writer {
  private buffer = Buffer.alloc(256)
  length = 0

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const bigger = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(bigger, 0, 0, this.length)
    this.buffer = bigger
  }

  align(to: number): void {
    const padding = (to - (this.length % to)) % to
    this.reserve(padding)
    this.buffer.fill(0, this.length, this.length + padding)
    this.length += padding
  }

  byte(value: number): void {
    this.reserve(1)
    this.buffer.writeUInt8(value, this.length++)
  }

  uint32(value: number): void {
    this.align(4)
    this.reserve(4)
    this.buffer.writeUInt32LE(value, this.length)
    this.length += 4
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length)
    this.buffer.set(value, this.length)
    this.length += value.length
  }

  setUint32(at: number, value: number): void {
    this.buffer.writeUInt32LE(value, at)
  }

  /** Writes one value of one complete type. */
  value(signature: string, value: DBusValue): void {
    const code = signature[0]
    switch (code) {
      case 'y': {
        this.byte(expectNumber(value))
        return
      }

      case 'b': {
        this.uint32(value === true ? 1 : 0)
        return
      }

      case 'i': {
        this.align(4)
        this.reserve(4)
        this.buffer.writeInt32LE(expectNumber(value), this.length)
        this.length += 4
        return
      }

      case 'u': {
        this.uint32(expectNumber(value))
        return
      }

      case 's':
      case 'o': {
        const text = Buffer.from(expectString(value), 'utf8')
        this.uint32(text.length)
        this.bytes(text)
        this.byte(0)
        return
      }

      case 'g': {
        const text = Buffer.from(expectString(value), 'utf8')
        if (text.length > 255) throw new Error('D-Bus signature too long')
        this.byte(text.length)
        this.bytes(text)
        this.byte(0)
        return
      }

      case 'v': {
        const variant = value as Variant
        if (typeof variant !== 'object' || typeof variant.signature !== 'string' || Array.isArray(variant)) {
          throw new TypeError('expected a D-Bus variant')
        }
        if (splitSignature(variant.signature).length !== 1) throw new Error('a variant holds one complete type')
        this.value('g', variant.signature)
        this.value(variant.signature, variant.value)
        return
      }

      case 'a': {
        const element = signature.slice(1)
        this.uint32(0)
        const lengthAt = this.length - 4
        // The padding to the first element's alignment is not part of the array's length.
        this.align(alignment(element[0]))
        const start = this.length
        if (element === 'y' && value instanceof Uint8Array) this.bytes(value)
        else for (const item of expectArray(value)) this.value(element, item)
        this.setUint32(lengthAt, this.length - start)
        return
      }

      case '(':
      case '{': {
        const members = splitSignature(signature.slice(1, -1))
        const items = expectArray(value)
        if (items.length !== members.length) throw new Error(`expected ${members.length} struct members`)
        this.align(8)
        members.forEach((member, index) => this.value(member, items[index]))
        return
      }

      default: {
        throw new Error(`unsupported D-Bus type '${code}'`)
      }
    }
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

function expectNumber(value: DBusValue): number {
  if (typeof value !== 'number') throw new TypeError('expected a number')
  return value
}

function expectString(value: DBusValue): string {
  if (typeof value !== 'string') throw new TypeError('expected a string')
  return value
}

function expectArray(value: DBusValue): DBusValue[] {
  if (!Array.isArray(value)) throw new TypeError('expected an array')
  return value
}

/** Strings on the wire must be valid UTF-8 (the spec); a fatal decoder refuses anything else. */
const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})

/** Unmarshalling from one whole message; offsets (and so alignment) count from the message's first byte. */
export class Reader {
  offset = 0

  constructor(
    private readonly buffer: Buffer,
    private readonly littleEndian: boolean,
    private readonly end = buffer.length,
  ) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.end) throw new Error('truncated D-Bus message')
  }

  align(to: number): void {
    const padded = this.offset + ((to - (this.offset % to)) % to)
    if (padded > this.end) throw new Error('truncated D-Bus message')
    // The spec requires padding bytes to be zero; a message that breaks that is malformed.
    for (let at = this.offset; at < padded; at++) if (this.buffer[at] !== 0) throw new Error('non-zero D-Bus padding')
    this.offset = padded
  }

  byte(): number {
    this.need(1)
    return this.buffer[this.offset++]
  }

  uint32(): number {
    this.align(4)
    this.need(4)
    const value = this.littleEndian ? this.buffer.readUInt32LE(this.offset) : this.buffer.readUInt32BE(this.offset)
    this.offset += 4
    return value
  }

  private text(length: number): string {
    this.need(length + 1)
    if (this.buffer[this.offset + length] !== 0) throw new Error('D-Bus string without its terminating NUL')
    const bytes = this.buffer.subarray(this.offset, this.offset + length)
    if (bytes.includes(0)) throw new Error('NUL inside a D-Bus string')
    this.offset += length + 1
    return utf8.decode(bytes)
  }

  /** Reads one value of one complete type. */
  value(signature: string, depth = 0): DBusValue {
    if (depth > MAX_DEPTH) throw new Error('D-Bus value nested too deeply')
    const code = signature[0]
    switch (code) {
      case 'y': {
        return this.byte()
      }

      case 'b': {
        const value = this.uint32()
        if (value > 1) throw new Error('D-Bus boolean that is neither 0 nor 1')
        return value === 1
      }

      case 'i': {
        const value = this.uint32()
        return value | 0
      }

      case 'u': {
        return this.uint32()
      }

      case 's':
      case 'o': {
        return this.text(this.uint32())
      }

      case 'g': {
        return this.text(this.byte())
      }

      case 'v': {
        const inner = this.text(this.byte())
        if (splitSignature(inner).length !== 1) throw new Error('a variant holds one complete type')
        return {signature: inner, value: this.value(inner, depth + 1)}
      }

      case 'a': {
        const element = signature.slice(1)
        const length = this.uint32()
        if (length > 1 << 26) throw new Error('D-Bus array too long')
        this.align(alignment(element[0]))
        const stop = this.offset + length
        if (stop > this.end) throw new Error('truncated D-Bus message')
        if (element === 'y') {
          this.offset = stop
          // A copy, so the caller can wipe it without touching the connection's buffer.
          return new Uint8Array(this.buffer.subarray(stop - length, stop))
        }
        const items: DBusValue[] = []
        while (this.offset < stop) items.push(this.value(element, depth + 1))
        if (this.offset !== stop) throw new Error('D-Bus array length does not match its elements')
        return items
      }

      case '(':
      case '{': {
        this.align(8)
        return splitSignature(signature.slice(1, -1)).map((member) => this.value(member, depth + 1))
      }

      default: {
        throw new Error(`unsupported D-Bus type '${code}'`)
      }
    }
  }
}

export interface OutgoingCall {
  serial: number
  destination?: string
  path: string
  interface?: string
  member: string
  /** One signature per argument, joined: "sv". */
  signature?: string
  body?: DBusValue[]
  flags?: number
}

/** A method call, little-endian, header and body in one buffer. */
export function encodeCall(call: OutgoingCall): Buffer {
  const writer = new Writer()
  const signature = call.signature ?? ''
  const types = splitSignature(signature)
  const body = call.body ?? []
  if (types.length !== body.length) throw new Error(`signature '${signature}' does not match ${body.length} arguments`)
  writer.byte('l'.charCodeAt(0))
  writer.byte(MessageType.methodCall)
  writer.byte(call.flags ?? 0)
  writer.byte(1) // protocol version
  writer.uint32(0) // body length, set below
  writer.uint32(call.serial)
  const fields: DBusValue[] = [[Field.path, {signature: 'o', value: call.path}]]
  if (call.destination) fields.push([Field.destination, {signature: 's', value: call.destination}])
  if (call.interface) fields.push([Field.interface, {signature: 's', value: call.interface}])
  fields.push([Field.member, {signature: 's', value: call.member}])
  if (signature) fields.push([Field.signature, {signature: 'g', value: signature}])
  writer.value('a(yv)', fields)
  writer.align(8) // the body starts on an 8-byte boundary
  const bodyStart = writer.length
  types.forEach((type, index) => writer.value(type, body[index]))
  writer.setUint32(4, writer.length - bodyStart)
  return writer.result()
}

/**
 * The byte length of the first whole message in `buffer`, or undefined if it is not all there yet. Throws on a
 * header no D-Bus peer sends (unknown byte order, protocol version, or a size over MAX_MESSAGE_BYTES).
 */
export function messageLength(buffer: Buffer): number | undefined {
  if (buffer.length < 16) return undefined
  const endian = String.fromCharCode(buffer[0])
  if (endian !== 'l' && endian !== 'B') throw new Error('unknown D-Bus byte order')
  if (buffer[3] !== 1) throw new Error('unknown D-Bus protocol version')
  const little = endian === 'l'
  const bodyLength = little ? buffer.readUInt32LE(4) : buffer.readUInt32BE(4)
  const fieldsLength = little ? buffer.readUInt32LE(12) : buffer.readUInt32BE(12)
  if (bodyLength > MAX_MESSAGE_BYTES || fieldsLength > MAX_MESSAGE_BYTES) throw new Error('D-Bus message too large')
  const headerLength = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8)
  const total = headerLength + bodyLength
  if (total > MAX_MESSAGE_BYTES) throw new Error('D-Bus message too large')
  return buffer.length >= total ? total : undefined
}

/** Decodes one whole message (as measured by messageLength), either byte order. */
export function decodeMessage(buffer: Buffer): Message {
  const little = buffer[0] === 'l'.charCodeAt(0)
  const reader = new Reader(buffer, little)
  reader.offset = 1
  const type = reader.byte()
  const flags = reader.byte()
  reader.byte() // protocol version, checked by messageLength
  const bodyLength = reader.uint32()
  const serial = reader.uint32()
  if (serial === 0) throw new Error('D-Bus message with serial 0')
  const message: Message = {body: [], flags, serial, signature: '', type}
  for (const field of reader.value('a(yv)') as Array<[number, Variant]>) {
    const [code, {signature, value}] = field
    const expected = {
      [Field.destination]: 's',
      [Field.errorName]: 's',
      [Field.interface]: 's',
      [Field.member]: 's',
      [Field.path]: 'o',
      [Field.replySerial]: 'u',
      [Field.sender]: 's',
      [Field.signature]: 'g',
      [Field.unixFds]: 'u',
    }[code]
    // Unknown fields must be ignored (the spec); known ones must have their type.
    if (expected === undefined) continue
    if (signature !== expected) throw new Error(`D-Bus header field ${code} of type '${signature}'`)
    if (code === Field.path) message.path = value as string
    else if (code === Field.interface) message.interface = value as string
    else if (code === Field.member) message.member = value as string
    else if (code === Field.errorName) message.errorName = value as string
    else if (code === Field.replySerial) message.replySerial = value as number
    else if (code === Field.destination) message.destination = value as string
    else if (code === Field.sender) message.sender = value as string
    else if (code === Field.signature) message.signature = value as string
    else if (code === Field.unixFds && value !== 0) throw new Error('D-Bus message carrying file descriptors')
  }
  reader.align(8)
  const end = reader.offset + bodyLength
  if (end !== buffer.length) throw new Error('D-Bus body length does not match the message')
  const bodyReader = new Reader(buffer, little, end)
  bodyReader.offset = reader.offset
  message.body = splitSignature(message.signature).map((type) => bodyReader.value(type))
  if (bodyReader.offset !== end) throw new Error('D-Bus body longer than its signature')
  return message
}
