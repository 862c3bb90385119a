import {expect} from 'chai'
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {checkHomeModes} from '../../../src/diagnose/home.js'
import {TestHome} from '../../support/cli.js'

describe('diagnose/home', () => {
  let home: TestHome
  beforeEach(() => (home = new TestHome('doctor-home-')))
  afterEach(() => home.cleanup())

  it('passes a 0700 home with 0600 files, fails a readable one with the chmod that fixes it', async () => {
    mkdirSync(join(home.cliHome, 'cache'), {mode: 0o700, recursive: true})
    chmodSync(home.cliHome, 0o700)
    writeFileSync(join(home.cliHome, 'profiles.json'), '{}', {mode: 0o600})
    expect((await checkHomeModes(home.cliHome)).map((f) => f.status)).to.deep.equal(['ok'])

    chmodSync(join(home.cliHome, 'profiles.json'), 0o644)
    const [finding] = await checkHomeModes(home.cliHome)
    expect(finding.status).to.equal('fail')
    expect(finding.message).to.include(`${join(home.cliHome, 'profiles.json')} is 0644`)
    expect(finding.fix).to.equal(`chmod -R go-rwx ${home.cliHome}`)
  })

  it('a home that does not exist yet is fine', async () => {
    expect((await checkHomeModes(join(home.root, 'none')))[0].status).to.equal('ok')
  })
})
