import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ROOT} from '../support/cli.js'

/**
 * What bin/run.js prints when something escapes oclif's own error handling: an install missing its built files or
 * its dependencies. A copy of bin/run.js alone, in a folder whose name holds a terminal escape, is such an install.
 */
describe('a broken install', function () {
  let dir: string

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'entra-broken-\u001b[31m-'))
    mkdirSync(join(dir, 'bin'))
    copyFileSync(join(ROOT, 'bin', 'run.js'), join(dir, 'bin', 'run.js'))
  })

  after(function () {
    rmSync(dir, {force: true, recursive: true})
  })

  for (const args of [['__complete', 'get-token', ''], ['--help'], ['get-token', '-p', 'x']]) {
    it(`${args[0]}: one line naming what is missing, exit 1, nothing for the terminal to interpret`, function () {
      const result = spawnSync(process.execPath, [join(dir, 'bin', 'run.js'), ...args], {encoding: 'utf8'})
      expect(result.status).to.equal(1)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.match(/^Error: Cannot find module '[^']+'\n$/)
      expect(result.stderr).to.not.include('\u001b')
    })
  }
})
