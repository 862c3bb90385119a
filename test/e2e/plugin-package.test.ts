import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {ROOT, runCli, runNode, TestHome, type CliResult} from '../support/cli.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {keyringAccount} from '../../src/stores/keyring.js'

const exec = promisify(execFile)
const RECORDER = join(ROOT, 'test', 'support', 'record-modules.mjs')
const OCLIF_ONLY = join(ROOT, 'test', 'support', 'oclif-only.js')

/** Runs a bin (the CLI, or oclif alone) with node options; for comparing the fast path with oclif's answer. */
const run = (bin: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []) =>
  runNode([...nodeArgs, bin, ...args], env)

/**
 * A plugin as a third party builds it: the contract package is packed on its own, a TypeScript flow plugin
 * (test/fixtures/plugins/ts-counter) is compiled against it the documented way and packed with the contract bundled,
 * and the CLI installs that tarball with `plugins install file:...` into a fresh data folder, offline.
 */
describe('a TypeScript flow plugin installed from its tarball', function () {
  this.timeout(300_000)
  let home: TestHome
  let pluginTarball: string
  let build: string
  const PIN = 'pin-7c1e9a55d2'
  registerSensitive(PIN)

  const env = (extra: NodeJS.ProcessEnv = {}) =>
    home.env({
      ENTRA_AUTH_CLI_DATA_DIR: join(home.home, 'cli-data'),
      ENTRA_AUTH_CLI_STORE: 'keyring',
      COUNTER_FILE: join(home.root, 'counter'),
      // npm, run by `plugins install`, must not reach for a registry: everything it needs is in the tarball.
      npm_config_offline: 'true',
      ...extra,
    })
  const cli = (args: string[], options: {input?: string; extraEnv?: NodeJS.ProcessEnv} = {}): Promise<CliResult> =>
    runCli(args, {env: env(options.extraEnv), input: options.input, timeoutMs: 120_000})
  const requests = () => Number(readFileSync(join(home.root, 'counter'), 'utf8'))
  const keyringAccounts = async () => {
    const {stdout, stderr} = await exec('secret-tool', ['search', '--all', 'service', 'entra-auth-cli']).catch(
      (e: {stdout?: string; stderr?: string}) => ({stderr: e.stderr ?? '', stdout: e.stdout ?? ''}),
    )
    return `${stdout}\n${stderr}`
  }

  before(async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run the suite through scripts/test.sh').to.be.a('string')
    home = new TestHome('entra-plugin-pkg-')
    build = join(home.root, 'build')
    mkdirSync(build)
    await exec('npm', ['pack', '-w', 'packages/plugin-api', '--pack-destination', build], {cwd: ROOT})
    const contract = join(
      build,
      readdirSync(build).find((f) => f.startsWith('entra-auth-cli-plugin-api-'))!,
    )
    const source = join(build, 'plugin')
    cpSync(join(ROOT, 'test', 'fixtures', 'plugins', 'ts-counter'), source, {recursive: true})
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', contract], {cwd: source})
    await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', source])
    await exec('npm', ['pack', '--pack-destination', build], {cwd: source})
    pluginTarball = join(
      build,
      readdirSync(build).find((f) => f.startsWith('fixture-ts-counter-'))!,
    )
  })
  after(() => home?.cleanup())

  it('installs from file: offline, and the flow works without a tenant, a client id or a credential', async () => {
    const installed = await cli(['plugins', 'install', `file:${pluginTarball}`])
    expect(installed.code, installed.stderr).to.equal(0)
    const created = await cli(
      ['config', 'create', '--name', 'box', '--flow', 'counter', '--option', 'label=blue', '--option-stdin', 'pin'],
      {input: PIN},
    )
    expect(created.code, created.stderr).to.equal(0)
    expect(created.stderr).to.include("✓ Profile 'box' created")
    const show = await cli(['config', 'show', '-p', 'box', '--json'])
    const shown = JSON.parse(show.stdout) as Record<string, unknown>
    expect(shown).to.include({authMethod: 'None', clientId: '', defaultFlow: 'Counter', tenantId: ''})
    expect(shown.flowOptions).to.deep.equal({label: 'blue'})
    expect((shown.secrets as Record<string, string>)['option:pin']).to.match(/^stored in /)
    expect(show.stdout).to.not.include(PIN)
  })

  it('lists the flow with its plugin, and the stores with whether each is usable here', async () => {
    const flows = await cli(['flows', '--json'])
    expect(flows.code, flows.stderr).to.equal(0)
    const counter = (JSON.parse(flows.stdout) as Array<Record<string, unknown>>).find((f) => f.name === 'Counter')
    expect(counter).to.deep.include({
      builtin: false,
      kind: 'app-only',
      plugin: 'fixture-ts-counter',
      summary: 'Counts its token requests in COUNTER_FILE (test fixture)',
    })
    const table = await cli(['flows'])
    expect(table.stdout).to.match(/^Counter\s+app-only\s+fixture-ts-counter\s+Counts its token requests/m)
    expect(table.stdout).to.match(/^DeviceCode\s+user\s+built-in\s+/m)
    const stores = await cli(['stores', '--json'])
    const keyring = (JSON.parse(stores.stdout) as Array<Record<string, unknown>>).find((s) => s.name === 'keyring')
    expect(keyring).to.deep.include({available: true, builtin: true, selected: true})
    const noPassphrase = await cli(['stores'], {extraEnv: {ENTRA_AUTH_CLI_PASSPHRASE: undefined}})
    expect(noPassphrase.stdout).to.match(/^encrypted-file\s+50\s+no: /m)
  })

  it('caches its tokens: the second call makes no request, --force does', async () => {
    const first = await cli(['get-token', '-p', 'box'])
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout.trim()).to.equal(`counter.blue.${PIN.length}.1`)
    registerSensitive(first.stdout.trim())
    const second = await cli(['get-token', '-p', 'box'])
    expect(second.stdout).to.equal(first.stdout)
    expect(second.stderr).to.include('(from cache)')
    expect(requests()).to.equal(1)
    const forced = await cli(['get-token', '-p', 'box', '--force', '--silent'])
    expect(forced.stdout.trim()).to.equal(`counter.blue.${PIN.length}.2`)
    registerSensitive(forced.stdout.trim())
  })

  it('a cached call of the plugin flow is served by the fast path: same answer as oclif, oclif never loaded', async () => {
    const file = join(home.root, 'modules.txt')
    const fast = await run(
      join(ROOT, 'bin', 'run.js'),
      ['get-token', '-p', 'box'],
      {...env(), RECORD_MODULES_FILE: file},
      ['--import', RECORDER],
    )
    const full = await run(OCLIF_ONLY, ['get-token', '-p', 'box'], env())
    expect(fast).to.deep.equal(full)
    expect(fast.stdout.trim()).to.equal(`counter.blue.${PIN.length}.2`)
    const modules = readFileSync(file, 'utf8').split('\n')
    expect(modules.filter((m) => m.includes('@oclif/core'))).to.deep.equal([])
    // The registration is read; the flow's code is not needed for a hit.
    expect(modules.some((m) => m.endsWith('fixture-ts-counter/dist/hook.js'))).to.equal(true)
    expect(modules.some((m) => m.endsWith('fixture-ts-counter/dist/flow.js'))).to.equal(false)
    expect(requests()).to.equal(2)
  })

  it('ends with the exit code of the PluginError kind it throws (3, 4, 5)', async () => {
    for (const [kind, code] of [
      ['config', 3],
      ['auth', 4],
      ['network', 5],
    ] as const) {
      const failed = await cli(['get-token', '-p', 'box', '--force'], {extraEnv: {COUNTER_FAIL: kind}})
      expect(failed.code, failed.stderr).to.equal(code)
      expect(failed.stderr).to.include(`Error: Counter failed on purpose (${kind}).`)
    }
  })

  it('config edit of an option drops the cached tokens; a rename moves the secret option; delete removes it', async () => {
    const edited = await cli(['config', 'edit', '-p', 'box', '--option', 'label=green'])
    expect(edited.code, edited.stderr).to.equal(0)
    expect(edited.stderr).to.include('flow options')
    const token = await cli(['get-token', '-p', 'box', '--silent'])
    expect(token.stdout.trim()).to.equal(`counter.green.${PIN.length}.3`)
    registerSensitive(token.stdout.trim())
    const secretArg = await cli(['config', 'edit', '-p', 'box', '--option', `pin=${PIN}`])
    expect(secretArg.code).to.equal(2)
    expect(secretArg.stderr).to.include('--option-stdin pin')
    const renamed = await cli(['config', 'edit', '-p', 'box', '--rename', 'crate'])
    expect(renamed.code, renamed.stderr).to.equal(0)
    const accounts = await keyringAccounts()
    expect(accounts).to.include(keyringAccount('profile:crate:option:pin', env()))
    expect(accounts).to.not.include(keyringAccount('profile:box:option:pin', env()))
    const moved = await cli(['get-token', '-p', 'crate', '--force', '--silent'])
    expect(moved.stdout.trim()).to.equal(`counter.green.${PIN.length}.4`)
    registerSensitive(moved.stdout.trim())
    const deleted = await cli(['config', 'delete', '-p', 'crate', '--yes'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(await keyringAccounts()).to.not.include(keyringAccount('profile:crate:option:pin', env()))
  })

  it('installs a newer version from a plain path and says which version is installed; uninstalled, the profile names the plugin', async () => {
    const source = join(build, 'plugin')
    const pjson = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
    writeFileSync(join(source, 'package.json'), JSON.stringify({...pjson, version: '0.2.0'}))
    await exec('npm', ['pack', '--pack-destination', build], {cwd: source})
    const newer = join(build, 'fixture-ts-counter-0.2.0.tgz')
    expect(existsSync(newer)).to.equal(true)
    const reinstalled = await cli(['plugins', 'install', newer])
    expect(reinstalled.code, reinstalled.stderr).to.equal(0)
    expect(reinstalled.stderr, reinstalled.stderr).to.include('fixture-ts-counter v0.2.0 is installed')
    const inspect = await cli(['plugins'])
    expect(inspect.stdout).to.include('fixture-ts-counter 0.2.0')
    const missing = await cli(['plugins', 'install', join(build, 'nope-1.0.0.tgz')])
    expect(missing.code).to.equal(2)
    expect(missing.stderr).to.include(`No plugin at ${join(build, 'nope-1.0.0.tgz')}`)

    const again = await cli(
      ['config', 'create', '--name', 'box', '--flow', 'Counter', '--option', 'label=red', '--option-stdin', 'pin'],
      {input: PIN},
    )
    expect(again.code, again.stderr).to.equal(0)
    // The secret option travels in an export with --include-secrets and lands in the other home's secret store.
    const bundle = join(home.root, 'box.entra')
    const passphrase = {ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'bundle passphrase 42'}
    registerSensitive(passphrase.ENTRA_AUTH_CLI_EXPORT_PASSPHRASE)
    const exported = await cli(['config', 'export', '-p', 'box', '-o', bundle, '--include-secrets'], {
      extraEnv: passphrase,
    })
    expect(exported.code, exported.stderr).to.equal(0)
    const otherHome = {...passphrase, ENTRA_AUTH_CLI_HOME: join(home.home, 'other-cli-home')}
    const imported = await cli(['config', 'import', bundle], {extraEnv: otherHome})
    expect(imported.code, imported.stderr).to.equal(0)
    const there = await cli(['get-token', '-p', 'box', '--silent'], {extraEnv: otherHome})
    expect(there.code, there.stderr).to.equal(0)
    expect(there.stdout.trim()).to.match(new RegExp(`^counter\\.red\\.${PIN.length}\\.\\d+$`))
    registerSensitive(there.stdout.trim())
    const uninstalled = await cli(['plugins', 'uninstall', 'fixture-ts-counter'])
    expect(uninstalled.code, uninstalled.stderr).to.equal(0)
    const orphan = await cli(['get-token', '-p', 'box'])
    expect(orphan.code).to.equal(3)
    expect(orphan.stderr).to.include(
      "Error: Profile 'box' uses the flow 'Counter', which is not installed any more; reinstall the plugin 'fixture-ts-counter'",
    )
    const list = await cli(['config', 'list'])
    expect(list.stdout).to.match(/^box .*Counter \(not installed\)/m)
    expect(list.stderr).to.include('reinstall it')
  })
})
