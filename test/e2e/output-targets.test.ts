import {expect} from 'chai'
import {spawn, spawnSync, type StdioOptions} from 'node:child_process'
import {closeSync, lstatSync, openSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {BIN, ROOT, type CliResult} from '../support/cli.js'
import {registerTokensIn} from '../support/plaintext-scan.js'
import {PRIVATE_DEV, privateMountsUnavailable, runCliInPrivateMounts} from '../support/private-mounts.js'
import {useWorld, type World} from '../support/world.js'

/** The built CLI with the given stdio (a descriptor for stdout, an extra pipe as fd 3). */
function runWithStdio(args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): Promise<CliResult & {fd3: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env, stdio})
    let stdout = ''
    let stderr = ''
    let fd3 = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const extra = child.stdio[3] as NodeJS.ReadableStream | null | undefined
    extra?.setEncoding('utf8')
    extra?.on('data', (d: string) => (fd3 += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      registerTokensIn(stdout + fd3)
      resolve({code, fd3, signal, stderr, stdout})
    })
  })
}

/** get-token twice: the first run goes through oclif (a miss), the second is a cache hit on the fast path. */
const PATHS = ['oclif path (cache miss)', 'fast path (cache hit)'] as const

describe('where the token goes: -o targets that are not files, and failed writes', function () {
  const suite = useWorld({profile: 'app'})
  let world: World
  beforeEach(() => ({world} = suite))

  it('-o FIFO is written in place: its reader gets the token and the FIFO stays a FIFO', async () => {
    const fifo = join(world.home.root, 'token.fifo')
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0)
    for (const path of PATHS) {
      const reader = spawn('cat', [fifo], {stdio: ['ignore', 'pipe', 'inherit']})
      let read = ''
      reader.stdout.setEncoding('utf8').on('data', (d: string) => (read += d))
      const closed = new Promise((resolve) => reader.on('close', resolve))
      try {
        const result = await world.cli(['get-token', '-p', 'app', '-o', fifo])
        expect(result.code, `${path}: ${result.stderr}`).to.equal(0)
        expect(lstatSync(fifo).isFIFO(), path).to.equal(true)
        await closed
        registerTokensIn(read)
        expect(read, path).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
      } finally {
        reader.kill()
      }
    }
  })

  it('-o /dev/fd/3 (what `-o >(cmd)` passes) writes to that descriptor', async () => {
    for (const path of PATHS) {
      const result = await runWithStdio(['get-token', '-p', 'app', '-o', '/dev/fd/3'], world.env(), [
        'ignore',
        'pipe',
        'pipe',
        'pipe',
      ])
      expect(result.code, `${path}: ${result.stderr}`).to.equal(0)
      expect(result.fd3, path).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
      expect(result.stdout).to.equal('')
    }
  })

  it('-o /proc/self/fd/1 writes to stdout', async () => {
    for (const path of PATHS) {
      const result = await world.cli(['get-token', '-p', 'app', '--silent', '-o', '/proc/self/fd/1'])
      expect(result.code, `${path}: ${result.stderr}`).to.equal(0)
      expect(result.stdout, path).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
    }
  })

  it('-o through a symbolic link replaces the link with a 0600 file and never writes to what it points at', async () => {
    const target = join(world.home.root, 'victim.txt')
    const link = join(world.home.root, 'token-link')
    writeFileSync(target, 'keep me\n')
    symlinkSync(target, link)
    const result = await world.cli(['get-token', '-p', 'app', '-o', link])
    expect(result.code, result.stderr).to.equal(0)
    expect(readFileSync(target, 'utf8')).to.equal('keep me\n')
    expect(lstatSync(link).isFile()).to.equal(true)
    expect(lstatSync(link).mode & 0o777).to.equal(0o600)
  })

  it('config export -o /dev/fd/3 writes the bundle to that descriptor (no --force, nothing replaced)', async () => {
    const env = world.env({ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'a bundle passphrase'})
    const result = await runWithStdio(['config', 'export', '-o', '/dev/fd/3'], env, ['ignore', 'pipe', 'pipe', 'pipe'])
    expect(result.code, result.stderr).to.equal(0)
    expect(JSON.parse(result.fd3)).to.include({format: 'entra-auth-cli-profiles', version: 1})
  })

  describe('as root, in a private mount namespace with a /dev of its own', function () {
    before(function () {
      const why = privateMountsUnavailable()
      if (why) {
        console.log(`      (skipped: ${why})`)
        this.skip()
      }
    })

    it('-o /dev/null leaves /dev/null a character device', async () => {
      for (const path of PATHS) {
        const result = await runCliInPrivateMounts(['get-token', '-p', 'app', '-o', '/dev/null'], {
          check: 'stat -c "%F %t:%T %a" /dev/null',
          env: world.env(),
          setup: PRIVATE_DEV,
        })
        expect(result.code, `${path}: ${result.stderr}`).to.equal(0)
        expect(result.stderr, path).to.match(/--- check\ncharacter special file 1:3 666\n$/)
      }
    })

    it('-o /dev/stdout prints the token and leaves the link in place', async () => {
      for (const path of PATHS) {
        const result = await runCliInPrivateMounts(['get-token', '-p', 'app', '--silent', '-o', '/dev/stdout'], {
          check: 'stat -c %F /dev/stdout',
          env: world.env(),
          setup: PRIVATE_DEV,
        })
        expect(result.code, `${path}: ${result.stderr}`).to.equal(0)
        expect(result.stdout, path).to.match(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
        expect(result.stderr, path).to.match(/--- check\nsymbolic link\n$/)
      }
    })
  })

  describe('a failed write of the product exits non-zero', function () {
    it('get-token > /dev/full', async () => {
      for (const path of PATHS) {
        const full = openSync('/dev/full', 'w')
        try {
          const result = await runWithStdio(['get-token', '-p', 'app'], world.env(), ['ignore', full, 'pipe'])
          expect(result.code, `${path}: ${result.stderr}`).to.equal(1)
          expect(result.stderr, path).to.match(
            /^Error: Cannot write the token to stdout: no space left on the device \(ENOSPC\)\.$/m,
          )
        } finally {
          closeSync(full)
        }
      }
    })

    it('get-token --json > /dev/full on the fast path, once: no second attempt through oclif', async () => {
      expect((await world.cli(['get-token', '-p', 'app'])).code).to.equal(0)
      const full = openSync('/dev/full', 'w')
      try {
        const result = await runWithStdio(['get-token', '-p', 'app', '--json'], world.env(), ['ignore', full, 'pipe'])
        expect(result.code, result.stderr).to.equal(1)
        expect(result.stderr).to.equal(
          "Authenticating with profile 'app'...\n✓ Token acquired successfully (from cache)\nError: Cannot write the token to stdout: no space left on the device (ENOSPC).\n",
        )
      } finally {
        closeSync(full)
      }
    })

    it('get-token -o /dev/full', async function () {
      // As root, a CLI that renames over the target would replace the real /dev/full: only in a private /dev.
      const asRoot = process.getuid?.() === 0
      if (asRoot && privateMountsUnavailable()) this.skip()
      const args = ['get-token', '-p', 'app', '-o', '/dev/full']
      const result = asRoot
        ? await runCliInPrivateMounts(args, {env: world.env(), setup: PRIVATE_DEV})
        : await world.cli(args)
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.match(
        /^Error: Cannot write the token to \/dev\/full: no space left on the device \(ENOSPC\)\.$/m,
      )
    })

    it('inspect > /dev/full', async () => {
      const token = (await world.cli(['get-token', '-p', 'app', '--silent'])).stdout.trim()
      const full = openSync('/dev/full', 'w')
      try {
        const result = await new Promise<CliResult>((resolve, reject) => {
          const child = spawn(process.execPath, [BIN, 'inspect', '--silent'], {
            cwd: ROOT,
            env: world.env(),
            stdio: ['pipe', full, 'pipe'],
          })
          let stderr = ''
          child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
          child.on('error', reject)
          child.on('close', (code, signal) => resolve({code, signal, stderr, stdout: ''}))
          child.stdin!.end(token)
        })
        expect(result.code, result.stderr).to.equal(1)
        expect(result.stderr).to.equal(
          'Error: Cannot write the claims to stdout: no space left on the device (ENOSPC).\n',
        )
      } finally {
        closeSync(full)
      }
    })

    it('a reader that goes away (EPIPE) is not an error', async () => {
      const result = await new Promise<CliResult>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'get-token', '-p', 'app', '--silent'], {
          cwd: ROOT,
          env: world.env(),
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stderr = ''
        child.stdout.destroy()
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
        child.on('error', reject)
        child.on('close', (code, signal) => resolve({code, signal, stderr, stdout: ''}))
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.equal('')
    })
  })
})
