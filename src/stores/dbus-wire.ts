import {isUtf8} from 'node:buffer'

/**
 * The D-Bus wire format, only as much as a Secret Service read needs: the basic types y b i u s o g, variants,
 * arrays (dicts as arrays of [key, value] pairs), structs, and the message header. We write little-endian and
 * read both byte orders. Alignment follows the specification (dbus.freedesktop.org/doc/dbus-specification.html,
 * "Marshaling"): every value starts at a multiple of its type's alignment counted from the start of the message,
 * so the header and the body are marshalled as one buffer. Anything outside this subset, or any inconsistency in
 * what we read, throws: the caller treats a throw as "not sure" and lets @napi-rs/keyring answer instead.
 *
 * This runs once per get-token, in a process that has run none of it before, so it is written for cold code:
 * bytes set directly rather than through Buffer's checked write methods, no decoder objects, few calls.
 */

export interface Variant {
  signature: string
  value: DBusValue
}

/** y i u: number; b: boolean; s o g: string; ay: Uint8Array; other arrays, structs, dict entries: arrays. */
export type DBusValue = boolean | number | string | Uint8Array | Variant | DBusValue[]

export const MessageType = {error: 3, methodCall: 1, methodReturn: 2, signal: 4} as const

/** Header field codes (the specification's table "Header Fields") and the type each must have. */
const Field = {destination: 6, errorName: 4, interface: 2, member: 3, path: 1, replySerial: 5, signature: 8} as const
const FIELD_TYPES = ['', 'o', 's', 's', 's', 'u', 's', 's', 'g', 'u']
const UNIX_FDS = 9

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
  /** The body's signature; '' when there is no body. */
  signature: string
  /** Where the body starts in `bytes`; read it with decodeBody. */
  bodyOffset: number
  littleEndian: boolean
  bytes: Buffer
}

/** A reply to anything of ours is small; a bigger message is not one we want to buffer (the spec allows 128 MiB). */
export const MAX_MESSAGE_BYTES = 1 << 20

const MAX_DEPTH = 32

function alignment(code: string | undefined): number {
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
function completeTypeLength(signature: string, start: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new Error('D-Bus signature nested too deeply')
  const code = signature[start]
  if (code === 'a') return 1 + completeTypeLength(signature, start + 1, depth + 1)
  if (code === '(' || code === '{') {
    const close = code === '(' ? ')' : '}'
    let at = start + 1
    let members = 0
    while (signature[at] !== close) {
      if (code === '{' && members === 0 && !'ybiusog'.includes(signature[at] ?? '-')) {
        throw new Error('a D-Bus dict key must be a basic type')
      }
      at += completeTypeLength(signature, at, depth + 1)
      members++
    }
    if (members === 0 || (code === '{' && members !== 2)) throw new Error(`malformed D-Bus signature '${signature}'`)
    return at + 1 - start
  }
  alignment(code) // throws for a type outside the subset, or past the end
  return 1
}

/** A signature split into its complete types: "sv" → ["s", "v"]. */
export function splitSignature(signature: string): string[] {
  const types: string[] = []
  for (let at = 0; at < signature.length;) {
    const length = completeTypeLength(signature, at, 0)
    types.push(signature.slice(at, at + length))
    at += length
  }
  return types
}

/** Little-endian marshalling into a growing buffer. */
export class Writer {
  // From Node's buffer pool: everything up to `length` is written, padding included, before it is read.
  private buffer = Buffer.allocUnsafe(256)
  length = 0

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    bigger.set(this.buffer.subarray(0, this.length))
    this.buffer = bigger
  }

  /** Pads with zero bytes up to a multiple of `to`. */
  align(to: number): void {
    const padded = this.length + ((to - (this.length % to)) % to)
    this.reserve(padded - this.length)
    while (this.length < padded) this.buffer[this.length++] = 0
  }

  byte(value: number): void {
    this.reserve(1)
    this.buffer[this.length++] = value
  }

  uint32(value: number): void {
    this.align(4)
    this.setUint32(this.length, value)
    this.length += 4
  }

  setUint32(at: number, value: number): void {
    this.reserve(at + 4 - this.length)
    const buffer = this.buffer
    buffer[at] = value & 0xff
    buffer[at + 1] = (value >>> 8) & 0xff
    buffer[at + 2] = (value >>> 16) & 0xff
    buffer[at + 3] = (value >>> 24) & 0xff
  }

  /** A string's bytes and its NUL, after `lengthBytes` (4 for s and o, 1 for g) holding their count. */
  private text(value: DBusValue, lengthBytes: number): void {
    if (typeof value !== 'string') throw new TypeError('expected a string')
    if (value.includes('\0')) throw new Error('a D-Bus string cannot hold NUL')
    const bytes = Buffer.from(value, 'utf8')
    if (lengthBytes === 1) {
      if (bytes.length > 255) throw new Error('D-Bus signature too long')
      this.byte(bytes.length)
    } else {
      this.uint32(bytes.length)
    }
    this.reserve(bytes.length + 1)
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
    this.buffer[this.length++] = 0
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
        if (typeof value !== 'boolean') throw new TypeError('expected a boolean')
        this.uint32(value ? 1 : 0)
        return
      }

      case 'i':
      case 'u': {
        this.uint32(expectNumber(value) >>> 0)
        return
      }

      case 's':
      case 'o': {
        this.text(value, 4)
        return
      }

      case 'g': {
        this.text(value, 1)
        return
      }

      case 'v': {
        const variant = value as Variant
        if (typeof variant !== 'object' || Array.isArray(variant) || typeof variant.signature !== 'string') {
          throw new TypeError('expected a D-Bus variant')
        }
        if (completeTypeLength(variant.signature, 0, 0) !== variant.signature.length) {
          throw new Error('a variant holds one complete type')
        }
        this.text(variant.signature, 1)
        this.value(variant.signature, variant.value)
        return
      }

      case 'a': {
        const element = signature.slice(1)
        this.uint32(0)
        const lengthAt = this.length - 4
        // The padding to the first element's alignment is not part of the array's length, even when it is empty.
        this.align(alignment(element[0]))
        const start = this.length
        if (element === 'y' && value instanceof Uint8Array) {
          this.reserve(value.length)
          this.buffer.set(value, this.length)
          this.length += value.length
        } else {
          for (const item of expectArray(value)) this.value(element, item)
        }
        this.setUint32(lengthAt, this.length - start)
        return
      }

      case '(':
      case '{': {
        const members = splitSignature(signature.slice(1, -1))
        const items = expectArray(value)
        if (items.length !== members.length) throw new Error(`expected ${members.length} struct members`)
        this.align(8)
        for (let index = 0; index < members.length; index++) this.value(members[index], items[index])
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
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError('expected an integer')
  return value
}

function expectArray(value: DBusValue): DBusValue[] {
  if (!Array.isArray(value)) throw new TypeError('expected an array')
  return value
}

/** Unmarshalling from one whole message; offsets (and so alignment) count from the message's first byte. */
export class Reader {
  constructor(
    private readonly buffer: Buffer,
    private readonly littleEndian: boolean,
    public offset = 0,
    private readonly end = buffer.length,
  ) {}

  align(to: number): void {
    const padded = this.offset + ((to - (this.offset % to)) % to)
    if (padded > this.end) throw new Error('truncated D-Bus message')
    // The spec requires padding bytes to be zero; a message that breaks that is malformed.
    while (this.offset < padded) if (this.buffer[this.offset++] !== 0) throw new Error('non-zero D-Bus padding')
  }

  byte(): number {
    if (this.offset >= this.end) throw new Error('truncated D-Bus message')
    return this.buffer[this.offset++]
  }

  uint32(): number {
    this.align(4)
    const at = this.offset
    if (at + 4 > this.end) throw new Error('truncated D-Bus message')
    const buffer = this.buffer
    this.offset = at + 4
    return this.littleEndian
      ? (buffer[at] | (buffer[at + 1] << 8) | (buffer[at + 2] << 16) | (buffer[at + 3] << 24)) >>> 0
      : ((buffer[at] << 24) | (buffer[at + 1] << 16) | (buffer[at + 2] << 8) | buffer[at + 3]) >>> 0
  }

  /** `length` bytes of UTF-8 and a NUL; the spec forbids invalid UTF-8 and NUL inside. */
  private text(length: number): string {
    const start = this.offset
    const stop = start + length
    if (stop >= this.end) throw new Error('truncated D-Bus message')
    const buffer = this.buffer
    if (buffer[stop] !== 0) throw new Error('D-Bus string without its terminating NUL')
    let ascii = true
    for (let at = start; at < stop; at++) {
      const byte = buffer[at]
      if (byte === 0) throw new Error('NUL inside a D-Bus string')
      if (byte > 0x7f) ascii = false
    }
    if (!ascii && !isUtf8(buffer.subarray(start, stop))) throw new Error('D-Bus string that is not UTF-8')
    this.offset = stop + 1
    return buffer.toString(ascii ? 'latin1' : 'utf8', start, stop)
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
        return this.uint32() | 0
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
        if (completeTypeLength(inner, 0, 0) !== inner.length) throw new Error('a variant holds one complete type')
        return {signature: inner, value: this.value(inner, depth + 1)}
      }

      case 'a': {
        const element = signature.slice(1)
        const length = this.uint32()
        this.align(alignment(element[0]))
        const stop = this.offset + length
        if (stop > this.end) throw new Error('truncated D-Bus message')
        if (element === 'y') {
          // A copy, so the caller can wipe it without touching the connection's buffer.
          const bytes = new Uint8Array(this.buffer.subarray(this.offset, stop))
          this.offset = stop
          return bytes
        }
        const items: DBusValue[] = []
        while (this.offset < stop) items.push(this.value(element, depth + 1))
        if (this.offset !== stop) throw new Error('D-Bus array length does not match its elements')
        return items
      }

      case '(':
      case '{': {
        this.align(8)
        const members = splitSignature(signature.slice(1, -1))
        const items: DBusValue[] = []
        for (const member of members) items.push(this.value(member, depth + 1))
        return items
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
  writer.byte(0x6c) // 'l': little-endian
  writer.byte(MessageType.methodCall)
  writer.byte(call.flags ?? 0)
  writer.byte(1) // protocol version
  writer.uint32(0) // body length, set below
  writer.uint32(call.serial)
  // The header fields, a(yv), written out: each is an 8-aligned struct of a code and a variant.
  writer.uint32(0)
  const fieldsStart = writer.length
  const field = (code: number, type: string, value: string) => {
    writer.align(8)
    writer.byte(code)
    writer.value('v', {signature: type, value})
  }
  field(Field.path, 'o', call.path)
  if (call.destination) field(Field.destination, 's', call.destination)
  if (call.interface) field(Field.interface, 's', call.interface)
  field(Field.member, 's', call.member)
  if (signature) field(Field.signature, 'g', signature)
  writer.setUint32(fieldsStart - 4, writer.length - fieldsStart)
  writer.align(8) // the body starts on an 8-byte boundary
  const bodyStart = writer.length
  for (let index = 0; index < types.length; index++) writer.value(types[index], body[index])
  writer.setUint32(4, writer.length - bodyStart)
  return writer.result()
}

/**
 * The byte length of the first whole message in `buffer`, or undefined if it is not all there yet. Throws on a
 * header no D-Bus peer sends (unknown byte order, protocol version, or a size over MAX_MESSAGE_BYTES).
 */
export function messageLength(buffer: Buffer): number | undefined {
  if (buffer.length < 16) return undefined
  if (buffer[0] !== 0x6c && buffer[0] !== 0x42) throw new Error('unknown D-Bus byte order')
  if (buffer[3] !== 1) throw new Error('unknown D-Bus protocol version')
  const reader = new Reader(buffer, buffer[0] === 0x6c, 4)
  const bodyLength = reader.uint32()
  reader.offset = 12
  const fieldsLength = reader.uint32()
  if (bodyLength > MAX_MESSAGE_BYTES || fieldsLength > MAX_MESSAGE_BYTES) throw new Error('D-Bus message too large')
  const total = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8) + bodyLength
  if (total > MAX_MESSAGE_BYTES) throw new Error('D-Bus message too large')
  return buffer.length >= total ? total : undefined
}

/**
 * Decodes the header of one whole message (as measured by messageLength), either byte order. The body stays
 * undecoded until decodeBody: most messages that reach us (signals) are never read.
 */
export function decodeMessage(bytes: Buffer): Message {
  const littleEndian = bytes[0] === 0x6c
  const reader = new Reader(bytes, littleEndian, 4)
  const bodyLength = reader.uint32()
  const serial = reader.uint32()
  if (serial === 0) throw new Error('D-Bus message with serial 0')
  const message: Message = {
    bodyOffset: 0,
    bytes,
    flags: bytes[2],
    littleEndian,
    serial,
    signature: '',
    type: bytes[1],
  }
  // a(yv), read out: an array of 8-aligned structs of a code byte and a variant.
  const fieldsEnd = reader.uint32() + 16
  while (reader.offset < fieldsEnd) {
    reader.align(8)
    const code = reader.byte()
    const type = reader.value('g') as string
    const value = reader.value(type, 1)
    // Unknown fields must be ignored (the spec); known ones must have their type.
    const expected = FIELD_TYPES[code]
    if (expected === undefined) continue
    if (type !== expected) throw new Error(`D-Bus header field ${code} of type '${type}'`)
    if (code === Field.path) message.path = value as string
    else if (code === Field.interface) message.interface = value as string
    else if (code === Field.member) message.member = value as string
    else if (code === Field.errorName) message.errorName = value as string
    else if (code === Field.replySerial) message.replySerial = value as number
    else if (code === Field.destination) message.destination = value as string
    else if (code === Field.signature) message.signature = value as string
    else if (code === UNIX_FDS && value !== 0) throw new Error('D-Bus message carrying file descriptors')
  }
  if (reader.offset !== fieldsEnd) throw new Error('D-Bus header fields overrun their length')
  reader.align(8)
  if (reader.offset + bodyLength !== bytes.length) throw new Error('D-Bus body length does not match the message')
  message.bodyOffset = reader.offset
  return message
}

/** The body's values, one per complete type of its signature; throws unless they fill the body exactly. */
export function decodeBody(message: Message): DBusValue[] {
  const reader = new Reader(message.bytes, message.littleEndian, message.bodyOffset)
  const values = splitSignature(message.signature).map((type) => reader.value(type))
  if (reader.offset !== message.bytes.length) throw new Error('D-Bus body longer than its signature')
  return values
}
