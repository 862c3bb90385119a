/**
 * `config export` / `config import`: an encrypted, versioned bundle moves profiles (and, on request, their secrets
 * and certificates) to a fresh ENTRA_AUTH_CLI_HOME, where get-token works again against the local identity
 * provider. A wrong passphrase, a modified file, an unknown version and name clashes change nothing.
 */
import {expect} from 'chai'
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createClientCertificate, type ClientCertificate} from '../support/certs.js'
import {runCli, TestHome} from '../support/cli.js'
import type {Idp} from '../support/idp/index.js'
import {Terminal} from '../support/pty.js'
import {PASSPHRASE, useWorld, type World} from '../support/world.js'
import {openBundle, parseBundle} from '../../src/profile/bundle.js'
import {EncryptedFileStore} from '../../src/stores/encrypted-file.js'

const EXPORT_PASSPHRASE = 'export passphrase, long enough'
const TOKEN = '/oauth2/v2.0/token'

describe('config export / import', function () {
  this.timeout(90_000)
  const homes: TestHome[] = []
  let terminal: Terminal | undefined
  // Before useWorld's hooks, so that it runs first: the terminal is closed before the source home is removed.
  afterEach(async () => {
    await terminal?.close()
    terminal = undefined
    for (const home of homes.splice(0)) home.cleanup()
  })
  const suite = useWorld()
  let idp: Idp
  let world: World
  /** The home profiles are exported from: the world's. */
  let source: TestHome
  let cert: ClientCertificate
  const certAppId = randomUUID()

  before(() => {
    cert = createClientCertificate({commonName: 'export-test', password: 'pfx-pass-1'})
  })
  beforeEach(async () => {
    ;({idp, world} = suite)
    source = world.home
    idp.registerApp({certificatePem: cert.certPem, clientId: certAppId, tenantId: world.tenantId})
    const made = await world.createProfile('app', ['--client-secret-stdin', '--scope', 'api://x/.default'])
    expect(made.code, made.stderr).to.equal(0)
    const pfx = join(source.root, 'app.pfx')
    writeFileSync(pfx, cert.pfx)
    const madeCert = await world.createProfile('cert', ['--certificate', pfx, '--certificate-password-stdin'], {
      clientId: certAppId,
      secret: 'pfx-pass-1',
    })
    expect(madeCert.code, madeCert.stderr).to.equal(0)
    idp.resetCounts()
  })

  function newHome(): TestHome {
    const home = new TestHome('entra-bundle-')
    homes.push(home)
    return home
  }
  const env = (home: TestHome, extra: NodeJS.ProcessEnv = {}) =>
    home.env({
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE,
      ENTRA_AUTH_CLI_PASSPHRASE: PASSPHRASE,
      ENTRA_AUTH_CLI_STORE: 'encrypted-file',
      NODE_EXTRA_CA_CERTS: idp.caCertPath,
      ...extra,
    })
  const cli = (home: TestHome, args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) =>
    runCli(args, {env: env(home, extra), input})
  /** A profile of some other app made in `home` itself, for an import to clash with. */
  const createLocal = (home: TestHome, name: string, secret: string) =>
    cli(
      home,
      [
        'config',
        'create',
        '--name',
        name,
        '--tenant-id',
        'contoso.example',
        '--client-id',
        randomUUID(),
        '--client-secret-stdin',
      ],
      secret,
    )
  const secret = (home: TestHome, key: string) =>
    new EncryptedFileStore(join(home.cliHome, 'secrets.enc'), async () => PASSPHRASE).get(key)
  const names = (home: TestHome) =>
    (JSON.parse(readFileSync(join(home.cliHome, 'profiles.json'), 'utf8')).profiles as Array<{name: string}>).map(
      (p) => p.name,
    )
  /** Every file under ENTRA_AUTH_CLI_HOME with its content: "changed nothing" means this is identical. */
  const snapshot = (home: TestHome): Record<string, string> => {
    const files: Record<string, string> = {}
    const walk = (dir: string) => {
      if (!existsSync(dir)) return
      for (const entry of readdirSync(dir, {withFileTypes: true})) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else files[path.slice(home.cliHome.length)] = readFileSync(path, 'base64')
      }
    }
    walk(home.cliHome)
    return files
  }
  const exportTo = async (args: string[] = ['--include-secrets']) => {
    const file = join(source.root, 'profiles.entra')
    const result = await cli(source, ['config', 'export', '-o', file, ...args])
    expect(result.code, result.stderr).to.equal(0)
    return file
  }

  it('export → delete everything → import on a fresh home → get-token works again, secrets restored into the store', async () => {
    const file = await exportTo()
    expect(statSync(file).mode & 0o777).to.equal(0o600)
    const text = readFileSync(file, 'utf8')
    for (const plain of [
      world.clientSecret,
      'pfx-pass-1',
      cert.keyPem.split('\n')[1],
      cert.pfx.toString('base64').slice(0, 40),
    ])
      expect(text).to.not.include(plain)
    const header = JSON.parse(text)
    expect(header).to.include({format: 'entra-auth-cli-profiles', version: 1})
    expect(header.kdf).to.include({N: 2 ** 17, name: 'scrypt'})
    expect(Object.keys(header).sort()).to.deep.equal(['data', 'format', 'iv', 'kdf', 'tag', 'version'])

    for (const name of ['app', 'cert'])
      expect((await cli(source, ['config', 'delete', '-p', name, '--yes'])).code).to.equal(0)
    expect(names(source)).to.deep.equal([])
    expect(await secret(source, 'profile:app:client-secret')).to.equal(undefined)

    const target = newHome()
    const imported = await cli(target, ['config', 'import', file])
    expect(imported.code, imported.stderr).to.equal(0)
    expect(imported.stderr).to.include('✓ Imported app, cert.')
    expect(imported.stderr).to.not.include('To do:')
    expect(names(target)).to.deep.equal(['app', 'cert'])
    expect(await secret(target, 'profile:app:client-secret')).to.equal(world.clientSecret)
    expect(await secret(target, 'profile:cert:certificate-password')).to.equal('pfx-pass-1')
    const profilesText = readFileSync(join(target.cliHome, 'profiles.json'), 'utf8')
    for (const plain of [world.clientSecret, 'pfx-pass-1']) {
      expect(profilesText).to.not.include(plain)
      expect(readFileSync(join(target.cliHome, 'secrets.enc'), 'utf8')).to.not.include(plain)
    }
    // The certificate travelled in the bundle and lives, private, in the new home.
    const certCopy = join(target.cliHome, 'certificates', 'cert.pfx')
    expect(JSON.parse(profilesText).profiles[1].certificatePath).to.equal(certCopy)
    expect(statSync(certCopy).mode & 0o777).to.equal(0o600)

    for (const name of ['app', 'cert']) {
      const token = await cli(target, ['get-token', '-p', name])
      expect(token.code, token.stderr).to.equal(0)
      expect(token.stdout).to.match(/^eyJ/)
    }
    expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['secret', 'assertion'])
  })

  it('without --include-secrets no secret is in the bundle; the import says what is left to do', async () => {
    const file = await exportTo([])
    const payload = await openBundle(parseBundle(readFileSync(file, 'utf8'), file), EXPORT_PASSPHRASE, file)
    expect(payload.includesSecrets).to.equal(false)
    expect(payload.profiles.map((e) => [e.profile.name, e.secrets, e.certificate])).to.deep.equal([
      ['app', undefined, undefined],
      ['cert', undefined, undefined],
    ])
    expect(JSON.stringify(payload)).to.not.include('secretStore')

    const target = newHome()
    const imported = await cli(target, ['config', 'import', file])
    expect(imported.code, imported.stderr).to.equal(0)
    expect(imported.stderr).to.include("To do: 'app' has no client secret here")
    const token = await cli(target, ['get-token', '-p', 'app'])
    expect(token.code).to.equal(3)
    expect(token.stderr).to.include('--client-secret-stdin')
    expect(idp.requestCount(TOKEN)).to.equal(0)
  })

  it('a wrong passphrase, a modified byte, an unknown version or format each fail clearly and change nothing', async () => {
    const file = await exportTo()
    const target = newHome()
    expect((await createLocal(target, 'other', 'x-secret')).code).to.equal(0)
    const before = snapshot(target)
    const original = JSON.parse(readFileSync(file, 'utf8'))
    /** The bundle's JSON as a test edits it: any field may be set to anything. */
    type BundleJson = {data: string; tag: string; kdf: {salt: string; N: number}; [field: string]: unknown}
    const variant = (change: (b: BundleJson) => void) => {
      const copy = structuredClone(original)
      change(copy)
      const path = join(target.root, `variant-${randomUUID()}.entra`)
      writeFileSync(path, JSON.stringify(copy))
      return path
    }
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64')
      bytes[bytes.length >> 1] ^= 1
      return bytes.toString('base64')
    }
    const cases: Array<[string, string[], NodeJS.ProcessEnv, number, string]> = [
      [
        'wrong passphrase',
        [file],
        {ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'not the passphrase'},
        3,
        'wrong passphrase, or the file was modified after export. Nothing was imported.',
      ],
      [
        'a flipped ciphertext bit',
        [variant((b) => (b.data = flip(b.data)))],
        {},
        3,
        'wrong passphrase, or the file was modified',
      ],
      ['a changed tag', [variant((b) => (b.tag = flip(b.tag)))], {}, 3, 'wrong passphrase, or the file was modified'],
      [
        'a changed salt',
        [variant((b) => (b.kdf.salt = flip(b.kdf.salt)))],
        {},
        3,
        'wrong passphrase, or the file was modified',
      ],
      ['weakened kdf', [variant((b) => (b.kdf.N = 2 ** 14))], {}, 3, 'wrong passphrase, or the file was modified'],
      ['absurd kdf', [variant((b) => (b.kdf.N = 2 ** 30))], {}, 3, 'its header was modified'],
      [
        'a newer version',
        [variant((b) => (b.version = 2))],
        {},
        3,
        'is a version 2 bundle, made by a newer entra-auth-cli; this one reads version 1: upgrade entra-auth-cli.',
      ],
      [
        'another format',
        [variant((b) => (b.format = 'something-else'))],
        {},
        3,
        'is not an entra-auth-cli profile bundle',
      ],
      ['not JSON', [join(target.root, 'junk.entra')], {}, 3, 'is not an entra-auth-cli profile bundle (not JSON)'],
      ['a missing file', [join(target.root, 'missing.entra')], {}, 2, 'No such file'],
    ]
    writeFileSync(join(target.root, 'junk.entra'), 'PK\u0003\u0004 not json')
    for (const [what, args, extra, code, message] of cases) {
      const result = await cli(target, ['config', 'import', ...args], undefined, extra)
      expect(result.code, `${what}: ${result.stderr}`).to.equal(code)
      expect(result.stderr, what).to.include(message)
      expect(result.stderr.trim().split('\n'), what).to.have.length(1)
      expect(snapshot(target), what).to.deep.equal(before)
    }
  })

  it('name clashes: an error listing them (nothing imported), --skip keeps them, --overwrite replaces them', async () => {
    const file = await exportTo()
    const target = newHome()
    await createLocal(target, 'app', 'local-secret')
    await createLocal(target, 'cert', 'local-secret-2')
    await cli(target, ['config', 'delete', '-p', 'cert', '--yes'])
    const before = snapshot(target)

    const clash = await cli(target, ['config', 'import', file])
    expect(clash.code).to.equal(2)
    expect(clash.stderr).to.equal(
      'Error: A profile with the same name already exists: app. Add --overwrite to replace it or --skip to keep it. Nothing was imported.\n',
    )
    expect(snapshot(target)).to.deep.equal(before)

    const both = await cli(target, ['config', 'import', file, '--skip', '--overwrite'])
    expect(both.code).to.equal(2)
    expect(snapshot(target)).to.deep.equal(before)

    const skipped = await cli(target, ['config', 'import', file, '--skip'])
    expect(skipped.code, skipped.stderr).to.equal(0)
    expect(skipped.stderr).to.include('✓ Imported cert.')
    expect(skipped.stderr).to.include('Skipped app (already here).')
    expect(names(target)).to.deep.equal(['app', 'cert'])
    expect(await secret(target, 'profile:app:client-secret')).to.equal('local-secret')

    const overwritten = await cli(target, ['config', 'import', file, '--overwrite'])
    expect(overwritten.code, overwritten.stderr).to.equal(0)
    expect(overwritten.stderr).to.include('✓ Replaced app, cert.')
    expect(await secret(target, 'profile:app:client-secret')).to.equal(world.clientSecret)
    const token = await cli(target, ['get-token', '-p', 'app'])
    expect(token.code, token.stderr).to.equal(0)
  })

  it('names that differ only in case: refused against a profile here and inside one bundle, in every mode, nothing written', async () => {
    const file = await exportTo([])
    const target = newHome()
    const made = await createLocal(target, 'APP', 'local-secret')
    expect(made.code, made.stderr).to.equal(0)
    const before = snapshot(target)
    for (const mode of [[], ['--skip'], ['--overwrite']]) {
      const result = await cli(target, ['config', 'import', file, ...mode])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.include("Profile 'APP' already exists and differs from 'app' only in case")
      expect(result.stderr).to.include('Nothing was imported.')
      expect(snapshot(target)).to.deep.equal(before)
    }

    const {sealBundle} = await import('../../src/profile/bundle.js')
    const profile = {
      authMethod: 'None' as const,
      clientId: world.clientId,
      defaultFlow: 'DeviceCode',
      tenantId: world.tenantId,
    }
    const twice = join(target.root, 'twice.entra')
    const payload = {
      exportedAt: new Date().toISOString(),
      exportedBy: 'test',
      includesSecrets: false,
      profiles: [{profile: {...profile, name: 'dup'}}, {profile: {...profile, name: 'Dup'}}],
    }
    writeFileSync(twice, await sealBundle(payload, EXPORT_PASSPHRASE, 2 ** 14))
    const result = await cli(target, ['config', 'import', twice])
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include("Profile 2 ('Dup')")
    expect(result.stderr).to.include('the bundle holds this name twice')
    expect(snapshot(target)).to.deep.equal(before)
  })

  it('an invalid profile inside a valid bundle stops the whole import before anything is written', async () => {
    // A bundle made by hand with the same format: the second profile names a flow nobody installed.
    const {sealBundle} = await import('../../src/profile/bundle.js')
    const bundle = await sealBundle(
      {
        exportedAt: new Date().toISOString(),
        exportedBy: 'test',
        includesSecrets: true,
        profiles: [
          {
            profile: {authMethod: 'ClientSecret', clientId: world.clientId, name: 'good', tenantId: world.tenantId},
            secrets: {clientSecret: 'good-secret'},
          },
          {
            profile: {
              authMethod: 'None',
              clientId: world.clientId,
              defaultFlow: 'TelepathyFlow',
              name: 'bad',
              tenantId: world.tenantId,
            },
          },
        ],
      },
      EXPORT_PASSPHRASE,
      2 ** 14,
    )
    const target = newHome()
    const file = join(target.root, 'handmade.entra')
    writeFileSync(file, bundle)
    const result = await cli(target, ['config', 'import', file])
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include("Profile 2 ('bad')")
    expect(result.stderr).to.include("default flow 'TelepathyFlow' is not installed here")
    expect(existsSync(target.cliHome) ? readdirSync(target.cliHome) : []).to.deep.equal([])
  })

  it('no terminal and no passphrase variable: a configuration error naming the variable, no file written', async () => {
    const file = join(source.root, 'never.entra')
    const result = await cli(source, ['config', 'export', '-o', file], undefined, {
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: undefined,
    })
    // Exit 3 like every other missing passphrase (the secrets file's too): one prompt helper, one rule.
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include('set ENTRA_AUTH_CLI_EXPORT_PASSPHRASE')
    expect(existsSync(file)).to.equal(false)

    const good = await exportTo([])
    const target = newHome()
    const imported = await cli(target, ['config', 'import', good], undefined, {
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: undefined,
    })
    expect(imported.code).to.equal(3)
    expect(imported.stderr).to.include('set ENTRA_AUTH_CLI_EXPORT_PASSPHRASE')

    const short = await cli(source, ['config', 'export', '-o', file], undefined, {
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'short',
    })
    expect(short.code).to.equal(2)
    expect(short.stderr).to.include('at least 8 characters')
  })

  it('never replaces an existing file without --force; exports only the named profiles', async () => {
    const file = join(source.root, 'out.entra')
    writeFileSync(file, 'precious')
    const refused = await cli(source, ['config', 'export', '-o', file, '-p', 'app'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.include('already exists; add --force')
    expect(readFileSync(file, 'utf8')).to.equal('precious')
    const unknown = await cli(source, [
      'config',
      'export',
      '-o',
      join(source.root, 'x.entra'),
      '-p',
      'app',
      '-p',
      'ghost',
    ])
    expect(unknown.code).to.equal(3)
    expect(unknown.stderr).to.include('No such profile: ghost')
    const forced = await cli(source, ['config', 'export', '-o', file, '-p', 'app', '--force'])
    expect(forced.code, forced.stderr).to.equal(0)
    expect(statSync(file).mode & 0o777).to.equal(0o600)
    const payload = await openBundle(parseBundle(readFileSync(file, 'utf8'), file), EXPORT_PASSPHRASE, file)
    expect(payload.profiles.map((e) => e.profile.name)).to.deep.equal(['app'])
  })

  it('at a terminal: the export passphrase is asked twice (masked) until both match; import asks again after a wrong one', async () => {
    const file = join(source.root, 'typed.entra')
    terminal = await Terminal.start(['config', 'export', '-o', file, '--include-secrets'], {
      env: env(source, {ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: undefined}),
    })
    let t = terminal
    await t.waitFor('? Passphrase to encrypt the export')
    await t.answer('short')
    await t.waitFor('Use at least 8 characters')
    await t.press('C-u')
    await t.answer('first passphrase')
    await t.waitFor('? Repeat the passphrase')
    await t.answer('second passphrase')
    await t.waitFor('The two passphrases differ; try again.')
    await t.waitForCount('Passphrase to encrypt the export', 2)
    await t.answer('typed passphrase 1')
    await t.waitForCount('Repeat the passphrase', 2)
    await t.answer('typed passphrase 1')
    let exit = await t.waitForExit()
    expect(exit.code, exit.screen).to.equal(0)
    expect(exit.screen).to.not.include('typed passphrase 1')
    expect(exit.screen).to.include('✓ Exported 2 profiles (app, cert)')
    await t.close()

    const target = newHome()
    terminal = await Terminal.start(['config', 'import', file], {
      env: env(target, {ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: undefined}),
    })
    t = terminal
    await t.waitFor('? Passphrase of')
    await t.answer('not it at all')
    await t.waitFor('Wrong passphrase (or the file was modified); try again.')
    await t.waitForCount('Passphrase of', 2)
    await t.answer('typed passphrase 1')
    exit = await t.waitForExit()
    expect(exit.code, exit.screen).to.equal(0)
    expect(exit.screen).to.include('✓ Imported app, cert.')
    expect(exit.screen).to.not.include('typed passphrase 1')
    expect(await secret(target, 'profile:app:client-secret')).to.equal(world.clientSecret)
  })
})
