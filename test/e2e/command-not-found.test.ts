import {expect} from 'chai'
import {runCli, TestHome} from '../support/cli.js'

/** A profile name given without -p reaches oclif as a sub-command: the CLI says how to pass it instead. */
describe('a word oclif reads as an unknown command', () => {
  let home: TestHome
  beforeEach(() => {
    home = new TestHome()
  })
  afterEach(() => home.cleanup())

  it('after a command taking -p, is taken for a profile name: use -p NAME (exit 2)', async () => {
    const result = await runCli(['config', 'show', 'sf'], {env: home.env()})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.equal("Error: 'config show' takes the profile with -p: entra-auth-cli config show -p sf\n")
  })

  it('anywhere else, is an unknown command (exit 2)', async () => {
    const result = await runCli(['config', 'sow'], {env: home.env()})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.equal("Error: command 'config sow' not found; see 'entra-auth-cli --help'.\n")
  })
})
