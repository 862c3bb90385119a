import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {acquireLock} from '../../../src/base/file-lock.js'
import type {CliError} from '../../../src/base/errors.js'
import {ROOT, TestHome} from '../../support/cli.js'

describe('file lock', () => {
  let home: TestHome
  beforeEach(() => (home = new TestHome('lock-')))
  afterEach(() => home.cleanup())

  it('excludes a second holder until released', async () => {
    const path = join(home.root, 'x.lock')
    const release = await acquireLock(path)
    let released = false
    const second = acquireLock(path, {pollMs: 5, timeoutMs: 5000})
    // A lock that excluded nothing would hand the second caller the lock before this runs.
    setTimeout(() => {
      released = true
      void release()
    }, 50)
    const releaseSecond = await second
    expect(released, 'the second holder waited for the first').to.equal(true)
    await releaseSecond()
  })

  const record = (pid: number, holdUntil: number) =>
    JSON.stringify({
      createdAt: Date.now(),
      holdUntil,
      host: hostname(),
      nonce: Math.random().toString(16).slice(2),
      pid,
    })
  const deadPid = async () => {
    const child = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => child.on('close', resolve))
    return child.pid!
  }

  it('takes over a lock whose owner died, and one held past its hold time', async () => {
    const path = join(home.root, 'y.lock')
    writeFileSync(path, record(await deadPid(), Date.now() + 600_000))
    await (
      await acquireLock(path, {timeoutMs: 2000})
    )()
    writeFileSync(path, record(process.pid, Date.now() - 1))
    await (
      await acquireLock(path, {timeoutMs: 2000})
    )()
  })

  it('lets exactly one of many waiters take over a stale lock (no two holders at once)', async () => {
    const path = join(home.root, 'race.lock')
    const script = `
      const {acquireLock} = require(${JSON.stringify(join(ROOT, 'src', 'base', 'file-lock.ts'))})
      const fs = require('node:fs')
      ;(async () => {
        for (let i = 0; i < 15; i++) {
          const release = await acquireLock(${JSON.stringify(path)}, {pollMs: 5, timeoutMs: 30000})
          fs.appendFileSync(${JSON.stringify(path + '.log')}, 'in\\n')
          await new Promise((r) => setTimeout(r, 2))
          fs.appendFileSync(${JSON.stringify(path + '.log')}, 'out\\n')
          // Leave a stale lock behind now and then, as a killed process would.
          if (i % 5 === 4) fs.writeFileSync(${JSON.stringify(path)}, ${JSON.stringify(record(await deadPid(), Date.now() + 600_000))})
          else await release()
        }
      })()`
    const workers = Array.from({length: 5}, () =>
      spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], {stdio: 'inherit'}),
    )
    const codes = await Promise.all(workers.map((w) => new Promise((resolve) => w.on('close', resolve))))
    expect(codes).to.deep.equal([0, 0, 0, 0, 0])
    const log = readFileSync(path + '.log', 'utf8')
      .trim()
      .split('\n')
    expect(log).to.have.length(5 * 15 * 2)
    // Strictly alternating in/out means no two workers were ever inside together.
    log.forEach((line, i) => expect(line, `line ${i}`).to.equal(i % 2 === 0 ? 'in' : 'out'))
  })

  it('gives up with a message naming the lock file', async () => {
    const path = join(home.root, 'z.lock')
    const release = await acquireLock(path)
    try {
      await acquireLock(path, {timeoutMs: 200})
      expect.fail('should have timed out')
    } catch (error) {
      expect((error as Error).message).to.include(path)
    } finally {
      await release()
    }
  })

  // Within a bound, or the test fails instead of spinning (what a lock loop without lstat and a deadline did).
  function settlesWithin<T>(ms: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)
    })
    return Promise.race([work, late]).finally(() => clearTimeout(timer))
  }

  for (const [kind, make] of [
    ['a dangling symbolic link', (path: string) => symlinkSync(join(home.root, 'nowhere'), path)],
    ['a folder', (path: string) => mkdirSync(path)],
  ] as const) {
    it(`refuses ${kind} at the lock path at once (exit 3, naming it), never spinning past the timeout`, async () => {
      const path = join(home.root, 'odd.lock')
      make(path)
      const started = process.cpuUsage()
      const error = await settlesWithin(
        3000,
        acquireLock(path, {timeoutMs: 500, what: 'The thing'}).then(
          () => expect.fail('took a lock over something that is not a lock file'),
          (error: unknown) => error as CliError,
        ),
      )
      expect(error.exitCode).to.equal(3)
      expect(error.message).to.equal(
        `The thing cannot be locked: ${path} is ${kind.replace('a dangling ', 'a ')}, not a lock file; remove it (rm -r '${path}') and try again.`,
      )
      const used = process.cpuUsage(started)
      expect(used.user + used.system, 'CPU time (µs)').to.be.below(500_000)
    })
  }

  it('leaves no temp file behind when the lock cannot be written, and says why (exit 3)', async function () {
    if (process.getuid?.() === 0) this.skip() // root writes into a read-only folder anyway; the e2e tests cover ENOSPC
    const folder = join(home.root, 'locked')
    mkdirSync(folder, {mode: 0o500})
    const path = join(folder, 'x.lock')
    const error = await acquireLock(path, {timeoutMs: 500, what: 'The thing'}).then(
      () => expect.fail('locked in a folder it cannot write'),
      (error: unknown) => error as CliError,
    )
    expect(error.exitCode).to.equal(3)
    expect(error.message).to.match(
      /^The thing cannot be locked: cannot write .*x\.lock: permission denied \(EACCES\)\./,
    )
    expect(readdirSync(folder)).to.deep.equal([])
  })
})
