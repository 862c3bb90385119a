import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {readFileSync, writeFileSync} from 'node:fs'
import {acquireLock} from '../../../src/base/file-lock.js'
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

  const record = (pid: number, holdUntil: number) => JSON.stringify({createdAt: Date.now(), holdUntil, host: hostname(), nonce: Math.random().toString(16).slice(2), pid})
  const deadPid = async () => {
    const child = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => child.on('close', resolve))
    return child.pid!
  }

  it('takes over a lock whose owner died, and one held past its hold time', async () => {
    const path = join(home.root, 'y.lock')
    writeFileSync(path, record(await deadPid(), Date.now() + 600_000))
    await (await acquireLock(path, {timeoutMs: 2000}))()
    writeFileSync(path, record(process.pid, Date.now() - 1))
    await (await acquireLock(path, {timeoutMs: 2000}))()
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
    const workers = Array.from({length: 5}, () => spawn(process.execPath, ['--import', 'tsx', '-e', script], {stdio: 'inherit'}))
    const codes = await Promise.all(workers.map((w) => new Promise((resolve) => w.on('close', resolve))))
    expect(codes).to.deep.equal([0, 0, 0, 0, 0])
    const log = readFileSync(path + '.log', 'utf8').trim().split('\n')
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
})
