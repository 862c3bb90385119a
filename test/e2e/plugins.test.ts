import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {ROOT} from '../support/cli.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {useWorld, type World} from '../support/world.js'

/**
 * External plugins go through `entra-auth-cli plugins link`, the same path `plugins install` takes, and register
 * their flows and stores through the same hooks the built-ins use.
 */
describe('plugins: flows and stores from other packages', () => {
  const suite = useWorld()
  let world: World
  beforeEach(() => ({world} = suite))

  const link = async (dir: string) => {
    const result = await world.cli(['plugins', 'link', dir, '--no-install'])
    expect(result.code, result.stderr).to.equal(0)
  }

  it('the example env-key store plugin stores secrets and backs get-token', async () => {
    await link(join(ROOT, 'examples', 'store-env-key'))
    const key = randomBytes(32).toString('hex')
    registerSensitive(key)
    const env = {ENTRA_AUTH_CLI_PASSPHRASE: undefined, ENTRA_AUTH_CLI_STORE: 'env-key', ENTRA_STORE_KEY: key}
    const created = await world.createProfile('ci', [], {extraEnv: env})
    expect(created.code, created.stderr).to.equal(0)
    expect(created.stderr).to.include('encrypted with ENTRA_STORE_KEY')
    expect(existsSync(join(world.home.cliHome, 'env-key-secrets.json'))).to.equal(true)
    const first = await world.cli(['get-token', '-p', 'ci', '--silent'], {extraEnv: env})
    expect(first.code, first.stderr).to.equal(0)
    const second = await world.cli(['get-token', '-p', 'ci', '--silent'], {extraEnv: env})
    expect(second.stdout).to.equal(first.stdout)
    const missingKey = await world.cli(['get-token', '-p', 'ci', '--force'], {
      extraEnv: {...env, ENTRA_STORE_KEY: undefined},
    })
    expect(missingKey.code).to.equal(3)
    expect(missingKey.stderr).to.equal(
      "Authenticating with profile 'ci'...\nError: Profile 'ci' keeps its secrets in the 'env-key' store, which is unavailable: ENTRA_STORE_KEY is not set to 64 hex characters (openssl rand -hex 32).\n",
    )
  })

  it('a profile records its store plugin; once uninstalled, config list marks it and get-token names it', async () => {
    await link(join(ROOT, 'examples', 'store-env-key'))
    const key = randomBytes(32).toString('hex')
    registerSensitive(key)
    // Any spelling of the store's name picks it, as for flows.
    const env = {ENTRA_AUTH_CLI_PASSPHRASE: undefined, ENTRA_AUTH_CLI_STORE: 'Env-Key', ENTRA_STORE_KEY: key}
    expect((await world.createProfile('ci', [], {extraEnv: env})).code).to.equal(0)
    const profiles = JSON.parse(readFileSync(join(world.home.cliHome, 'profiles.json'), 'utf8')) as {
      profiles: Array<Record<string, unknown>>
    }
    expect(profiles.profiles[0]).to.deep.include({secretStore: 'env-key', storePlugin: 'entra-auth-cli-store-env-key'})
    const removed = await world.cli(['plugins', 'uninstall', 'entra-auth-cli-store-env-key'])
    expect(removed.code, removed.stderr).to.equal(0)
    const list = await world.cli(['config', 'list'])
    expect(list.stdout).to.match(/^ci\s.*\senv-key \(not installed\)$/m)
    expect(list.stderr).to.include("reinstall it ('entra-auth-cli plugins install entra-auth-cli-store-env-key')")
    const json = JSON.parse((await world.cli(['config', 'list', '--json'])).stdout) as Array<Record<string, unknown>>
    expect(json[0]).to.deep.include({storeInstalled: false})
    const token = await world.cli(['get-token', '-p', 'ci', '--force'], {extraEnv: {ENTRA_STORE_KEY: key}})
    expect(token.code).to.equal(3)
    expect(token.stderr).to.include(
      "Profile 'ci' keeps its secrets in the 'env-key' store, which is not installed any more; reinstall the plugin 'entra-auth-cli-store-env-key' ('entra-auth-cli plugins install entra-auth-cli-store-env-key')",
    )
  })

  it('a plugin claiming a built-in store name is reported by name; the built-in keeps the name and works', async () => {
    await link(join(ROOT, 'test', 'fixtures', 'plugins', 'conflicting-store'))
    // The impostor's create() throws: a profile made with the keyring store proves the built-in was opened.
    const chosen = await world.createProfile('a', [], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'keyring'}})
    expect(chosen.code, chosen.stderr).to.equal(0)
    expect(
      (await world.cli(['get-token', '-p', 'a', '--silent'], {extraEnv: {ENTRA_AUTH_CLI_STORE: 'keyring'}})).code,
    ).to.equal(0)
    const fallback = await world.createProfile('b')
    expect(fallback.code, fallback.stderr).to.equal(0)
    expect((await world.cli(['get-token', '-p', 'b', '--silent'])).code).to.equal(0)
    const auto = await world.createProfile('c', [], {extraEnv: {ENTRA_AUTH_CLI_STORE: undefined}})
    expect(auto.stderr).to.include(
      "Warning: The plugin 'fixture-conflicting-store' also declares the built-in store 'keyring'; it is ignored",
    )
  })

  it('a flow plugin whose hook throws is reported by name; built-in flows keep working', async () => {
    await link(join(ROOT, 'test', 'fixtures', 'plugins', 'broken-flow'))
    await world.createProfile('app')
    const broken = await world.cli(['get-token', '-p', 'app', '-f', 'broken'])
    expect(broken.code).to.equal(3)
    expect(broken.stderr).to.equal(
      "Error: The plugin 'fixture-broken-flow' failed to register flow 'broken': registration exploded\n",
    )
    const unknown = await world.cli(['get-token', '-p', 'app', '-f', 'nope'])
    expect(unknown.stderr).to.match(/Installed flows: .*Broken.*ClientCredentials/)
    const ok = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(ok.code, ok.stderr).to.equal(0)
  })

  it('a flow plugin of another contract version is reported with both versions; built-in flows keep working', async () => {
    await link(join(ROOT, 'test', 'fixtures', 'plugins', 'future-flow'))
    await world.createProfile('app')
    const future = await world.cli(['get-token', '-p', 'app', '-f', 'future'])
    expect(future.code).to.equal(3)
    expect(future.stderr).to.include(
      "The plugin 'fixture-future-flow' was written for plugin contract version 99, but this entra-auth-cli speaks plugin contract version 1",
    )
    const ok = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(ok.code, ok.stderr).to.equal(0)
  })

  it('a plugin flow ends with the exit code of the error kind it declares (3, 4, 5), else 1', async () => {
    await link(join(ROOT, 'test', 'fixtures', 'plugins', 'failing-flow'))
    await world.createProfile('app')
    for (const [kind, code] of [
      ['config', 3],
      ['auth', 4],
      ['network', 5],
      [undefined, 1],
    ] as const) {
      const result = await world.cli(['get-token', '-p', 'app', '-f', 'failing'], {
        extraEnv: {FIXTURE_ERROR_KIND: kind},
      })
      expect(result.code, `${kind}: ${result.stderr}`).to.equal(code)
      expect(result.stderr).to.include(`Error: The fixture failed on purpose (${String(kind)}).`)
    }
  })

  it('a linked CommonJS flow plugin (module.exports = hook): cached like any flow, the hit served before oclif loads', async () => {
    await link(join(ROOT, 'test', 'fixtures', 'plugins', 'static-flow'))
    const created = await world.cli(['config', 'create', '--name', 'st', '--flow', 'static'])
    expect(created.code, created.stderr).to.equal(0)
    const first = await world.cli(['get-token', '-p', 'st', '--silent'])
    expect(first.code, first.stderr).to.equal(0)
    registerSensitive(first.stdout.trim())
    const file = join(world.home.root, 'modules.txt')
    const second = await world.cli(['get-token', '-p', 'st'], {
      env: {
        ...world.env(),
        NODE_OPTIONS: `--import ${join(ROOT, 'test', 'support', 'record-modules.mjs')}`,
        RECORD_MODULES_FILE: file,
      },
    })
    expect(second.stdout).to.equal(first.stdout)
    expect(second.stderr).to.include('(from cache)')
    expect(readFileSync(file, 'utf8')).to.not.include('@oclif/core')
  })
})
