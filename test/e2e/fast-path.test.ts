import {expect} from 'chai'
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {ROOT, runNode, type CliResult} from '../support/cli.js'
import type {Idp} from '../support/idp/index.js'
import {Terminal} from '../support/pty.js'
import {PASSPHRASE, startWorld, useWorld, type World} from '../support/world.js'

const FULL_PATH_BIN = join(ROOT, 'test', 'support', 'oclif-only.js')
const RECORDER = join(ROOT, 'test', 'support', 'record-modules.mjs')

const run = (bin: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []) =>
  runNode([...nodeArgs, bin, ...args], env)

/** Every module file a run loaded (CommonJS and ESM), via a preloaded recorder. */
async function loadedModules(
  world: World,
  args: string[],
  env: NodeJS.ProcessEnv = world.env(),
): Promise<{result: CliResult; modules: string[]}> {
  const file = join(world.home.root, `modules-${Date.now()}.txt`)
  const result = await run(join(ROOT, 'bin', 'run.js'), args, {...env, RECORD_MODULES_FILE: file}, [
    '--import',
    RECORDER,
  ])
  const modules = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
  rmSync(file, {force: true})
  return {modules, result}
}

const HEAVY = /node_modules\/(@azure\/msal|jose|@inquirer|inquirer|undici|node-forge|playwright|open)\//

describe('start-up: the get-token fast path and what commands load', () => {
  const suite = useWorld({cached: true, profile: 'app'})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  const cases: Array<{name: string; args: string[]; fresh?: boolean}> = [
    {args: ['get-token', '-p', 'app'], name: 'plain'},
    {args: ['get-token', '--profile', 'app', '--silent'], name: '--silent'},
    {args: ['get-token', '-p', 'app', '--json'], name: '--json'},
    {
      args: ['get-token', '-p', 'app', '--output-format', 'exec-credential', '--silent'],
      name: 'kubectl: --output-format exec-credential',
    },
    {args: ['get-token', '-p', 'app', '--output-format=json'], name: '--output-format=json'},
    {args: ['get-token', '--profile=app', '--scope', 'https://graph.microsoft.com/.default'], name: 'explicit scope'},
    {args: ['get-token', '-p', 'missing'], name: 'unknown profile'},
    {
      args: ['get-token', '-p', 'app', '--scope', 'api://other/.default'],
      fresh: true,
      name: 'a cache miss (the provider answers)',
    },
  ]
  for (const {args, fresh, name} of cases) {
    it(`fast path and oclif give the same stdout, stderr and exit code: ${name}`, async () => {
      const cacheFile = join(world.home.cliHome, 'cache', 'app.cache')
      if (fresh) rmSync(cacheFile)
      const fast = await run(join(ROOT, 'bin', 'run.js'), args, world.env())
      if (fresh) rmSync(cacheFile)
      const full = await run(FULL_PATH_BIN, args, world.env())
      expect(fast.code).to.equal(full.code)
      expect(fast.stderr).to.equal(full.stderr)
      if (fresh) {
        // Both fetched a new token; tokens differ by their unique id, the shape does not.
        expect(fast.stdout.split('.')).to.have.length(3)
        expect(full.stdout.split('.')).to.have.length(3)
      } else {
        expect(fast.stdout).to.equal(full.stdout)
      }
    })
  }

  it('-o FILE: same file content and mode on both paths', async () => {
    const fastFile = join(world.home.root, 'fast.txt')
    const fullFile = join(world.home.root, 'full.txt')
    const fast = await run(join(ROOT, 'bin', 'run.js'), ['get-token', '-p', 'app', '-o', fastFile], world.env())
    const full = await run(FULL_PATH_BIN, ['get-token', '-p', 'app', '-o', fullFile], world.env())
    expect([fast.code, full.code]).to.deep.equal([0, 0])
    expect(fast.stderr.replace(fastFile, 'FILE')).to.equal(full.stderr.replace(fullFile, 'FILE'))
    expect(readFileSync(fastFile, 'utf8')).to.equal(readFileSync(fullFile, 'utf8'))
    expect(statSync(fastFile).mode & 0o777).to.equal(0o600)
  })

  it('-o into a missing folder: the same one-line usage error on both paths; the working directory is not touched', async () => {
    const target = join(world.home.root, 'no-such-dir', 'token.txt')
    const modeBefore = statSync(world.home.root).mode
    const fast = await run(join(ROOT, 'bin', 'run.js'), ['get-token', '-p', 'app', '-o', target], world.env())
    const full = await run(FULL_PATH_BIN, ['get-token', '-p', 'app', '-o', target], world.env())
    expect(fast).to.deep.equal(full)
    expect(fast.code).to.equal(2)
    expect(fast.stderr).to.equal(
      `Authenticating with profile 'app'...\n✓ Token acquired successfully (from cache)\nError: Cannot write the token to ${target}: its folder does not exist.\n`,
    )
    expect(statSync(world.home.root).mode).to.equal(modeBefore)
  })

  it('a profile whose flow is not installed: the cached token is not served on either path', async () => {
    const file = join(world.home.cliHome, 'profiles.json')
    const data = JSON.parse(readFileSync(file, 'utf8'))
    data.profiles[0].defaultFlow = 'RemovedPluginFlow'
    writeFileSync(file, JSON.stringify(data))
    const fast = await run(join(ROOT, 'bin', 'run.js'), ['get-token', '-p', 'app'], world.env())
    const full = await run(FULL_PATH_BIN, ['get-token', '-p', 'app'], world.env())
    expect(fast).to.deep.equal(full)
    expect(fast.code).to.equal(3)
    expect(fast.stderr).to.match(
      /^Error: Profile 'app' uses the flow 'RemovedPluginFlow', which is not installed any more; reinstall the plugin that provides it/,
    )
  })

  it('on a terminal without ENTRA_AUTH_CLI_PASSPHRASE, a cache miss asks for the passphrase once, not once per path', async () => {
    const args = ['get-token', '-p', 'app', '--scope', 'api://elsewhere/.default']
    const terminal = await Terminal.start(args, {env: world.env({ENTRA_AUTH_CLI_PASSPHRASE: undefined})})
    try {
      await terminal.waitFor('Passphrase for the entra-auth-cli secrets file')
      await terminal.answer(PASSPHRASE)
      const {code, screen} = await terminal.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen.match(/Passphrase for the entra-auth-cli secrets file/g)).to.have.length(1)
      expect(screen).to.include('✓ Token acquired successfully')
    } finally {
      await terminal.close()
    }
  })

  it('a cache hit loads neither oclif nor msal, jose, inquirer, undici or node-forge', async () => {
    const {modules, result} = await loadedModules(world, ['get-token', '-p', 'app', '--silent'])
    expect(result.code).to.equal(0)
    expect(modules.length).to.be.greaterThan(5)
    expect(modules.filter((m) => m.includes('@oclif/core'))).to.deep.equal([])
    expect(modules.filter((m) => HEAVY.test(m))).to.deep.equal([])
  })

  it('a kubectl call (--output-format exec-credential) hit loads no oclif either', async () => {
    const {modules, result} = await loadedModules(world, [
      'get-token',
      '-p',
      'app',
      '--output-format',
      'exec-credential',
      '--silent',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout)).to.include({kind: 'ExecCredential'})
    expect(modules.filter((m) => m.includes('@oclif/core') || HEAVY.test(m))).to.deep.equal([])
  })

  it('a cache miss falls through to oclif (and only then loads msal)', async () => {
    const {modules, result} = await loadedModules(world, ['get-token', '-p', 'app', '--silent', '--force'])
    expect(result.code, result.stderr).to.equal(0)
    expect(modules.some((m) => m.includes('@oclif/core'))).to.equal(true)
    expect(modules.some((m) => m.includes('@azure/msal-node'))).to.equal(true)
  })

  for (const args of [['--version'], ['--help'], ['config', 'list']]) {
    it(`${args.join(' ')} loads no msal, jose, inquirer or keyring module`, async () => {
      const {modules, result} = await loadedModules(world, args)
      expect(result.code).to.equal(0)
      expect(modules.filter((m) => HEAVY.test(m) || m.includes('@napi-rs/keyring'))).to.deep.equal([])
    })
  }

  it('no warning or stray output on stderr for --version and --help', async () => {
    for (const args of [['--version'], ['--help'], ['get-token', '--help']]) {
      const result = await run(join(ROOT, 'bin', 'run.js'), args, world.env())
      expect(result.stderr, args.join(' ')).to.equal('')
    }
  })

  describe('with the keyring store (real Secret Service)', () => {
    let keyringWorld: World
    beforeEach(async () => {
      keyringWorld = await startWorld({idp, store: 'keyring'})
      expect((await keyringWorld.createProfile('kr')).code).to.equal(0)
      expect((await keyringWorld.cli(['get-token', '-p', 'kr', '--silent'])).code).to.equal(0)
    })
    afterEach(() => keyringWorld.home.cleanup())

    it('both paths agree, and the hit loads neither oclif nor @napi-rs/keyring (the secret is read in JS)', async () => {
      const args = ['get-token', '-p', 'kr', '--json']
      const fast = await run(join(ROOT, 'bin', 'run.js'), args, keyringWorld.env())
      const full = await run(FULL_PATH_BIN, args, keyringWorld.env())
      expect(fast).to.deep.equal(full)
      expect(fast.code).to.equal(0)
      const {modules} = await loadedModules(keyringWorld, ['get-token', '-p', 'kr', '--silent'])
      expect(
        modules.filter((m) => m.includes('@oclif/core') || m.includes('@napi-rs/keyring') || HEAVY.test(m)),
      ).to.deep.equal([])
    })
  })
})
