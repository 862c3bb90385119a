import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {UsageError} from '../../../src/base/errors.js'
import {localPluginSource} from '../../../src/extensions/plugin-source.js'

describe('extensions/plugin-source: local paths given to plugins install', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-source-'))
  before(() => writeFileSync(join(dir, 'x-1.0.0.tgz'), ''))
  after(() => rmSync(dir, {force: true, recursive: true}))
  const file = `file:${join(dir, 'x-1.0.0.tgz')}`

  it('reads what plugin-plugins took for a GitHub repository or an npm name as the local file it is', () => {
    expect(localPluginSource({type: 'repo', url: `https://github.com/${join(dir, 'x-1.0.0.tgz')}`}, '/')).to.deep.equal(
      {type: 'repo', url: file},
    )
    expect(localPluginSource({type: 'repo', url: 'https://github.com/./x-1.0.0.tgz'}, dir)).to.deep.equal({
      type: 'repo',
      url: file,
    })
    expect(localPluginSource({name: 'x-1.0.0.tgz', tag: 'latest', type: 'npm'}, dir)).to.deep.equal({
      type: 'repo',
      url: file,
    })
    expect(localPluginSource({type: 'repo', url: 'file:./x-1.0.0.tgz'}, dir)).to.deep.equal({type: 'repo', url: file})
  })

  it('leaves real repositories, npm names and absolute file: URLs alone', () => {
    expect(localPluginSource({type: 'repo', url: 'https://github.com/oclif/plugin-version'}, dir)).to.equal(undefined)
    expect(localPluginSource({name: 'some-plugin', tag: 'latest', type: 'npm'}, dir)).to.equal(undefined)
    expect(localPluginSource({type: 'repo', url: file}, '/')).to.equal(undefined)
  })

  it('a tarball path that is not there is one clear usage error', () => {
    expect(() => localPluginSource({type: 'repo', url: 'https://github.com//nowhere/y.tgz'}, dir)).to.throw(
      UsageError,
      'No plugin at /nowhere/y.tgz',
    )
  })
})
