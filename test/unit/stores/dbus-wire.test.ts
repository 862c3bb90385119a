import {expect} from 'chai'
import fc from 'fast-check'
import {
  type DBusValue,
  decodeBody,
  decodeMessage,
  encodeCall,
  MessageType,
  messageLength,
  Reader,
  splitSignature,
  Writer,
} from '../../../src/stores/dbus-wire.js'
import {HELLO} from '../../../src/stores/session-bus.js'

/** Writes one value at `offset` bytes into a message (alignment counts from the message start). */
function marshal(signature: string, value: DBusValue, offset = 0): Buffer {
  const writer = new Writer()
  for (let i = 0; i < offset; i++) writer.byte(0xaa)
  writer.value(signature, value)
  return writer.result()
}

function unmarshal(signature: string, bytes: Buffer, offset = 0, littleEndian = true): DBusValue {
  const reader = new Reader(bytes, littleEndian, offset)
  const value = reader.value(signature)
  expect(reader.offset, 'the whole value is read').to.equal(bytes.length)
  return value
}

const hex = (text: string) => Buffer.from(text.replaceAll(/\s/g, ''), 'hex')

/**
 * Captured from this machine's dbus-daemon and gnome-keyring through a logging socket proxy: the replies to our
 * Hello (with the NameAcquired signal behind it, in one read), OpenSession("plain"), SearchItems and GetSecret
 * of a test secret "héllo".
 */
const CAPTURED = {
  getSecret: hex(`6c02010147000000170000003500000006017300040000003a312e37000000000801670008286f617961797329000000
    050175000400000007017300040000003a312e3000000000230000002f6f72672f667265656465736b746f702f736563726574732f
    73657373696f6e2f733300000000000600000068c3a96c6c6f00000a000000746578742f706c61696e00`),
  hello: hex(`6c02010109000000010000003d00000006017300040000003a312e3700000000050175000100000008016700017300000701
    7300140000006f72672e667265656465736b746f702e4442757300000000040000003a312e37006c04010109000000020000008d00
    000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e66726565646573
    6b746f702e4442757300000000030173000c0000004e616d6541637175697265640000000006017300040000003a312e3700000000
    080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000040000003a312e3700`),
  openSession: hex(`6c02010134000000150000002d00000006017300040000003a312e37000000000801670002766f000501750002000000
    07017300040000003a312e3000000000017300000000000000000000230000002f6f72672f667265656465736b746f702f73656372
    6574732f73657373696f6e2f733300`),
  searchItems: hex(`6c02010138000000160000003500000006017300040000003a312e37000000000801670004616f616f000000000000000501
    75000300000007017300040000003a312e3000000000300000002b0000002f6f72672f667265656465736b746f702f736563726574
    732f636f6c6c656374696f6e2f6c6f67696e2f320000000000`),
}

/** libdbus's own Hello (dbus-send's first message), captured the same way. */
const LIBDBUS_HELLO =
  hex(`6c01000100000000010000006e00000001016f00150000002f6f72672f667265656465736b746f702f44427573000000
  06017300140000006f72672e667265656465736b746f702e444275730000000002017300140000006f72672e667265656465736b746f
  702e4442757300000000030173000500000048656c6c6f000000`)

describe('D-Bus wire format', () => {
  it('round-trips every type it supports, little-endian', () => {
    const cases: Array<[string, DBusValue]> = [
      ['y', 200],
      ['b', true],
      ['b', false],
      ['i', -5],
      ['u', 0xffff_ffff],
      ['s', 'héllo ✓ 🎉'],
      ['s', ''],
      ['o', '/org/freedesktop/secrets/collection/login/2'],
      ['g', 'a{ss}(oayays)'],
      ['v', {signature: 'a{ss}', value: [['service', 'entra-auth-cli']]}],
      ['v', {signature: 'v', value: {signature: 'u', value: 7}}],
      [
        'a{ss}',
        [
          ['service', 'x'],
          ['username', 'y@0123'],
        ],
      ],
      ['a{ss}', []],
      ['ao', ['/a', '/b/c']],
      ['ay', new Uint8Array([0, 1, 255])],
      ['ay', new Uint8Array()],
      ['(oayays)', ['/s/1', new Uint8Array(), new Uint8Array([104, 105]), 'text/plain']],
      [
        'a(yv)',
        [
          [1, {signature: 'o', value: '/'}],
          [8, {signature: 'g', value: 's'}],
        ],
      ],
    ]
    for (const [signature, value] of cases) {
      for (const offset of [0, 1, 3, 5]) {
        const bytes = marshal(signature, value, offset)
        expect(unmarshal(signature, bytes, offset), `${signature} at ${offset}`).to.deep.equal(value)
      }
    }
  })

  it('round-trips any text and bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({unit: 'grapheme'}), fc.string({unit: 'grapheme'}))),
        fc.uint8Array(),
        fc.nat(7),
        (pairs, bytes, offset) => {
          const clean = pairs.map(([k, v]) => [k.replaceAll('\0', ''), v.replaceAll('\0', '')])
          expect(unmarshal('a{ss}', marshal('a{ss}', clean, offset), offset)).to.deep.equal(clean)
          expect(unmarshal('ay', marshal('ay', bytes, offset), offset)).to.deep.equal(bytes)
        },
      ),
    )
  })

  it('aligns each value to its type from the message start, padding with zeros', () => {
    // u after y: three zero bytes, then the number little-endian.
    expect(marshal('u', 0x01020304, 1).subarray(1).toString('hex')).to.equal('000000' + '04030201')
    // An array's length excludes the padding before its first element, which is there even when it is empty.
    expect(marshal('a(yy)', [[1, 2]]).toString('hex')).to.equal('02000000' + '00000000' + '0102')
    expect(marshal('a(yy)', []).toString('hex')).to.equal('00000000' + '00000000')
    expect(marshal('a{ss}', [], 4).subarray(4).toString('hex')).to.equal('00000000')
    // A struct starts on 8; a string is its length, bytes and a NUL; a signature has a one-byte length.
    expect(marshal('(ys)', [7, 'ab'], 2).subarray(2).toString('hex')).to.equal(
      '000000000000' + '07' + '000000' + '02000000' + '616200',
    )
    expect(marshal('g', 'ao').toString('hex')).to.equal('02616f00')
    // A variant is its signature then its value, aligned as that value.
    expect(marshal('v', {signature: 'u', value: 1}).toString('hex')).to.equal('01750000' + '01000000')
  })

  it('encodes Hello exactly as libdbus does, and a call that libdbus decodes as we meant it', () => {
    expect(encodeCall({...HELLO, serial: 1}).toString('hex')).to.equal(LIBDBUS_HELLO.toString('hex'))
    const call = encodeCall({
      body: [
        [
          ['service', 'capture'],
          ['username', 'u'],
        ],
      ],
      destination: 'org.freedesktop.secrets',
      interface: 'org.freedesktop.Secret.Service',
      member: 'SearchItems',
      path: '/org/freedesktop/secrets',
      serial: 2,
      signature: 'a{ss}',
    })
    expect(messageLength(call)).to.equal(call.length)
    const message = decodeMessage(call)
    expect(message).to.include({
      destination: 'org.freedesktop.secrets',
      interface: 'org.freedesktop.Secret.Service',
      member: 'SearchItems',
      path: '/org/freedesktop/secrets',
      serial: 2,
      signature: 'a{ss}',
      type: MessageType.methodCall,
    })
    expect(decodeBody(message)).to.deep.equal([
      [
        ['service', 'capture'],
        ['username', 'u'],
      ],
    ])
  })

  it("decodes gnome-keyring's real replies: two messages in one read, then each reply's body", () => {
    const first = messageLength(CAPTURED.hello)!
    expect(first).to.be.below(CAPTURED.hello.length)
    const hello = decodeMessage(CAPTURED.hello.subarray(0, first))
    expect(hello).to.include({replySerial: 1, signature: 's', type: MessageType.methodReturn})
    expect(decodeBody(hello)).to.deep.equal([':1.7'])
    const rest = CAPTURED.hello.subarray(first)
    expect(messageLength(rest)).to.equal(rest.length)
    expect(decodeMessage(rest)).to.include({member: 'NameAcquired', type: MessageType.signal})

    expect(decodeBody(decodeMessage(CAPTURED.openSession))).to.deep.equal([
      {signature: 's', value: ''},
      '/org/freedesktop/secrets/session/s3',
    ])
    expect(decodeBody(decodeMessage(CAPTURED.searchItems))).to.deep.equal([
      ['/org/freedesktop/secrets/collection/login/2'],
      [],
    ])
    const secret = decodeMessage(CAPTURED.getSecret)
    expect(secret).to.include({replySerial: 4, signature: '(oayays)'})
    const [[session, parameters, value, contentType]] = decodeBody(secret) as [[string, Uint8Array, Uint8Array, string]]
    expect([session, parameters.length, Buffer.from(value).toString('utf8'), contentType]).to.deep.equal([
      '/org/freedesktop/secrets/session/s3',
      0,
      'héllo',
      'text/plain',
    ])
  })

  it('reads big-endian messages too', () => {
    // A method return, serial 9, replying to 3, body "hi": written out by hand from the spec.
    const message = hex(`42 02 01 01  00000007  00000009  0000000f
      05 01 75 00  00000003  08 01 67 00 01 73 00  00
      00000002 68 69 00`)
    expect(messageLength(message)).to.equal(message.length)
    const decoded = decodeMessage(message)
    expect(decoded).to.include({replySerial: 3, serial: 9, signature: 's', type: MessageType.methodReturn})
    expect(decodeBody(decoded)).to.deep.equal(['hi'])
    expect(unmarshal('u', hex('01020304'), 0, false)).to.equal(0x01020304)
  })

  it('waits for a whole message and refuses what no D-Bus peer sends', () => {
    expect(messageLength(CAPTURED.searchItems.subarray(0, 15))).to.equal(undefined)
    expect(messageLength(CAPTURED.searchItems.subarray(0, 40))).to.equal(undefined)
    const bad = (edit: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(CAPTURED.searchItems)
      edit(bytes)
      return () => {
        messageLength(bytes)
        decodeBody(decodeMessage(bytes))
      }
    }
    expect(bad((b) => (b[0] = 0x78))).to.throw(/byte order/)
    expect(bad((b) => (b[3] = 2))).to.throw(/protocol version/)
    expect(bad((b) => b.writeUInt32LE(2 ** 30, 4))).to.throw(/too large/)
    expect(bad((b) => (b[30] = 1))).to.throw(/padding/) // the padding after the first field's ":1.7"
    // The first object path's NUL, and then one of its bytes made invalid UTF-8.
    expect(bad((b) => (b[b.length - 5] = 0x41))).to.throw(/terminating NUL/)
    expect(bad((b) => (b[b.length - 10] = 0xff))).to.throw(/UTF-8/)
    expect(bad((b) => (b[b.length - 10] = 0))).to.throw(/NUL inside/)
    expect(bad((b) => b.writeUInt32LE(0x2c, 0x48))).to.throw() // the array length no longer fits its elements
    expect(bad((b) => b.writeUInt32LE(0, 8))).to.throw(/serial 0/)

    expect(() => unmarshal('b', hex('02000000'))).to.throw(/boolean/)
    expect(() => unmarshal('v', hex('0275750000000000'))).to.throw(/one complete type/)
    expect(() => splitSignature('x')).to.throw(/unsupported/)
    expect(() => splitSignature('a{vs}')).to.throw(/basic type/)
    expect(() => splitSignature('(s')).to.throw()
    expect(() => marshal('s', 'a\0b')).to.throw(/NUL/)
    expect(() => encodeCall({member: 'M', path: '/', serial: 1, signature: 'ss', body: ['one']})).to.throw()
  })
})
