import {expect} from 'chai'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Config} from '@oclif/core'
import {installedPlugins, oclifDataDir} from '../../../src/extensions/installed-plugins.js'
import {ROOT, TestHome} from '../../support/cli.js'

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), {recursive: true})
  writeFileSync(path, JSON.stringify(value))
}

describe('extensions/installed-plugins', () => {
  let world: TestHome
  let dataDir: string
  beforeEach(() => {
    world = new TestHome('installed-plugins-')
    dataDir = join(world.root, 'data')
  })
  afterEach(() => rmSync(world.root, {force: true, recursive: true}))

  /** A user plugin in <dataDir>/node_modules and a linked one elsewhere, recorded as `plugins install/link` do. */
  function installFixtures(): {linkedRoot: string} {
    writeJson(join(dataDir, 'node_modules', 'user-store', 'package.json'), {
      name: 'user-store',
      oclif: {
        hooks: {
          'entra:store:vault': './lib/vault.js',
          init: ['./lib/a.js', {identifier: 'warm', target: './lib/b.js'}],
        },
      },
    })
    const linkedRoot = join(world.root, 'src', 'linked-flow')
    writeJson(join(linkedRoot, 'package.json'), {
      name: 'linked-flow',
      oclif: {hooks: {'entra:flow:magic-link': './lib/flow.js'}},
    })
    writeJson(join(dataDir, 'package.json'), {
      oclif: {
        plugins: [
          {name: 'linked-flow', root: linkedRoot, type: 'link'},
          {name: 'user-store', type: 'user'},
        ],
        schema: 1,
      },
      private: true,
    })
    return {linkedRoot}
  }

  it('follows oclif for the data dir: <BIN>_DATA_DIR, else XDG_DATA_HOME, else ~/.local/share', () => {
    expect(oclifDataDir({ENTRA_AUTH_CLI_DATA_DIR: '/d', XDG_DATA_HOME: '/x'})).to.equal('/d')
    if (process.platform !== 'win32') {
      expect(oclifDataDir({XDG_DATA_HOME: '/x'})).to.equal(join('/x', 'entra-auth-cli'))
      expect(oclifDataDir({HOME: world.home})).to.match(/[/\\]\.local[/\\]share[/\\]entra-auth-cli$/)
    }
  })

  it('lists the root package alone when nothing is installed', () => {
    const plugins = installedPlugins(ROOT, {env: {ENTRA_AUTH_CLI_DATA_DIR: dataDir}})
    expect(plugins.map((p) => [p.name, p.type, p.root])).to.deep.equal([['entra-auth-cli', 'root', ROOT]])
    expect(plugins[0].hooks['entra:flow:device-code']).to.deep.equal([
      {identifier: 'default', target: './dist/hooks/flow-device-code'},
    ])
  })

  it('reads user plugins from node_modules and linked ones at their root, users first', () => {
    const {linkedRoot} = installFixtures()
    const plugins = installedPlugins(ROOT, {env: {ENTRA_AUTH_CLI_DATA_DIR: dataDir}})
    expect(plugins.map((p) => [p.name, p.type, p.root])).to.deep.equal([
      ['entra-auth-cli', 'root', ROOT],
      ['user-store', 'user', join(dataDir, 'node_modules', 'user-store')],
      ['linked-flow', 'link', linkedRoot],
    ])
    expect(plugins[1].hooks).to.deep.equal({
      'entra:store:vault': [{identifier: 'default', target: './lib/vault.js'}],
      init: [
        {identifier: 'default', target: './lib/a.js'},
        {identifier: 'warm', target: './lib/b.js'},
      ],
    })
    expect(plugins[2].hooks).to.deep.equal({
      'entra:flow:magic-link': [{identifier: 'default', target: './lib/flow.js'}],
    })
  })

  it('agrees with oclif itself on which plugins declare which hooks', async () => {
    installFixtures()
    const saved = process.env.ENTRA_AUTH_CLI_DATA_DIR
    process.env.ENTRA_AUTH_CLI_DATA_DIR = dataDir
    try {
      const config = await Config.load({root: ROOT})
      const fromOclif = config
        .getPluginsList()
        .filter((p) => p.type !== 'core' || p.isRoot)
        .map((p) => ({hooks: p.hooks, name: p.name}))
      const ours = installedPlugins(ROOT, {env: process.env}).map((p) => ({hooks: p.hooks, name: p.name}))
      expect(ours).to.deep.equal(fromOclif)
    } finally {
      if (saved === undefined) delete process.env.ENTRA_AUTH_CLI_DATA_DIR
      else process.env.ENTRA_AUTH_CLI_DATA_DIR = saved
    }
  })

  it('skips and reports a plugin it cannot read, and a broken plugin list, like oclif', () => {
    writeJson(join(dataDir, 'package.json'), {
      oclif: {
        plugins: [{name: 'gone', type: 'user'}, {name: 'rootless', type: 'link'}, 'not-a-record'],
      },
    })
    const problems: string[] = []
    const plugins = installedPlugins(ROOT, {
      env: {ENTRA_AUTH_CLI_DATA_DIR: dataDir},
      onProblem: (m) => problems.push(m),
    })
    expect(plugins.map((p) => p.name)).to.deep.equal(['entra-auth-cli'])
    expect(problems).to.have.length(2)
    expect(problems[0]).to.match(/'gone' could not be read/)
    expect(problems[1]).to.match(/'rootless' has no root/)

    writeFileSync(join(dataDir, 'package.json'), '{not json')
    problems.length = 0
    expect(
      installedPlugins(ROOT, {env: {ENTRA_AUTH_CLI_DATA_DIR: dataDir}, onProblem: (m) => problems.push(m)}),
    ).to.have.length(1)
    expect(problems).to.have.length(1)
  })
})
