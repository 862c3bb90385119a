import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {ROOT} from '../support/cli.js'

const exec = promisify(execFile)

/**
 * The package as users get it: `npm pack`, then a global install into a private prefix, then the installed bin.
 * Catches a wrong `files`, `bin` or a missing manifest, which tests of the work tree cannot see.
 */
describe('npm package', function () {
  this.timeout(180_000)
  let dir: string

  before(() => {
    dir = mkdtempSync(join(ROOT, '.test-tmp', 'pack-'))
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  it('packs, installs globally and runs', async () => {
    // --ignore-scripts: `npm test` has just built dist/ and the manifest; prepack would rebuild them mid-suite.
    await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {cwd: ROOT})
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!
    const listing = (await exec('tar', ['-tzf', join(dir, tarball)])).stdout.split('\n')
    expect(listing).to.include.members([
      'package/bin/run.js',
      'package/oclif.manifest.json',
      'package/dist/commands/get-token.js',
      'package/dist/plugin.d.ts',
    ])
    expect(listing.filter((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).to.deep.equal([])
    const prefix = join(dir, 'prefix')
    await exec(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)],
      {cwd: dir},
    )
    const bin = join(prefix, 'bin', 'entra-auth-cli')
    const env = {...process.env, ENTRA_AUTH_CLI_HOME: join(dir, 'home'), HOME: join(dir, 'home')}
    const version = await exec(bin, ['--version'], {env})
    expect(version.stdout).to.match(/^entra-auth-cli\/0\.1\.0 /)
    expect(version.stderr).to.equal('')
    const help = await exec(bin, ['get-token', '--help'], {env})
    expect(help.stdout).to.include('Get an access token for a profile.')
    const list = await exec(bin, ['config', 'list', '--json'], {env})
    expect(JSON.parse(list.stdout)).to.deep.equal([])
  })
})
