/**
 * A user flow behind kubectl or exec: what the person must act on (the device code) goes to stderr, which kubectl
 * and the terminal show, while stdout carries only the ExecCredential (kubectl parses it) or the command's output.
 */
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import type {Idp} from '../support/idp/index.js'
import {startCli} from '../support/browser/cli-session.js'
import {leakedSecrets, useDelegatedWorld, type DelegatedWorld} from '../support/browser/delegated-world.js'

const CODE_LINES = /Open (https:\/\/\S+) in a browser[^\n]*\n[^\n]*Enter the code: (\w+)/
const EXEC_INFO = JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  spec: {interactive: true},
})

describe('device code sign-in behind kubectl (exec-credential) and exec: the prompt on stderr', function () {
  this.timeout(60_000)
  const suite = useDelegatedWorld('me', 'DeviceCode')
  let idp: Idp
  let world: DelegatedWorld
  beforeEach(() => ({idp, world} = suite))

  it('get-token --output-format exec-credential --silent: the code on stderr, the ExecCredential alone on stdout', async () => {
    const session = startCli(
      ['get-token', '--profile', 'me', '--output-format', 'exec-credential', '--silent'],
      world.browserEnv({extra: {KUBERNETES_EXEC_INFO: EXEC_INFO}, mode: 'fail'}),
    )
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    expect(session.stdout).to.equal('')
    expect((await world.enterDeviceCode(uri, code)).outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    const credential = JSON.parse(result.stdout) as {kind: string; status: {token: string}}
    expect(credential.kind).to.equal('ExecCredential')
    expect(idp.issuedSecrets()).to.include(credential.status.token)
    expect(leakedSecrets(idp, result.stderr)).to.deep.equal([])
  })

  it('exec: the code on stderr; the command gets the token and has stdout to itself', async () => {
    const session = startCli(
      ['exec', '-p', 'me', '--', 'sh', '-c', 'printf %s "$ACCESS_TOKEN" | sha256sum'],
      world.browserEnv({mode: 'fail'}),
    )
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    expect((await world.enterDeviceCode(uri, code)).outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    const hash = result.stdout.split(' ')[0]
    const issued = idp.issuedSecrets().filter((s) => createHash('sha256').update(s).digest('hex') === hash)
    expect(issued).to.have.length(1)
    expect(leakedSecrets(idp, result.stdout + result.stderr)).to.deep.equal([])
  })
})
