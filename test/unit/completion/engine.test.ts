import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {complete, Directive, formatAnswer, type CommandSpec, type ValueSources} from '../../../src/completion/engine.js'
import {ROOT} from '../../support/cli.js'

/** The real manifest of the built CLI (npm run build writes it), so the tests follow the commands as they are. */
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, CommandSpec>
}
// Plus the shape of two plugin commands (help, plugins uninstall) whose manifests live in their own packages.
const commands: CommandSpec[] = [
  ...Object.entries(manifest.commands).map(([id, c]) => ({...c, id})),
  {args: {command: {name: 'command'}}, id: 'help', summary: 'Display help'},
  {aliases: ['plugins:remove'], args: {plugin: {name: 'plugin'}}, id: 'plugins:uninstall', summary: 'Removes a plugin'},
]

const sources: ValueSources = {
  choices: (flag) => (flag === 'cloud' ? [{value: 'AzureChina'}, {value: 'AzurePublic'}] : undefined),
  flows: async () => [
    {description: 'built-in', value: 'DeviceCode'},
    {description: 'from x', value: 'Magic'},
  ],
  profiles: async () => [{value: 'prod'}, {value: 'test'}],
  stores: async () => [{value: 'keyring'}],
  plugins: async () => [{value: 'my-plugin'}],
  topics: {config: 'Profiles'},
}

const values = async (...words: string[]) => (await complete(words, commands, sources)).candidates.map((c) => c.value)

describe('completion/engine', () => {
  it('offers commands and topics, then subcommands, with descriptions', async () => {
    const top = await complete([''], commands, sources)
    expect(top.candidates.find((c) => c.value === 'config')?.description).to.equal('Profiles')
    expect(top.candidates.map((c) => c.value)).to.include.members(['config', 'get-token', 'inspect'])
    expect(top.directive).to.equal(Directive.NoFileComp)
    expect(await values('config', 'e')).to.deep.equal(['edit', 'export'])
  })

  it('parses earlier flags: values are skipped, given flags are not offered again, short clusters count', async () => {
    expect(await values('get-token', '-p', 'prod', '--')).to.not.include('--profile')
    expect(await values('get-token', '-p', 'prod', '--')).to.include('--flow')
    expect(await values('get-token', '--profile=prod', '-f', '')).to.deep.equal(['DeviceCode', 'Magic'])
    expect(await values('get-token', '-sUser.Read', '-p', 't')).to.deep.equal(['test'])
    // -s may repeat, so it stays on offer.
    expect(await values('get-token', '-s', 'a', '-')).to.include('-s')
  })

  it('completes --flag=value words with the prefix kept', async () => {
    expect(await values('get-token', '--profile=p')).to.deep.equal(['--profile=prod'])
    expect(await values('config', 'create', '--cloud=AzureC')).to.deep.equal(['--cloud=AzureChina'])
  })

  it('leaves files to the shell for file flags and arguments, and says "no files" elsewhere', async () => {
    expect(await complete(['get-token', '-o', ''], commands, sources)).to.deep.equal({
      candidates: [],
      directive: Directive.Default,
    })
    expect(await complete(['config', 'import', ''], commands, sources)).to.deep.equal({
      candidates: [],
      directive: Directive.Default,
    })
    expect((await complete(['config', 'create', '--tenant-id', ''], commands, sources)).directive).to.equal(
      Directive.NoFileComp,
    )
  })

  it('completes command names after help, and installed plugins after plugins uninstall', async () => {
    expect(await values('help', 'config', 'cr')).to.deep.equal(['create'])
    expect(await values('help', 'get-token', '')).to.deep.equal([])
    expect(await values('help', 'he')).to.deep.equal([])
    expect(await values('plugins', 'uninstall', '')).to.deep.equal(['my-plugin'])
    expect(await values('plugins', 'remove', 'my')).to.deep.equal(['my-plugin'])
  })

  it('treats everything after -- as arguments, left to the shell', async () => {
    expect(await complete(['exec', '-p', 'prod', '--', '-'], commands, sources)).to.deep.equal({
      candidates: [],
      directive: Directive.Default,
    })
  })

  it('prints cobra-style lines: value, tab, first sentence of the description; then the directive', () => {
    const text = formatAnswer(
      {candidates: [{description: 'Help for <%= config.bin %>. More.', value: 'help'}, {value: 'x'}], directive: 4},
      {bin: 'entra-auth-cli'},
    )
    expect(text).to.equal('help\tHelp for entra-auth-cli\nx\n:4\n')
    expect(formatAnswer({candidates: [{description: 'd', value: 'v'}], directive: 0}, {descriptions: false})).to.equal(
      'v\n:0\n',
    )
  })
})
