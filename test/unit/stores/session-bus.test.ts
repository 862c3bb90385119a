import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {decodeBody} from '../../../src/stores/dbus-wire.js'
import {DBusErrorReply, HELLO, SessionBus, sessionBusAddresses} from '../../../src/stores/session-bus.js'
import {TestHome} from '../../support/cli.js'

const DBUS = {destination: 'org.freedesktop.DBus', interface: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus'}

describe('session bus client', () => {
  describe('addresses', () => {
    it('reads unix path= and abstract= addresses in order, with %-escapes and the GUID', () => {
      const guid = '0123456789abcdef0123456789abcdef'
      expect(
        sessionBusAddresses({
          DBUS_SESSION_BUS_ADDRESS: `unix:path=/run/user/1000/bus,guid=${guid};unix:abstract=/tmp/dbus-%41b%2c;`,
        }),
      ).to.deep.equal([
        {guid, path: '/run/user/1000/bus'},
        {guid: undefined, path: '\0/tmp/dbus-Ab,'},
      ])
    })

    it('stops at the first address it cannot reach the way libdbus would, so it never reaches another bus', () => {
      const list = (value: string) => sessionBusAddresses({DBUS_SESSION_BUS_ADDRESS: value})
      expect(list('tcp:host=localhost,port=1;unix:path=/x')).to.deep.equal([])
      expect(list('unix:path=/a;autolaunch:;unix:path=/b')).to.deep.equal([{guid: undefined, path: '/a'}])
      expect(list('unix:path=/a,abstract=b')).to.deep.equal([])
      expect(list('unix:tmpdir=/tmp')).to.deep.equal([])
      expect(list('unix:path=/a%zz')).to.deep.equal([])
      expect(list('unix:path=/a%00')).to.deep.equal([])
      expect(list('unix:path=')).to.deep.equal([])
      expect(list('garbage')).to.deep.equal([])
    })

    it('unset: $XDG_RUNTIME_DIR/bus when it is a socket of ours, else none', async () => {
      const home = new TestHome('bus-')
      const runtime = join(home.root, 'run')
      mkdirSync(runtime, {mode: 0o700})
      try {
        expect(sessionBusAddresses({XDG_RUNTIME_DIR: runtime})).to.deep.equal([])
        writeFileSync(join(runtime, 'bus'), '')
        expect(sessionBusAddresses({XDG_RUNTIME_DIR: runtime})).to.deep.equal([])
        const other = join(home.root, 'run2')
        mkdirSync(other, {mode: 0o700})
        const server = createServer()
        await new Promise<void>((resolve) => server.listen(join(other, 'bus'), resolve))
        try {
          expect(sessionBusAddresses({XDG_RUNTIME_DIR: other})).to.deep.equal([{path: join(other, 'bus')}])
        } finally {
          server.close()
        }
        expect(sessionBusAddresses({})).to.deep.equal([])
      } finally {
        home.cleanup()
      }
    })
  })

  describe('against the test session bus (dbus-daemon)', () => {
    const addresses = () => {
      expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run through scripts/test.sh').to.be.a('string')
      return sessionBusAddresses()
    }

    it('authenticates, says Hello and matches replies to calls made before and after the server accepted us', async () => {
      const bus = new SessionBus(addresses())
      try {
        const [hello, id, names] = bus.call([HELLO, {...DBUS, member: 'GetId'}, {...DBUS, member: 'ListNames'}])
        expect(decodeBody(await hello)[0]).to.match(/^:\d+\.\d+$/)
        expect(decodeBody(await id)[0]).to.match(/^[\da-f]{32}$/)
        expect(decodeBody(await names)[0]).to.include('org.freedesktop.DBus')
        // A later call, after authentication, goes out on its own.
        const [again] = bus.call([{...DBUS, member: 'GetId'}])
        expect(decodeBody(await again)).to.deep.equal(decodeBody(await id))
      } finally {
        bus.close()
      }
    })

    it('closing zeroes every byte it read, replies already delivered included (a reply may hold a secret)', async () => {
      const bus = new SessionBus(addresses())
      const [, id] = bus.call([HELLO, {...DBUS, member: 'GetId'}])
      const reply = await id
      expect(reply.bytes.some((byte) => byte !== 0)).to.equal(true)
      bus.close()
      expect(reply.bytes.every((byte) => byte === 0)).to.equal(true)
    })

    it('an error reply rejects with its name; closing rejects what is pending', async () => {
      const bus = new SessionBus(addresses())
      const [, missing] = bus.call([HELLO, {...DBUS, member: 'NoSuchMethod'}])
      const error = await missing.then(
        () => undefined,
        (error_: Error) => error_,
      )
      expect(error).to.be.instanceOf(DBusErrorReply)
      expect((error as DBusErrorReply).errorName).to.equal('org.freedesktop.DBus.Error.UnknownMethod')
      const [pending] = bus.call([{...DBUS, member: 'GetId'}])
      bus.close('given up')
      await pending.then(
        () => expect.fail('resolved after close'),
        (error_: Error) => expect(error_.message).to.match(/given up|closed/),
      )
    })

    it('a missing socket is skipped for the next address; a GUID that is not the server’s is refused', async () => {
      const real = addresses()[0]
      const bus = new SessionBus([{path: '/nonexistent/bus'}, real])
      try {
        const [hello] = bus.call([HELLO])
        expect(decodeBody(await hello)[0]).to.match(/^:/)
      } finally {
        bus.close()
      }
      const impostor = new SessionBus([{guid: '0'.repeat(32), path: real.path}])
      const [refused] = impostor.call([HELLO])
      await refused.then(
        () => expect.fail('talked to a server with another GUID'),
        (error: Error) => expect(error.message).to.match(/GUID/),
      )
    })
  })

  describe('against servers that are not D-Bus', () => {
    let server: Server | undefined
    let home: TestHome
    beforeEach(() => (home = new TestHome('bus-')))
    afterEach(() => {
      server?.close()
      server = undefined
      home.cleanup()
    })

    const serve = (onConnection: (socket: Socket) => void): Promise<string> => {
      const path = join(home.root, 'bus')
      server = createServer(onConnection)
      return new Promise((resolve) => server!.listen(path, () => resolve(path)))
    }

    it('REJECTED, a malformed message after OK, or a connection closed mid-message end the conversation with a rejection', async () => {
      const ok = `OK ${'a'.repeat(32)}\r\n`
      // The client sends AUTH, BEGIN and its calls together: each server answers the first bytes it gets.
      const answers: Record<string, (socket: Socket) => void> = {
        'a malformed message': (socket) => socket.write(Buffer.concat([Buffer.from(ok), Buffer.alloc(32, 0x78)])),
        'half a message, then the end': (socket) =>
          socket.end(Buffer.concat([Buffer.from(ok), Buffer.from('l\u0002\u0001')])),
        REJECTED: (socket) => socket.write('REJECTED EXTERNAL\r\n'),
      }
      for (const [name, answer] of Object.entries(answers)) {
        const path = await serve((socket) => socket.once('data', () => answer(socket)))
        const bus = new SessionBus([{path}])
        const [hello] = bus.call([HELLO])
        await hello.then(
          () => expect.fail(`resolved after ${name}`),
          (error: Error) => expect(error, name).to.be.instanceOf(Error),
        )
        bus.close()
        server!.close()
      }
    })
  })
})
