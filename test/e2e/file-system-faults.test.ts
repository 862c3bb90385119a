import {expect} from 'chai'
import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {spawnCli} from '../support/cli.js'
import type {Idp} from '../support/idp/index.js'
import {privateMountsUnavailable, runCliInPrivateMounts} from '../support/private-mounts.js'
import {useWorld, type World} from '../support/world.js'

const TOKEN_LINE = /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/

/**
 * A home the file system will not let the CLI write (full, read-only, odd things at its paths). A token once issued
 * is printed even when it cannot be cached; a lock that cannot be taken is exit 3 with advice and leaves nothing.
 */
describe('file system faults under the home (built CLI against the local identity provider)', function () {
  const suite = useWorld({profile: 'app'})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  const cacheDir = () => join(world.home.cliHome, 'cache')

  it('a folder at the cache path: the token is printed (exit 0) with a warning that it was not cached', async () => {
    mkdirSync(join(cacheDir(), 'app.cache'), {recursive: true})
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(TOKEN_LINE)
    expect(result.stderr, result.stderr).to.include(
      `Warning: The token was not cached: cannot write ${join(cacheDir(), 'app.cache')}: it is a folder.\n`,
    )
  })

  for (const [kind, make] of [
    ['a symbolic link', (path: string) => symlinkSync(join(world.home.root, 'nowhere'), path)],
    ['a folder', (path: string) => mkdirSync(path)],
  ] as const) {
    it(`${kind} at the lock path: exit 3 at once, naming it (no spinning until --timeout)`, async () => {
      mkdirSync(cacheDir(), {recursive: true})
      const lock = join(cacheDir(), 'app.lock')
      make(lock)
      const result = await world.cli(['get-token', '-p', 'app', '--timeout', '30s'], {timeoutMs: 20_000})
      expect(result.signal, 'still running after 20 s').to.equal(null)
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.include(
        `Error: The token cache of profile 'app' cannot be locked: ${lock} is ${kind}, not a lock file; remove it`,
      )
      expect(idp.tokenRequests()).to.have.length(0)
    })
  }

  it('a ClientCredentials run declares its lock abandoned soon after its own timeout, not 15 minutes later', async () => {
    idp.injectFault({delayMs: 3000})
    const child = spawnCli(['get-token', '-p', 'app'], {env: world.env()})
    const closed = new Promise((resolve) => child.on('close', resolve))
    const lock = join(cacheDir(), 'app.lock')
    try {
      while (!existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 20))
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as {createdAt: number; holdUntil: number}
      // Default timeout 120 s plus a short grace; a delegated flow may hold it 15 minutes longer.
      expect(owner.holdUntil - owner.createdAt).to.be.within(120_000, 135_000)
    } finally {
      await closed
    }
  })

  describe('as root, with the home on a tiny tmpfs in a private mount namespace', function () {
    before(function () {
      const why = privateMountsUnavailable()
      if (why) {
        console.log(`      (skipped: ${why})`)
        this.skip()
      }
    })

    /** The home copied onto a fresh tmpfs mounted over it (only inside the namespace), then `then`. */
    function onTmpfs(then: string): string {
      const home = world.home.cliHome
      const stage = join(world.home.root, 'stage')
      mkdirSync(stage, {recursive: true})
      return [
        `mount -t tmpfs -o size=256k,mode=700 tmpfs '${stage}'`,
        `cp -a '${home}/.' '${stage}/'`,
        `mount --bind '${stage}' '${home}'`,
        `mkdir -p '${home}/cache'`,
        then,
      ].join(' && ')
    }
    // Fill the file system, then free exactly one page: room for the lock file, not for the cache.
    const FULL_BUT_ONE_PAGE = (home: string) =>
      `(dd if=/dev/zero of='${home}/filler' bs=4096 2>/dev/null || true) && truncate -s -4096 '${home}/filler'`
    const FULL = (home: string) => `(dd if=/dev/zero of='${home}/filler' bs=4096 2>/dev/null || true)`

    it('the disk fills up during the request: the token is printed (exit 0) with one warning', async () => {
      const home = world.home.cliHome
      const result = await runCliInPrivateMounts(['get-token', '-p', 'app'], {
        check: `ls -a '${home}/cache'`,
        env: world.env(),
        setup: onTmpfs(FULL_BUT_ONE_PAGE(home)),
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.match(TOKEN_LINE)
      const [messages] = result.stderr.split('--- check\n')
      expect(messages.match(/Warning:/g), messages).to.have.length(1)
      expect(messages).to.match(/Warning: The token was not cached: .*\(ENOSPC\)/)
      expect(idp.tokenRequests()).to.have.length(1)
    })

    it('the disk is already full: exit 3 with advice, no token request, no temp file left', async () => {
      const home = world.home.cliHome
      const result = await runCliInPrivateMounts(['get-token', '-p', 'app'], {
        check: `ls -a '${home}/cache'`,
        env: world.env(),
        setup: onTmpfs(FULL(home)),
      })
      expect(result.code, result.stderr).to.equal(3)
      const [messages, listing] = result.stderr.split('--- check\n')
      expect(messages).to.match(
        /^Error: The token cache of profile 'app' cannot be locked: cannot write .*: the disk is full \(ENOSPC\)\. Free some space/m,
      )
      expect(listing.split('\n').filter((name) => name && name !== '.' && name !== '..')).to.deep.equal([])
      expect(idp.tokenRequests()).to.have.length(0)
    })

    it('a read-only home (a config mount in Kubernetes): exit 3 with advice, never a raw EROFS', async () => {
      const home = world.home.cliHome
      const result = await runCliInPrivateMounts(['get-token', '-p', 'app'], {
        env: world.env(),
        setup: onTmpfs(`mount -o remount,bind,ro '${home}'`),
      })
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.match(
        /^Error: The token cache of profile 'app' cannot be locked: cannot write .*: the file system is read-only \(EROFS\)\./m,
      )
    })
  })

  it('nothing is left in the cache folder after a normal run but the cache and its lock-free state', async () => {
    expect((await world.cli(['get-token', '-p', 'app'])).code).to.equal(0)
    expect(readdirSync(cacheDir()).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'))).to.deep.equal([])
  })
})
