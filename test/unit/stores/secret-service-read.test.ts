import {expect} from 'chai'
import {execFile, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join, resolve} from 'node:path'
import {promisify} from 'node:util'
import type {Entry as EntryType} from '@napi-rs/keyring'
import {decodeBody, type DBusValue} from '../../../src/stores/dbus-wire.js'
import {KEYRING_SERVICE, keyringAccount, KeyringStore} from '../../../src/stores/keyring.js'
import {readSecretServicePassword} from '../../../src/stores/secret-service-read.js'
import {HELLO, SessionBus, sessionBusAddresses} from '../../../src/stores/session-bus.js'
import {TestHome} from '../../support/cli.js'

const execFileAsync = promisify(execFile)
const ROOT = resolve(__dirname, '..', '..', '..')

/** secret-tool (libsecret), a second client: stores `secret` (bytes from stdin) under these attributes. */
function secretToolStore(attributes: Record<string, string>, secret: Buffer | string, collection?: string) {
  return new Promise<void>((resolvePromise, reject) => {
    const args = ['store', '--label=entra-auth-cli test', ...(collection ? [`--collection=${collection}`] : [])]
    const child = spawn('secret-tool', [...args, ...Object.entries(attributes).flat()], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`secret-tool store: ${stderr}`))))
    child.stdin.end(secret)
  })
}

const clear = (attributes: Record<string, string>) =>
  execFileAsync('secret-tool', ['clear', ...Object.entries(attributes).flat()]).catch(() => {})

/** What @napi-rs/keyring itself answers, value or error message, for comparing the store's answer with. */
function native(key: string): {value?: string | null; error?: string} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {Entry} = require('@napi-rs/keyring') as {Entry: typeof EntryType}
  try {
    return {value: new Entry(KEYRING_SERVICE, keyringAccount(key), {linux: {store: 'secret-service'}}).getPassword()}
  } catch (error) {
    return {error: (error as Error).message}
  }
}

async function outcome(action: () => Promise<string | undefined>): Promise<{value?: string | null; error?: string}> {
  try {
    return {value: (await action()) ?? null}
  } catch (error) {
    return {error: (error as Error).message}
  }
}

const GUILT_RIDDEN = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface'
const MASTER = Symbol('the test collection password, as a secret of our session')

/**
 * One call to gnome-keyring over a plain session of its own. Its private interface (what seahorse uses) makes a
 * collection with a known password that can be locked and unlocked again without a prompt, which the test session
 * has no UI for.
 */
async function gnomeKeyring(
  call: {interface: string; member: string; signature: string; path?: string},
  body: Array<DBusValue | typeof MASTER>,
): Promise<DBusValue[]> {
  const bus = new SessionBus(sessionBusAddresses())
  try {
    const secrets = {destination: 'org.freedesktop.secrets', path: '/org/freedesktop/secrets'}
    const [, session] = bus.call([
      HELLO,
      {
        ...secrets,
        body: ['plain', {signature: 's', value: ''}],
        interface: 'org.freedesktop.Secret.Service',
        member: 'OpenSession',
        signature: 'sv',
      },
    ])
    const sessionPath = decodeBody(await session)[1] as string
    const master = [sessionPath, new Uint8Array(), Buffer.from('test collection password'), 'text/plain']
    const [reply] = bus.call([{...secrets, ...call, body: body.map((value) => (value === MASTER ? master : value))}])
    return decodeBody(await reply)
  } finally {
    bus.close()
  }
}

describe('Secret Service read in plain JS (real gnome-keyring)', () => {
  let home: TestHome
  let env: NodeJS.ProcessEnv
  let savedHome: string | undefined
  const keys: string[] = []
  const store = new KeyringStore()
  const attributesOf = (key: string) => ({service: KEYRING_SERVICE, username: keyringAccount(key)})

  before(() => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run the suite through scripts/test.sh').to.be.a('string')
    // keyringAccount() and the store read ENTRA_AUTH_CLI_HOME: a home of this test's own, so nothing collides.
    home = new TestHome('ssr-')
    savedHome = process.env.ENTRA_AUTH_CLI_HOME
    process.env.ENTRA_AUTH_CLI_HOME = home.cliHome
    env = {...process.env}
  })
  after(async () => {
    for (const key of keys) await clear(attributesOf(key))
    if (savedHome === undefined) delete process.env.ENTRA_AUTH_CLI_HOME
    else process.env.ENTRA_AUTH_CLI_HOME = savedHome
    home.cleanup()
  })
  const newKey = () => {
    const key = `profile:ssr-${randomBytes(4).toString('hex')}:token-cache-key`
    keys.push(key)
    return key
  }

  it('reads back exactly what @napi-rs/keyring stored, any text', async () => {
    for (const value of ['c2VjcmV0IGtleQ==', 'héllo wörld ✓ 🎉 漢字', '\uFEFFa leading BOM stays', ' spaced \n ']) {
      const key = newKey()
      await store.set(key, value)
      expect(await readSecretServicePassword(attributesOf(key))).to.equal(value)
      expect(await store.get(key)).to.equal(value)
      expect(native(key)).to.deep.equal({value})
    }
  })

  it('an absent key is "not sure", and the store still answers undefined (from @napi-rs/keyring)', async () => {
    const key = newKey()
    expect(await readSecretServicePassword(attributesOf(key))).to.equal(undefined)
    expect(await store.get(key)).to.equal(undefined)
  })

  it('two matching items: not sure, and the store answers as @napi-rs/keyring does (Ambiguous)', async () => {
    const key = newKey()
    await store.set(key, 'first')
    // Same service and username plus one more attribute: a second item that the same search finds.
    await secretToolStore({...attributesOf(key), copy: '2'}, 'second')
    expect(await readSecretServicePassword(attributesOf(key))).to.equal(undefined)
    const direct = native(key)
    expect(direct.error).to.match(/matched by 2 credentials/)
    expect(await outcome(() => store.get(key))).to.deep.equal({
      error: `The OS keyring is unavailable: the OS keyring failed (${direct.error!.split('\n')[0]}).`,
    })
    await clear({...attributesOf(key), copy: '2'})
    expect(await readSecretServicePassword(attributesOf(key))).to.equal('first')
  })

  it('a secret that is not UTF-8: not sure, and the store answers as @napi-rs/keyring does', async () => {
    const key = newKey()
    await secretToolStore(attributesOf(key), Buffer.from([0x61, 0xff, 0x62]))
    expect(await readSecretServicePassword(attributesOf(key))).to.equal(undefined)
    const direct = native(key)
    expect(direct.error).to.match(/not valid UTF-8/)
    expect(await outcome(() => store.get(key))).to.deep.equal({
      error: `The OS keyring is unavailable: the OS keyring failed (${direct.error}).`,
    })
  })

  it('a match in a locked collection: not sure, even beside an unlocked one; unlocked again, it reads', async () => {
    const attributes = {service: 'entra-auth-cli-test-locked', username: randomBytes(6).toString('hex')}
    const label = {signature: 's', value: `entra-test-${attributes.username}`}
    const [collection] = (await gnomeKeyring(
      {interface: GUILT_RIDDEN, member: 'CreateWithMasterPassword', signature: 'a{sv}(oayays)'},
      [[['org.freedesktop.Secret.Collection.Label', label]], MASTER],
    )) as [string]
    try {
      await secretToolStore(attributes, 'in the second collection', collection)
      expect(await readSecretServicePassword(attributes)).to.equal('in the second collection')
      await gnomeKeyring({interface: 'org.freedesktop.Secret.Service', member: 'Lock', signature: 'ao'}, [[collection]])
      expect(await readSecretServicePassword(attributes)).to.equal(undefined)
      await secretToolStore({...attributes, copy: 'unlocked'}, 'in the login collection')
      expect(await readSecretServicePassword(attributes)).to.equal(undefined)
      await gnomeKeyring({interface: GUILT_RIDDEN, member: 'UnlockWithMasterPassword', signature: 'o(oayays)'}, [
        collection,
        MASTER,
      ])
      await clear({...attributes, copy: 'unlocked'})
      expect(await readSecretServicePassword(attributes)).to.equal('in the second collection')
    } finally {
      const deletion = {
        interface: 'org.freedesktop.Secret.Collection',
        member: 'Delete',
        path: collection,
        signature: '',
      }
      await gnomeKeyring(deletion, []).catch(() => {})
    }
  })

  describe('no usable bus: not sure, at once or within the time limit, and nothing left running', () => {
    let server: Server | undefined
    afterEach(() => server?.close())
    /** A time limit no test waits out: a read that came back with it did not wait for it. */
    const NEVER = {timeoutMs: 3_600_000}

    it('a missing socket, a transport it does not speak, or no address at all', async () => {
      for (const address of ['unix:path=/nonexistent/bus', 'tcp:host=127.0.0.1,port=9', 'unix:abstract=', '']) {
        const env = {DBUS_SESSION_BUS_ADDRESS: address}
        expect(await readSecretServicePassword(attributesOf('x'), {...NEVER, env})).to.equal(undefined)
      }
    })

    it('a server that accepts and never answers, or the right socket with another GUID', async () => {
      const path = join(home.root, 'silent.sock')
      server = createServer(() => {})
      await new Promise<void>((resolvePromise) => server!.listen(path, resolvePromise))
      // Only the time limit ends this one (mocha's own would fail the test if it did not).
      expect(
        await readSecretServicePassword(attributesOf('x'), {
          env: {DBUS_SESSION_BUS_ADDRESS: `unix:path=${path}`},
          timeoutMs: 100,
        }),
      ).to.equal(undefined)
      const [real] = sessionBusAddresses()
      const key = newKey()
      await store.set(key, 'value')
      const wrongGuid = {DBUS_SESSION_BUS_ADDRESS: `unix:path=${real.path},guid=${'0'.repeat(32)}`}
      expect(await readSecretServicePassword(attributesOf(key), {...NEVER, env: wrongGuid})).to.equal(undefined)
    })

    it('a bus with no Secret Service on it (the error reply ServiceUnknown)', async () => {
      // A dbus-daemon of our own with session.conf's policy and no service files: nothing to activate, so the
      // Secret Service calls get an error reply.
      const config = join(home.root, 'bus.conf')
      writeFileSync(
        config,
        `<busconfig><type>session</type><listen>unix:path=${join(home.root, 'empty-bus')}</listen><auth>EXTERNAL</auth>
          <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
          <allow own="*"/></policy></busconfig>`,
      )
      const daemon = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      try {
        const address = await new Promise<string>((resolvePromise) => {
          let text = ''
          daemon.stdout.on('data', (chunk) => {
            text += chunk
            if (text.includes('\n')) resolvePromise(text.trim())
          })
        })
        const env = {DBUS_SESSION_BUS_ADDRESS: address}
        expect(await readSecretServicePassword(attributesOf('x'), {...NEVER, env})).to.equal(undefined)
      } finally {
        daemon.kill()
      }
    })

    it('a child process whose only bus never answers exits on its own once the store has answered', async () => {
      const path = join(home.root, 'silent2.sock')
      server = createServer(() => {})
      await new Promise<void>((resolvePromise) => server!.listen(path, resolvePromise))
      const code = `require(${JSON.stringify(join(ROOT, 'src/stores/secret-service-read.ts'))})
        .readSecretServicePassword({service: 'x', username: 'y'}, {timeoutMs: 100})
        .then((value) => process.stdout.write(String(value)))`
      const {stdout} = await execFileAsync(process.execPath, ['--import', 'tsx', '-e', code], {
        env: {...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path}`},
        timeout: 10_000,
      })
      expect(stdout).to.equal('undefined')
    })
  })

  it('the JS read is what answers: a child process gets the secret without loading @napi-rs/keyring', async () => {
    const key = newKey()
    await store.set(key, 'from the JS reader')
    const probe = async (probeKey: string) => {
      const code = `const {KeyringStore} = require(${JSON.stringify(join(ROOT, 'src/stores/keyring.ts'))})
        new KeyringStore().get(${JSON.stringify(probeKey)}).then((value) => process.stdout.write(JSON.stringify({
          native: Object.keys(require.cache).some((file) => file.includes('@napi-rs')),
          value: value ?? null,
        })))`
      const {stdout} = await execFileAsync(process.execPath, ['--import', 'tsx', '-e', code], {env, timeout: 20_000})
      return JSON.parse(stdout) as {native: boolean; value: string | null}
    }
    expect(await probe(key)).to.deep.equal({native: false, value: 'from the JS reader'})
    // The check can see the binding: a key the reader is not sure of (absent) goes to @napi-rs/keyring.
    expect(await probe(newKey())).to.deep.equal({native: true, value: null})
  })
})
