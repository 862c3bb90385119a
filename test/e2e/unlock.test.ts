import {expect} from 'chai'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  watch,
} from 'node:fs'
import {join} from 'node:path'
import {ROOT, runNode} from '../support/cli.js'
import {startIdp, type Idp} from '../support/idp/index.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {Terminal} from '../support/pty.js'
import {PASSPHRASE, startWorld, type World} from '../support/world.js'
import {agentDir, agentSocket, askAgent} from '../../src/stores/unlock-agent.js'

const RECORDER = join(ROOT, 'test', 'support', 'record-modules.mjs')
const NO_PASSPHRASE = {ENTRA_AUTH_CLI_PASSPHRASE: undefined}

/** Resolves once `path` is gone, on the folder's change events (no polling sleep). */
function gone(path: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(join(path, '..'), () => {
      if (!existsSync(path)) {
        watcher.close()
        resolve()
      }
    })
    if (!existsSync(path)) {
      watcher.close()
      resolve()
    }
  })
}

/**
 * The pids of the processes listening on `socketPath` as unlock agents, found whether or not the path still exists:
 * the kernel keeps a socket's bound name (/proc/net/unix, flag 00010000 = listening) and the agent holds that socket
 * open (/proc/<pid>/fd). A replaced agent closes its listener before it answers nothing more and exits, so only
 * live agents count; an orphan whose socket path was removed still does.
 */
function listeningAgents(socketPath: string): number[] {
  const inodes = new Set<string>()
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields[7] === socketPath && fields[3] === '00010000') inodes.add(`socket:[${fields[6]}]`)
  }
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes('unlock-agent')) continue
      const fds = readdirSync(`/proc/${entry}/fd`).map((fd) => readlinkSync(`/proc/${entry}/fd/${fd}`))
      if (fds.some((target) => inodes.has(target))) pids.push(Number(entry))
    } catch {
      // The process ended while we looked, or is not ours to read: not one of our agents.
    }
  }
  return pids
}

/** Every regular file under `dir` with its size and modification time: what "nothing written" is checked against. */
/**
 * Every file under `dir` with its size and time, but the compile cache: V8's bytecode of the CLI's own modules, which
 * the first run of each command writes (src/fast/compile-cache.ts; the at-rest scan still reads it).
 */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (d: string) => {
    for (const entry of readdirSync(d, {withFileTypes: true})) {
      const path = join(d, entry.name)
      if (entry.isDirectory() && entry.name === 'compile-cache') continue
      if (entry.isDirectory()) walk(path)
      else {
        const info = lstatSync(path)
        files[path] = `${info.size}:${info.mtimeMs}`
      }
    }
  }
  walk(dir)
  return files
}

describe('unlock / lock: the encrypted-file key kept by an agent for a while', () => {
  let idp: Idp
  let world: World
  let runtimeDir: string
  let socket: string
  const env = (extra: NodeJS.ProcessEnv = {}) => world.env({XDG_RUNTIME_DIR: runtimeDir, ...extra})
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => world.cli(args, {env: env(extra)})
  const secretsFile = () => join(world.home.cliHome, 'secrets.enc')
  /** The agent's own word on whether it holds the key, and its pid. */
  const status = () => askAgent({file: secretsFile(), op: 'status'}, env())

  before(async () => {
    idp = await startIdp()
  })
  after(() => idp.stop())
  beforeEach(async () => {
    world = await startWorld({idp})
    // Each test its own runtime folder (as $XDG_RUNTIME_DIR is per login): agents of parallel runs never meet.
    runtimeDir = join(world.home.root, 'run')
    mkdirSync(runtimeDir, {mode: 0o700})
    socket = agentSocket(join(world.home.cliHome, 'secrets.enc'), env())
    const created = await world.createProfile('app')
    expect(created.code, created.stderr).to.equal(0)
    const first = await cli(['get-token', '-p', 'app', '--silent'])
    expect(first.code, first.stderr).to.equal(0)
  })
  afterEach(async () => {
    await cli(['lock'])
    world.home.cleanup()
  })

  it('without unlock and without a passphrase, a command that needs the file fails and says what to set', async () => {
    const result = await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include(
      "Error: Profile 'app' keeps its secrets in the 'encrypted-file' store, which is unavailable: ENTRA_AUTH_CLI_PASSPHRASE is not set, the secrets file is not unlocked, and there is no terminal to ask for a passphrase.\n",
    )
  })

  it('after unlock, cache hits (fast path, no oclif) and new tokens (oclif) need no passphrase; lock forgets the key', async () => {
    const unlocked = await cli(['unlock'])
    expect(unlocked.code, unlocked.stderr).to.equal(0)
    expect(unlocked.stderr).to.equal(
      `✓ Unlocked ${join(world.home.cliHome, 'secrets.enc')} for 15 min; 'entra-auth-cli lock' forgets the key sooner.\n`,
    )

    const hit = await cli(['get-token', '-p', 'app'], NO_PASSPHRASE)
    expect(hit.code, hit.stderr).to.equal(0)
    expect(hit.stderr).to.equal("Authenticating with profile 'app'...\n✓ Token acquired successfully (from cache)\n")
    const recorded = join(world.home.root, 'modules.txt')
    const traced = await runNode(
      ['--import', RECORDER, join(ROOT, 'bin', 'run.js'), 'get-token', '-p', 'app', '--silent'],
      env({...NO_PASSPHRASE, RECORD_MODULES_FILE: recorded}),
    )
    expect(traced.code, traced.stderr).to.equal(0)
    expect(readFileSync(recorded, 'utf8')).not.to.include('@oclif/core')

    // --force skips the cache: the full command reads the client secret from the file with the agent's key.
    const fresh = await cli(['get-token', '-p', 'app', '--silent', '--force'], NO_PASSPHRASE)
    expect(fresh.code, fresh.stderr).to.equal(0)
    expect(fresh.stdout.split('.')).to.have.length(3)

    const locked = await cli(['lock'])
    expect(locked.code).to.equal(0)
    expect(locked.stderr).to.equal(`✓ Locked: the key of ${join(world.home.cliHome, 'secrets.enc')} is forgotten.\n`)
    expect(existsSync(socket)).to.equal(false)
    const after = await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)
    expect(after.code).to.equal(3)
    expect((await cli(['lock'])).stderr).to.equal(
      `Nothing to lock: ${join(world.home.cliHome, 'secrets.enc')} was not unlocked.\n`,
    )
  })

  it('the key expires after --timeout: the agent exits and removes its socket', async () => {
    const unlocked = await cli(['unlock', '--timeout', '2s'])
    expect(unlocked.code, unlocked.stderr).to.equal(0)
    expect((await status())?.expiresInMs).to.be.within(1, 2000)
    await gone(socket)
    expect(await status()).to.equal(undefined)
    const result = await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)
    expect(result.code).to.equal(3)
  })

  it('unlocks run in parallel leave exactly one agent, the socket points to it, and lock leaves none', async function () {
    this.timeout(120_000)
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({length: 8}, () => cli(['unlock', '--timeout', '1h'])))
      for (const result of results) expect(result.code, result.stderr).to.equal(0)
      // Each unlock stops the agent before it and sees its listener closed before it starts its own.
      const pids = listeningAgents(socket)
      expect(pids, `round ${round}`).to.have.length(1)
      expect((await status())?.pid, `round ${round}`).to.equal(pids[0])
    }
    const locked = await cli(['lock'])
    expect(locked.stderr).to.equal(`✓ Locked: the key of ${join(world.home.cliHome, 'secrets.enc')} is forgotten.\n`)
    // The agent closes its listener, then removes its socket: once the path is gone, no agent may listen.
    await gone(socket)
    expect(listeningAgents(socket)).to.deep.equal([])
  })

  it('an agent whose socket is removed from under it forgets the key and exits by itself', async () => {
    expect((await cli(['unlock', '--timeout', '1h'])).code).to.equal(0)
    const pids = listeningAgents(socket)
    expect(pids).to.have.length(1)
    rmSync(socket)
    // It checks its socket about once a second; wait for its exit in 50 ms steps (capped so a failure ends).
    for (let step = 0; step < 600 && existsSync(`/proc/${pids[0]}/fd`); step++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(existsSync(`/proc/${pids[0]}/fd`), 'the agent is still alive').to.equal(false)
  })

  it('a wrong passphrase is refused by unlock, and no agent starts', async () => {
    registerSensitive('not the passphrase at all')
    const result = await cli(['unlock'], {ENTRA_AUTH_CLI_PASSPHRASE: 'not the passphrase at all'})
    expect(result.code).to.equal(3)
    expect(result.stderr).to.match(
      /^Error: Cannot decrypt .*secrets\.enc: wrong passphrase, or the file was modified\. Check ENTRA_AUTH_CLI_PASSPHRASE\.\n$/,
    )
    expect(existsSync(socket)).to.equal(false)
  })

  it('while unlocked, a passphrase given in the environment is still the one used: a wrong one fails', async () => {
    expect((await cli(['unlock'])).code).to.equal(0)
    registerSensitive('not the passphrase at all')
    const result = await cli(['get-token', '-p', 'app', '--silent'], {
      ENTRA_AUTH_CLI_PASSPHRASE: 'not the passphrase at all',
    })
    expect(result.code).to.equal(3)
    expect(result.stderr).to.match(/Cannot decrypt .*wrong passphrase/)
  })

  it('a secrets file sealed again under another passphrase is never opened with the old unlocked key', async () => {
    expect((await cli(['unlock'])).code).to.equal(0)
    // Start over with another passphrase: a new file, new salt.
    rmSync(join(world.home.cliHome, 'secrets.enc'))
    rmSync(join(world.home.cliHome, 'cache'), {force: true, recursive: true})
    const other = 'another passphrase entirely'
    registerSensitive(other)
    expect((await cli(['config', 'delete', '-p', 'app', '--yes'], {ENTRA_AUTH_CLI_PASSPHRASE: other})).code).to.equal(0)
    const created = await world.createProfile('app', [], {
      extraEnv: {ENTRA_AUTH_CLI_PASSPHRASE: other, XDG_RUNTIME_DIR: runtimeDir},
    })
    expect(created.code, created.stderr).to.equal(0)
    expect(existsSync(socket), 'the old agent is still running').to.equal(true)

    const result = await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)
    expect(result.code).to.equal(3)
    expect(result.stderr).to.include(
      'Error: A passphrase is needed and there is no terminal to ask for it; set ENTRA_AUTH_CLI_PASSPHRASE.\n',
    )
    expect((await cli(['get-token', '-p', 'app', '--silent'], {ENTRA_AUTH_CLI_PASSPHRASE: other})).code).to.equal(0)
  })

  it('writes nothing but its 0600 socket in a 0700 folder; the agent gets neither the passphrase nor the key in argv or environment', async () => {
    const before = snapshot(world.home.home)
    expect((await cli(['unlock'])).code).to.equal(0)
    expect((await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)).code).to.equal(0)
    expect(readdirSync(agentDir(env()))).to.deep.equal([socket.split('/').pop()])
    expect(statSync(socket).isSocket()).to.equal(true)
    expect(statSync(socket).mode & 0o777).to.equal(0o600)
    expect(statSync(agentDir(env())).mode & 0o777).to.equal(0o700)
    const pid = (await status())!.pid!
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).to.equal('')
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.to.include(PASSPHRASE)
    expect(snapshot(world.home.home)).to.deep.equal(before)
  })

  it('on a terminal, unlock asks for the passphrase once', async () => {
    const terminal = await Terminal.start(['unlock', '--timeout', '1m'], {env: env(NO_PASSPHRASE)})
    try {
      await terminal.waitFor('Passphrase for the entra-auth-cli secrets file')
      await terminal.answer(PASSPHRASE)
      const {code, screen} = await terminal.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include('✓ Unlocked')
    } finally {
      await terminal.close()
    }
    expect((await cli(['get-token', '-p', 'app', '--silent'], NO_PASSPHRASE)).code).to.equal(0)
  })

  it('--timeout out of range is a usage error', async () => {
    for (const timeout of ['0', '25h', 'soon']) {
      const result = await cli(['unlock', '--timeout', timeout])
      expect(result.code, timeout).to.equal(2)
      expect(existsSync(socket)).to.equal(false)
    }
  })
})
