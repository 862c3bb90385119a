import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ROOT} from '../support/cli.js'

const COMPILE_CACHE = join(ROOT, 'dist', 'fast', 'compile-cache.js')
const BIN = join(ROOT, 'bin', 'run.js')

/**
 * The compile cache (src/fast/compile-cache.ts) in real Node processes: a program that installs it, names a job and
 * requires a module tree written by the test. What a run prints comes from the module's source; whether a run
 * compiled afresh shows in the blob being rewritten.
 */
describe('compile cache', function () {
  let dir: string
  let cacheDir: string
  let folder: string

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'entra-compile-cache-'))
    cacheDir = join(dir, 'cache')
    folder = join(cacheDir, 'compile-cache', `${process.version}-${process.arch}`)
    mkdirSync(join(dir, 'app'))
    writeFileSync(join(dir, 'app', 'index.js'), "module.exports = require('./value.js') + require('./helper.js')\n")
    writeValue('aaaa')
    writeFileSync(
      join(dir, 'app', 'helper.js'),
      // What a module sees of its require must be what Node gives it.
      [
        "const path = require('node:path')",
        "if (require.resolve('./value.js') !== path.join(__dirname, 'value.js')) throw new Error('resolve')",
        "if (!require.cache[require.resolve('./value.js')]) throw new Error('cache')",
        "if (require.main !== undefined && typeof require.main.filename !== 'string') throw new Error('main')",
        "if (!Array.isArray(require.resolve.paths('x'))) throw new Error('paths')",
        "module.exports = ':' + path.basename(__filename) + ':' + (this === module.exports)",
      ].join('\n'),
    )
  })

  afterEach(function () {
    rmSync(dir, {force: true, recursive: true})
  })

  function writeValue(value: string): void {
    writeFileSync(join(dir, 'app', 'value.js'), `module.exports = '${value}'\n`)
  }

  function runApp(
    env: NodeJS.ProcessEnv = {},
    entry = 'index.js',
  ): {stdout: string; stderr: string; status: number | null} {
    const program = [
      `require(${JSON.stringify(COMPILE_CACHE)}).installCompileCache().use('test')`,
      `process.stdout.write(String(require(${JSON.stringify(join(dir, 'app', entry))})))`,
    ].join(';')
    const result = spawnSync(process.execPath, ['-e', program], {
      encoding: 'utf8',
      env: {...process.env, ENTRA_AUTH_CLI_CACHE_DIR: cacheDir, ...env},
    })
    return {status: result.status, stderr: result.stderr, stdout: result.stdout}
  }

  const blob = () => join(folder, 'test.bin')
  const written = () => statSync(blob(), {throwIfNoEntry: false})?.mtimeMs

  it('writes the modules of a run once, then starts from them without writing again', function () {
    expect(runApp()).to.include({status: 0, stderr: '', stdout: 'aaaa:helper.js:true'})
    const first = statSync(blob())
    expect(first.mode & 0o777).to.equal(0o600)
    for (const path of [folder, join(cacheDir, 'compile-cache')]) expect(statSync(path).mode & 0o777).to.equal(0o700)
    expect(runApp()).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    // A run that found every module cached and accepted by V8 writes nothing.
    expect(written()).to.equal(first.mtimeMs)
    expect(statSync(blob()).ino).to.equal(first.ino)
    expect(readdirSync(folder)).to.deep.equal(['test.bin'])
  })

  it('never runs cached code for a changed module, not even one of the same length', function () {
    runApp()
    const before = statSync(blob())
    // V8 itself checks only the length of the source: without the digest this would print aaaa again.
    writeValue('bbbb')
    expect(runApp()).to.include({status: 0, stdout: 'bbbb:helper.js:true'})
    expect(statSync(blob()).ino).to.not.equal(before.ino)
    expect(runApp()).to.include({status: 0, stdout: 'bbbb:helper.js:true'})
  })

  it('compiles a module that uses import() as Node does, and import() works in it', function () {
    writeFileSync(join(dir, 'app', 'esm.mjs'), "export const value = 'from esm'\n")
    writeFileSync(
      join(dir, 'app', 'dynamic.js'),
      "module.exports = 'dynamic'; import('./esm.mjs').then((m) => console.log(m.value))\n",
    )
    expect(runApp({}, 'dynamic.js')).to.include({status: 0, stderr: '', stdout: 'dynamicfrom esm\n'})
  })

  it('leaves syntax errors to Node, with its message', function () {
    writeFileSync(join(dir, 'app', 'broken.js'), 'module.exports = (\n')
    const withCache = runApp({}, 'broken.js')
    const without = runApp({ENTRA_AUTH_CLI_COMPILE_CACHE: 'off'}, 'broken.js')
    expect(withCache.status).to.equal(1)
    expect(withCache.stderr).to.include('SyntaxError: Unexpected end of input')
    expect(without.stderr).to.include('SyntaxError: Unexpected end of input')
  })

  it('starts over from a corrupt blob', function () {
    mkdirSync(folder, {mode: 0o700, recursive: true})
    chmodSync(cacheDir, 0o700)
    chmodSync(join(cacheDir, 'compile-cache'), 0o700)
    writeFileSync(blob(), Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]), {mode: 0o600})
    expect(runApp()).to.include({status: 0, stderr: '', stdout: 'aaaa:helper.js:true'})
    const rewritten = statSync(blob())
    expect(rewritten.size).to.be.greaterThan(100)
    runApp()
    expect(statSync(blob()).ino).to.equal(rewritten.ino)
  })

  it('neither reads nor writes a cache others can write to', function () {
    runApp()
    const before = statSync(blob())
    chmodSync(folder, 0o777)
    writeValue('cccc')
    // Other users could have put anything there: it is not used, and nothing is written into it.
    expect(runApp()).to.include({status: 0, stdout: 'cccc:helper.js:true'})
    expect(statSync(blob()).ino).to.equal(before.ino)
    expect(readdirSync(folder)).to.deep.equal(['test.bin'])
  })

  it('keeps runs with other Node options apart, so they never rewrite each other', function () {
    const flagged = {NODE_OPTIONS: '--max-semi-space-size=32'}
    expect(runApp()).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    expect(runApp(flagged)).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    const folders = readdirSync(join(cacheDir, 'compile-cache')).sort()
    expect(folders).to.have.length(2)
    const blobs = folders.map((f) => statSync(join(cacheDir, 'compile-cache', f, 'test.bin')).mtimeMs)
    for (let i = 0; i < 2; i++) {
      expect(runApp()).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
      expect(runApp(flagged)).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    }
    expect(folders.map((f) => statSync(join(cacheDir, 'compile-cache', f, 'test.bin')).mtimeMs)).to.deep.equal(blobs)
  })

  it('leaves other formats and source maps to Node', function () {
    // A file of a "type": "module" package without import/export is still ESM: no `this`, no `require`.
    mkdirSync(join(dir, 'app', 'esm'))
    writeFileSync(join(dir, 'app', 'esm', 'package.json'), '{"type": "module"}')
    writeFileSync(join(dir, 'app', 'esm', 'plain.js'), 'globalThis.seen = `${typeof this} ${typeof require}`\n')
    writeFileSync(join(dir, 'app', 'format.js'), "require('./esm/plain.js'); module.exports = globalThis.seen\n")
    const off = {ENTRA_AUTH_CLI_COMPILE_CACHE: 'off'}
    expect(runApp({}, 'format.js')).to.deep.equal(runApp(off, 'format.js'))
    // (`node -e` puts a global require in scope, so only `this` tells ESM from CommonJS here.)
    expect(runApp({}, 'format.js').stdout).to.match(/^undefined /)
    // With --enable-source-maps a stack names the original source, as Node maps it.
    const map = Buffer.from(JSON.stringify({mappings: 'AAUA', names: [], sources: ['orig.ts'], version: 3})).toString(
      'base64',
    )
    writeFileSync(
      join(dir, 'app', 'mapped.js'),
      `module.exports = (() => { try { throw new Error('boom') } catch (e) { return e.stack.split('\\n')[1] } })()\n//# sourceMappingURL=data:application/json;base64,${map}\n`,
    )
    const maps = {NODE_OPTIONS: '--enable-source-maps'}
    expect(runApp(maps, 'mapped.js').stdout).to.include('orig.ts:11')
    expect(runApp(maps, 'mapped.js').stdout).to.equal(runApp({...maps, ...off}, 'mapped.js').stdout)
  })

  it('stays off, writing nothing, under a cache folder others can write to', function () {
    mkdirSync(cacheDir, {mode: 0o700})
    chmodSync(cacheDir, 0o775)
    expect(runApp()).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    expect(readdirSync(cacheDir)).to.deep.equal([])
  })

  it('is off with ENTRA_AUTH_CLI_COMPILE_CACHE=off', function () {
    expect(runApp({ENTRA_AUTH_CLI_COMPILE_CACHE: 'off'})).to.include({status: 0, stdout: 'aaaa:helper.js:true'})
    expect(statSync(cacheDir, {throwIfNoEntry: false})).to.equal(undefined)
  })

  it("gives the CLI's oclif commands the same output from a cold and a warm cache", function () {
    const env = {...process.env, ENTRA_AUTH_CLI_CACHE_DIR: cacheDir, ENTRA_AUTH_CLI_HOME: join(dir, 'home')}
    const help = () => spawnSync(process.execPath, [BIN, '--help'], {encoding: 'utf8', env})
    const cold = help()
    const warm = help()
    const off = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      env: {...env, ENTRA_AUTH_CLI_COMPILE_CACHE: 'off'},
    })
    expect(cold.status).to.equal(0)
    expect(warm).to.include({status: 0, stderr: off.stderr, stdout: off.stdout})
    expect(cold.stdout).to.equal(off.stdout)
    expect(readdirSync(folder)).to.include('oclif.bin')
    // A blob per command of ours; a word that is none (a typo) adds none of its own.
    for (const args of [['config', 'list'], ['no-such-command']]) spawnSync(process.execPath, [BIN, ...args], {env})
    expect(readdirSync(folder).sort()).to.deep.equal(['oclif-config.bin', 'oclif.bin'])
  })
})
