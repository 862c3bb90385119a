import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {startIdp, type Idp} from '../support/idp/index.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {startWorld, type World} from '../support/world.js'
import {KEYRING_SERVICE, keyringAccount} from '../../src/stores/keyring.js'

const execFileAsync = promisify(execFile)

/** Reads a secret back from the Secret Service through libsecret's own tool: a second, independent client. */
async function secretTool(...args: string[]): Promise<string> {
  try {
    return (await execFileAsync('secret-tool', args)).stdout
  } catch (error) {
    return (error as {stdout?: string}).stdout ?? ''
  }
}

/** The keyring account of a key for a test home (non-default homes carry a suffix, see src/stores/keyring.ts). */
const account = (key: string, world: World) => keyringAccount(key, world.env())

/** A key's secret as secret-tool reads it from the Secret Service ('' when there is none). */
const keyringLookup = (key: string, world: World) =>
  secretTool('lookup', 'service', KEYRING_SERVICE, 'username', account(key, world))

describe('secret stores', () => {
  let idp: Idp
  let world: World
  before(async () => {
    idp = await startIdp()
  })
  after(() => idp.stop())
  afterEach(() => world.home.cleanup())

  describe('keyring (real Secret Service: gnome-keyring on the test D-Bus session)', () => {
    beforeEach(async () => {
      expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run the suite through scripts/test.sh').to.be.a('string')
      world = await startWorld({idp, store: 'keyring'})
    })

    it('is chosen by default, and the secret lands in the Secret Service, readable by secret-tool', async () => {
      const name = `kr-${randomBytes(4).toString('hex')}`
      const created = await world.createProfile(name, [], {extraEnv: {ENTRA_AUTH_CLI_STORE: undefined}})
      expect(created.code, created.stderr).to.equal(0)
      expect(created.stderr).to.include('secret stored in OS keyring (Secret Service)')
      expect(await keyringLookup(`profile:${name}:client-secret`, world)).to.equal(world.clientSecret)
      expect(existsSync(join(world.home.cliHome, 'secrets.enc'))).to.equal(false)

      const token = await world.cli(['get-token', '-p', name, '--silent'], {
        extraEnv: {ENTRA_AUTH_CLI_STORE: undefined},
      })
      expect(token.code, token.stderr).to.equal(0)
      // The cache key went to the keyring too; the cache file on disk is sealed.
      const cacheKey = await keyringLookup(`profile:${name}:token-cache-key`, world)
      expect(Buffer.from(cacheKey, 'base64')).to.have.length(32)
      registerSensitive(cacheKey)

      const deleted = await world.cli(['config', 'delete', '-p', name, '--yes'])
      expect(deleted.code).to.equal(0)
      expect(
        await secretTool(
          'search',
          '--all',
          'service',
          'entra-auth-cli',
          'username',
          account(`profile:${name}:client-secret`, world),
        ),
      ).to.equal('')
      expect(await keyringLookup(`profile:${name}:token-cache-key`, world)).to.equal('')
    })
  })

  describe('keyring entries of different homes', () => {
    let other: World
    beforeEach(async () => {
      world = await startWorld({idp, store: 'keyring'})
      other = await startWorld({idp, store: 'keyring'})
    })
    afterEach(() => other.home.cleanup())

    it('do not collide: two homes with a profile of the same name keep their own secrets', async () => {
      expect((await world.createProfile('prod')).code).to.equal(0)
      expect((await other.createProfile('prod')).code).to.equal(0)
      const mine = await world.cli(['get-token', '-p', 'prod', '--force', '--silent'])
      expect(mine.code, mine.stderr).to.equal(0)
      expect((await other.cli(['config', 'delete', '-p', 'prod', '--yes'])).code).to.equal(0)
      const still = await world.cli(['get-token', '-p', 'prod', '--force', '--silent'])
      expect(still.code, still.stderr).to.equal(0)
      expect(await keyringLookup('profile:prod:client-secret', world)).to.equal(world.clientSecret)
    })
  })

  describe('when no store is usable', () => {
    beforeEach(async () => {
      world = await startWorld({idp, store: 'keyring'})
    })

    it('says what to install or set, in one line, exit 3, and writes nothing', async () => {
      const env = {
        DBUS_SESSION_BUS_ADDRESS: undefined,
        ENTRA_AUTH_CLI_PASSPHRASE: undefined,
        ENTRA_AUTH_CLI_STORE: undefined,
      }
      const result = await world.createProfile('nostore', [], {extraEnv: env})
      expect(result.code).to.equal(3)
      expect(result.stderr).to.match(
        /^Error: No secret store is available \(keyring: no Secret Service on the D-Bus session bus .*; encrypted-file: ENTRA_AUTH_CLI_PASSPHRASE is not set.*\)\. Install and unlock an OS keyring \(e\.g\. gnome-keyring\), or set ENTRA_AUTH_CLI_PASSPHRASE to use the encrypted file store\.\n$/,
      )
      expect(existsSync(world.home.cliHome)).to.equal(false)
    })

    it('falls back to the encrypted file when the keyring is missing but a passphrase is set', async () => {
      const result = await world.createProfile('fallback', [], {
        extraEnv: {
          DBUS_SESSION_BUS_ADDRESS: undefined,
          ENTRA_AUTH_CLI_PASSPHRASE: 'a passphrase for the file',
          ENTRA_AUTH_CLI_STORE: undefined,
        },
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('secret stored in encrypted file')
      registerSensitive('a passphrase for the file')
    })

    it('with AZURE_CLIENT_SECRET and no store at all, still hands out a token, uncached, with a warning', async () => {
      const noStore = {
        DBUS_SESSION_BUS_ADDRESS: undefined,
        ENTRA_AUTH_CLI_PASSPHRASE: undefined,
        ENTRA_AUTH_CLI_STORE: undefined,
      }
      const created = await world.cli(
        [
          'config',
          'create',
          '--name',
          'ci',
          '--tenant-id',
          world.tenantId,
          '--client-id',
          world.clientId,
          '--authority',
          idp.authority(world.tenantId),
        ],
        {extraEnv: noStore},
      )
      expect(created.code, created.stderr).to.equal(0)
      const env = {
        ...noStore,
        AZURE_AUTHORITY_HOST: idp.origin,
        AZURE_CLIENT_ID: world.clientId,
        AZURE_CLIENT_SECRET: world.clientSecret,
      }
      const result = await world.cli(['get-token', '-p', 'ci', '--silent'], {extraEnv: env})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout.split('.')).to.have.length(3)
      expect(result.stderr).to.match(/^Warning: The token was not cached: No secret store is available/)
      expect(existsSync(join(world.home.cliHome, 'cache', 'ci.cache'))).to.equal(false)
    })

    it('names the variable when ENTRA_AUTH_CLI_STORE picks an unknown or unusable store', async () => {
      const unknown = await world.createProfile('x', [], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'vault'}})
      expect(unknown.code).to.equal(3)
      expect(unknown.stderr).to.include(
        "ENTRA_AUTH_CLI_STORE=vault: Unknown store 'vault'. Installed stores: encrypted-file, keyring",
      )
      const unusable = await world.createProfile('x', [], {
        extraEnv: {DBUS_SESSION_BUS_ADDRESS: undefined, ENTRA_AUTH_CLI_STORE: 'keyring'},
      })
      expect(unusable.code).to.equal(3)
      expect(unusable.stderr).to.include("The secret store 'keyring' chosen by ENTRA_AUTH_CLI_STORE is unavailable")
    })
  })

  describe('encrypted-file', () => {
    beforeEach(async () => {
      world = await startWorld({idp, store: 'encrypted-file'})
    })

    it('serves get-token end to end and keeps secrets and cache sealed', async () => {
      expect((await world.createProfile('ef')).code).to.equal(0)
      const token = await world.cli(['get-token', '-p', 'ef', '--silent'])
      expect(token.code, token.stderr).to.equal(0)
      const cached = await world.cli(['get-token', '-p', 'ef', '--silent'])
      expect(cached.stdout).to.equal(token.stdout)
      expect(idp.tokenRequests().filter((r) => r.client_id === world.clientId)).to.have.length(1)
    })

    it('ENTRA_AUTH_CLI_STORE matches whatever the case and dashes, in stores as in config create', async () => {
      for (const spelling of ['Encrypted-File', 'encryptedfile']) {
        const env = {ENTRA_AUTH_CLI_STORE: spelling}
        const json = await world.cli(['stores', '--json'], {extraEnv: env})
        const rows = JSON.parse(json.stdout) as Array<{name: string; selected: boolean}>
        expect(rows.filter((r) => r.selected).map((r) => r.name)).to.deep.equal(['encrypted-file'])
        const table = await world.cli(['stores'], {extraEnv: env})
        expect(table.stderr).to.include("* new secrets go to 'encrypted-file' (ENTRA_AUTH_CLI_STORE)")
      }
      const unknown = await world.cli(['stores'], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'nosuch'}})
      expect(unknown.stderr).to.include('ENTRA_AUTH_CLI_STORE=nosuch names no installed store.')
      const unusable = await world.cli(['stores'], {
        extraEnv: {ENTRA_AUTH_CLI_PASSPHRASE: undefined, ENTRA_AUTH_CLI_STORE: 'Encrypted-File'},
      })
      expect(unusable.stderr).to.include("'encrypted-file', chosen by ENTRA_AUTH_CLI_STORE, is not usable here.")
      const created = await world.createProfile('spelt', [], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'Encrypted-File'}})
      expect(created.code, created.stderr).to.equal(0)
    })

    it('an ENTRA_AUTH_CLI_STORE naming no installed store fails with exit 3 before the flow asks for a token', async () => {
      expect((await world.createProfile('ef')).code).to.equal(0)
      const before = idp.tokenRequests().length
      const result = await world.cli(['get-token', '-p', 'ef', '--force'], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'nosuch'}})
      expect(result.code).to.equal(3)
      expect(result.stderr).to.include("ENTRA_AUTH_CLI_STORE=nosuch: Unknown store 'nosuch'.")
      expect(idp.tokenRequests().length).to.equal(before)
    })

    it('a profile whose store plugin is gone says so (naming the plugin), not a network error', async () => {
      // An authority nothing listens on: reaching the network first would end with exit 5.
      const created = await world.cli(
        [
          'config',
          'create',
          '--name',
          'gone',
          '--tenant-id',
          world.tenantId,
          '--client-id',
          world.clientId,
          '--authority',
          `https://127.0.0.1:9/${world.tenantId}`,
          '--client-secret-stdin',
        ],
        {input: world.clientSecret},
      )
      expect(created.code, created.stderr).to.equal(0)
      // As after 'plugins uninstall' of the store plugin that holds the secret.
      const file = join(world.home.cliHome, 'profiles.json')
      const text = await readFile(file, 'utf8')
      await writeFile(
        file,
        text.replace('"secretStore": "encrypted-file"', '"secretStore": "vault", "storePlugin": "vault-store"'),
      )
      const result = await world.cli(['get-token', '-p', 'gone', '--force'])
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.include(
        "Profile 'gone' keeps its secrets in the 'vault' store, which is not installed any more; reinstall the plugin 'vault-store'",
      )
    })

    it('without a passphrase or a terminal, names ENTRA_AUTH_CLI_PASSPHRASE', async () => {
      const result = await world.createProfile('np', [], {extraEnv: {ENTRA_AUTH_CLI_PASSPHRASE: undefined}})
      expect(result.code).to.equal(3)
      expect(result.stderr).to.include('ENTRA_AUTH_CLI_PASSPHRASE')
    })
  })
})
