/**
 * `config edit`: the menu at a real terminal (tmux) and the same edits as flags, checked against profiles.json,
 * the secret store, the token cache and the local identity provider (a renamed profile keeps its cached token; a
 * new tenant loses it).
 */
import {expect} from 'chai'
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createClientCertificate, type ClientCertificate} from '../support/certs.js'
import {ROOT, type TestHome} from '../support/cli.js'
import type {Idp} from '../support/idp/index.js'
import {Terminal} from '../support/pty.js'
import {PASSPHRASE, useWorld, type World} from '../support/world.js'
import {EncryptedFileStore} from '../../src/stores/encrypted-file.js'

const TOKEN = '/oauth2/v2.0/token'

describe('config edit', function () {
  this.timeout(60_000)
  let terminal: Terminal | undefined
  // Before useWorld's hooks, so that it runs first: the terminal is closed before the home is removed.
  afterEach(async () => {
    await terminal?.close()
    terminal = undefined
  })
  const suite = useWorld({profile: 'app'})
  let idp: Idp
  let world: World
  let home: TestHome
  let cert: ClientCertificate
  let otherClientId: string

  before(() => {
    cert = createClientCertificate({commonName: 'edit-test', password: 'pfx-pass-1'})
  })
  beforeEach(() => {
    ;({idp, world} = suite)
    home = world.home
    const {clientId, clientSecret, tenantId} = world
    otherClientId = randomUUID()
    // One app that accepts both a secret and a certificate, so a profile can switch between them.
    idp.registerApp({certificatePem: cert.certPem, clientId, clientSecret, tenantId})
    idp.registerApp({clientId: otherClientId, clientSecret, tenantId})
  })

  const env = () => world.env()
  const cli = (args: string[], input?: string) => world.cli(args, {input})
  const profilesText = () => readFileSync(join(home.cliHome, 'profiles.json'), 'utf8')
  const profiles = () => JSON.parse(profilesText()).profiles as Array<Record<string, unknown>>
  const secretsText = () => readFileSync(join(home.cliHome, 'secrets.enc'), 'utf8')
  const secret = (key: string) =>
    new EncryptedFileStore(join(home.cliHome, 'secrets.enc'), async () => PASSPHRASE).get(key)
  const cacheFile = (name: string) => join(home.cliHome, 'cache', `${name}.cache`)
  const edit = async () => {
    terminal = await Terminal.start(['config', 'edit', '-p', 'app'], {env: env()})
    await terminal.waitFor("? What do you want to change in 'app'?")
    return terminal
  }
  const getToken = async (name: string) => {
    const result = await cli(['get-token', '-p', name])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/^eyJ/)
    return result
  }

  describe('menu at a terminal', () => {
    it('arrow keys to Scopes and Client secret, both saved together; the secret is masked and goes to the store', async () => {
      const t = await edit()
      await t.choose('Scopes')
      await t.waitFor('? Scope(s), space-separated (https://graph.microsoft.com/.default)')
      await t.answer('api://my-api/.default User.Read')
      await t.waitFor("? Edit 'app' (unsaved: scopes)")
      await t.choose('Client secret')
      await t.waitFor('? New client secret')
      await t.answer('Rotated-Secret-Value-77')
      await t.waitFor("? Edit 'app' (unsaved: client secret, scopes)")
      await t.choose('Save and exit')
      const {code, screen} = await t.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include("✓ Profile 'app' updated: client secret, scopes.")
      expect(screen).to.include('✔ New client secret ***********************')
      expect(screen).to.not.include('Rotated-Secret-Value-77')
      expect(profiles()[0].scopes).to.deep.equal(['api://my-api/.default', 'User.Read'])
      expect(await secret('profile:app:client-secret')).to.equal('Rotated-Secret-Value-77')
      expect(profilesText()).to.not.include('Rotated-Secret-Value-77')
      expect(secretsText()).to.not.include('Rotated-Secret-Value-77')
    })

    it('Rename moves the secret and the cached token: the renamed profile is served from the cache', async () => {
      await getToken('app')
      expect(idp.requestCount(TOKEN)).to.equal(1)
      const t = await edit()
      await t.choose('Rename')
      await t.waitFor("? New name for 'app'")
      await t.answer('app')
      await t.waitFor('That is its current name')
      await t.press('C-u')
      await t.answer('renamed')
      await t.waitFor('(unsaved: name)')
      await t.choose('Save and exit')
      const {code, screen} = await t.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include("✓ Profile 'renamed' updated: name.")
      expect(profiles().map((p) => p.name)).to.deep.equal(['renamed'])
      expect(await secret('profile:renamed:client-secret')).to.equal(world.clientSecret)
      expect(await secret('profile:app:client-secret')).to.equal(undefined)
      expect(await secret('profile:app:token-cache-key')).to.equal(undefined)
      expect(existsSync(cacheFile('app'))).to.equal(false)
      expect(existsSync(cacheFile('renamed'))).to.equal(true)

      const again = await getToken('renamed')
      expect(again.stderr).to.include('(from cache)')
      expect(idp.requestCount(TOKEN)).to.equal(1)
    })

    it('switches to a certificate from the menu: wrong password re-asked, client secret removed, get-token works', async () => {
      const pfx = join(home.root, 'app.pfx')
      writeFileSync(pfx, cert.pfx)
      const t = await edit()
      await t.choose('Certificate')
      await t.waitFor('? Certificate file')
      await t.answer(pfx)
      await t.waitFor('? Certificate password (empty if none)')
      await t.answer('not-the-password')
      await t.waitFor('Cannot open')
      await t.press('C-u')
      await t.answer('pfx-pass-1')
      await t.waitFor('(unsaved: certificate)')
      await t.choose('Save and exit')
      const {code, screen} = await t.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include("✓ Profile 'app' updated: auth method, certificate, certificate password.")
      expect(screen).to.not.include('pfx-pass-1')
      expect(profiles()[0]).to.include({authMethod: 'Certificate', certificatePath: pfx, useCertificate: true})
      expect(await secret('profile:app:certificate-password')).to.equal('pfx-pass-1')
      expect(await secret('profile:app:client-secret')).to.equal(undefined)
      await getToken('app')
      expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['assertion'])
    })

    it('"Quit without saving" and Ctrl-C both leave profile and secrets byte for byte as they were', async () => {
      const before = {profiles: profilesText(), secrets: secretsText()}
      let t = await edit()
      await t.choose('Tenant')
      await t.waitFor('? Directory (tenant) ID or domain')
      await t.press('C-u')
      await t.answer(world.domain)
      await t.waitFor('(unsaved: tenant)')
      await t.choose('Quit without saving')
      let exit = await t.waitForExit()
      expect(exit.code, exit.screen).to.equal(0)
      expect(exit.screen).to.include('Nothing was changed.')
      await t.close()

      t = await edit()
      await t.choose('Client secret')
      await t.waitFor('? New client secret')
      await t.type('half-typed-secret')
      await t.press('C-c')
      exit = await t.waitForExit()
      expect(exit.code, exit.screen).to.equal(130)
      expect(exit.screen).to.include('Cancelled; nothing was changed.')
      expect(exit.screen).to.not.include('half-typed-secret')
      expect({profiles: profilesText(), secrets: secretsText()}).to.deep.equal(before)
    })

    it('a plugin flow with options: the menu shows them and asks for each, the secret one masked into the store', async () => {
      const linked = await cli([
        'plugins',
        'link',
        join(ROOT, 'test', 'fixtures', 'plugins', 'static-flow'),
        '--no-install',
      ])
      expect(linked.code, linked.stderr).to.equal(0)
      const made = await cli(['config', 'create', '--name', 'st', '--flow', 'static', '--option', 'label=red'])
      expect(made.code, made.stderr).to.equal(0)
      const t = (terminal = await Terminal.start(['config', 'edit', '-p', 'st'], {env: env()}))
      await t.waitFor("? What do you want to change in 'st'?")
      await t.waitFor('Flow options          label=red pin=-')
      await t.choose('Flow options')
      await t.waitFor('? A label for the token (label; Enter keeps it) (red)')
      await t.answer('green')
      await t.waitFor('? A secret the flow could use (pin; Enter keeps it)')
      await t.answer('pin-5512-secret')
      await t.choose('Save and exit')
      const {code, screen} = await t.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include("✓ Profile 'st' updated: flow options.")
      expect(screen).to.not.include('pin-5512-secret')
      expect(profiles().find((p) => p.name === 'st')).to.deep.include({
        flowOptions: {label: 'green'},
        secretOptions: ['pin'],
      })
      expect(await secret('profile:st:option:pin')).to.equal('pin-5512-secret')
    })
  })

  describe('flags, for scripts', () => {
    it('rotates the secret from stdin and sets scopes and flow in one step', async () => {
      const result = await cli(
        [
          'config',
          'edit',
          '-p',
          'app',
          '--client-secret-stdin',
          '--scope',
          'api://a/.default,api://b/.default',
          '--flow',
          'client-credentials',
        ],
        'new-secret-value',
      )
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include("✓ Profile 'app' updated: client secret, scopes.")
      expect(result.stdout).to.equal('')
      expect(profiles()[0]).to.deep.include({
        defaultFlow: 'ClientCredentials',
        scopes: ['api://a/.default', 'api://b/.default'],
      })
      expect(await secret('profile:app:client-secret')).to.equal('new-secret-value')
    })

    it('a new tenant drops the cached token (it belongs to the old one): the next get-token asks the provider', async () => {
      await getToken('app')
      const result = await cli(['config', 'edit', '-p', 'app', '--tenant-id', world.domain])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('Cached tokens were removed')
      expect(existsSync(cacheFile('app'))).to.equal(false)
      expect(await secret('profile:app:client-secret')).to.equal(world.clientSecret)
      const again = await getToken('app')
      expect(again.stderr).to.not.include('(from cache)')
      expect(idp.requestCount(TOKEN)).to.equal(2)
    })

    it('a new client id drops the cached token too; rename by flag carries the secret', async () => {
      await getToken('app')
      const result = await cli([
        'config',
        'edit',
        '-p',
        'app',
        '--client-id',
        otherClientId.toUpperCase(),
        '--rename',
        'other',
      ])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include("✓ Profile 'other' updated: name, client id.")
      expect(profiles()).to.have.length(1)
      expect(profiles()[0]).to.include({clientId: otherClientId, name: 'other'})
      expect(existsSync(cacheFile('app'))).to.equal(false)
      expect(existsSync(cacheFile('other'))).to.equal(false)
      const again = await getToken('other')
      expect(again.stderr).to.not.include('(from cache)')
      expect(idp.requestCount(TOKEN)).to.equal(2)
    })

    it('bad values are refused with one line each and change nothing', async () => {
      await cli(
        [
          'config',
          'create',
          '--name',
          'second',
          '--tenant-id',
          world.tenantId,
          '--client-id',
          world.clientId,
          '--client-secret-stdin',
        ],
        'second-secret',
      )
      await getToken('app')
      const before = {cache: readFileSync(cacheFile('app'), 'utf8'), profiles: profilesText(), secrets: secretsText()}
      const cases: Array<[string[], string, number]> = [
        [['--flow', 'NoSuchFlow'], "Error: Unknown flow 'NoSuchFlow'", 2],
        [['--client-id', 'nope'], "Error: Invalid client id 'nope'", 2],
        [['--tenant-id', world.domain, '--client-id', 'nope'], "Error: Invalid client id 'nope'", 2],
        [['--rename', 'second'], "Error: Profile 'second' already exists", 2],
        [['--rename', 'bad name'], "Error: Invalid profile name 'bad name'", 2],
        [['--authority', 'http://insecure.example'], 'must use https', 2],
        [['--auth-method', 'None'], 'auth method None needs a sign-in flow too', 2],
        [['--certificate', join(home.root, 'missing.pfx')], 'Cannot read the certificate file', 2],
        [['--scope', 'a', '--cloud', 'Mars'], "Error: Unknown cloud 'Mars'", 2],
      ]
      for (const [flags, message, code] of cases) {
        const result = await cli(['config', 'edit', '-p', 'app', ...flags])
        expect(result.code, `${flags.join(' ')}: ${result.stderr}`).to.equal(code)
        expect(result.stderr).to.include(message)
        expect(result.stderr.trim().split('\n')).to.have.length(1)
      }
      const noProfile = await cli(['config', 'edit', '-p', 'ghost', '--scope', 'x'])
      expect(noProfile.code).to.equal(3)
      expect(noProfile.stderr).to.include("Profile 'ghost' not found")
      expect({
        cache: readFileSync(cacheFile('app'), 'utf8'),
        profiles: profilesText(),
        secrets: secretsText(),
      }).to.deep.equal(before)
    })

    it('without a terminal and without flags it explains how to script it', async () => {
      const result = await cli(['config', 'edit', '-p', 'app'])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.include('Nothing to change')
      expect(result.stderr).to.include('--client-secret-stdin')
    })

    it('--help has a summary, a description and examples', async () => {
      const result = await cli(['config', 'edit', '--help'])
      expect(result.code).to.equal(0)
      expect(result.stdout).to.include('Renaming moves the profile')
      expect(result.stdout).to.include('EXAMPLES')
      expect(result.stdout).to.include('--client-secret-stdin')
    })
  })
})
