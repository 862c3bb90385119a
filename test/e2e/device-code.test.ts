/**
 * DeviceCode end to end: the built CLI prints a URL and a code on stderr; a second Chromium session (this process,
 * playwright-core) opens the provider's device login page, enters the code and signs in, while the CLI polls.
 */
import {expect} from 'chai'
import {decodeJwt} from 'jose'
import type {Idp} from '../support/idp/index.js'
import {registerTokensIn} from '../support/plaintext-scan.js'
import {startCli} from '../support/browser/cli-session.js'
import {until} from '../support/wait.js'
import {leakedSecrets, useDelegatedWorld, type DelegatedWorld} from '../support/browser/delegated-world.js'

const CODE_LINES = /Open (https:\/\/\S+) in a browser[^\n]*\n[^\n]*Enter the code: (\w+)/

describe('get-token -f DeviceCode (a second Chromium enters the code)', function () {
  this.timeout(60_000)
  const suite = useDelegatedWorld('me', 'DeviceCode')
  let idp: Idp
  let world: DelegatedWorld
  beforeEach(() => ({idp, world} = suite))

  const devicePolls = () =>
    idp.tokenRequests().filter((r) => r.grant_type === 'device_code' || r.grant_type?.endsWith(':device_code'))

  /** get-token while the user enters the code it shows on a second device; it must succeed (exit 0). */
  async function signInWithDeviceCode() {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'fail'}))
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    await world.enterDeviceCode(uri, code)
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
  }

  it('prints the URL and the code, polls at the interval, and prints the token once the user signed in', async () => {
    const session = startCli(['get-token', '-p', 'me', '--silent'], world.browserEnv({mode: 'fail'}))
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    expect(session.stderr, '--silent keeps what the user must act on').to.contain('Device Code Authentication')
    expect(uri).to.equal(`${idp.origin}/devicelogin`)
    // Let it poll (and be told to wait) twice before the user signs in, so the spacing below says something.
    await until(() => devicePolls().length >= 2, 'two device code polls')
    const outcome = await world.enterDeviceCode(uri, code)
    expect(outcome.outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(decodeJwt(result.stdout.trim()).preferred_username).to.equal(world.alice)
    expect(result.stderr).not.to.contain('Waiting for authentication', '--silent drops status lines')
    expect(leakedSecrets(idp, result.stderr)).to.deep.equal([])

    const polls = devicePolls()
    expect(polls.length).to.be.greaterThan(1)
    for (let i = 1; i < polls.length; i++) expect(polls[i].at - polls[i - 1].at, 'poll spacing').to.be.greaterThan(900)
    expect(polls.at(-1)!.status).to.equal(200)
  })

  it('prints the status lines without --silent and serves the next call from the cache', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'fail'}))
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    await session.waitForStderr(/Waiting for authentication\.\.\./)
    await world.enterDeviceCode(uri, code)
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('✓ Authentication successful')
    expect(result.stderr).to.contain('✓ Token acquired')
    registerTokensIn(result.stdout)

    idp.resetCounts()
    const again = await world.cli(['get-token', '-p', 'me'])
    expect(again.stdout).to.equal(result.stdout)
    expect(idp.requestCount()).to.equal(0)
  })

  it('honours slow_down as RFC 8628 says: the next poll waits the interval plus 5 s', async () => {
    idp.setDeviceCodeSettings({slowDownPolls: 1})
    await signInWithDeviceCode()
    const polls = devicePolls()
    expect(polls[0].status, 'slow_down').to.equal(400)
    expect(polls[1].at - polls[0].at, 'interval 1 s + 5 s after slow_down').to.be.at.least(5900)
  })

  it('waits 5 s between polls when the provider sends no interval (msal would busy-loop)', async () => {
    idp.setDeviceCodeSettings({intervalSeconds: undefined})
    await signInWithDeviceCode()
    const polls = devicePolls()
    expect(polls.length).to.be.within(2, 3)
    expect(polls[1].at - polls[0].at).to.be.at.least(4900)
  })

  it('ends with advice when the code expires (exit 4)', async () => {
    idp.setDeviceCodeSettings({expiresInSeconds: 2})
    const result = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(
      /Error: Authentication failed \(.*\): The device code expired before sign-in finished; run the command again/,
    )
  })

  it('reports a declined sign-in (access_denied, exit 4)', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'fail'}))
    const [, uri, code] = await session.waitForStderr(CODE_LINES)
    const outcome = await world.enterDeviceCode(uri, code, {cancel: true})
    expect(outcome.outcome).to.equal('denied')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/Error: Authentication failed \(AADSTS65004\): Sign-in was denied or cancelled/)
  })

  it('explains a Conditional Access block of device code sign-in (AADSTS53003) and suggests InteractiveBrowser', async () => {
    idp.blockDeviceCode(world.tenantId)
    const result = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(
      /Error: Authentication failed \(AADSTS53003\): Blocked by a Conditional Access policy.*-f InteractiveBrowser/,
    )
  })

  it('stops polling on Ctrl-C and exits 130', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'fail'}))
    await session.waitForStderr(CODE_LINES)
    await until(() => devicePolls().length >= 1, 'the first device code poll')
    session.interrupt()
    const result = await session.done
    expect(result.code, result.stderr).to.equal(130)
    // It has exited: a poll after this could only be one it sent before and the provider had not counted yet.
    const polls = devicePolls().length
    await new Promise((r) => setTimeout(r, 100))
    expect(devicePolls().length, 'no poll after exit').to.equal(polls)
  })

  it('times out at --timeout with its own message (exit 5)', async () => {
    const result = await world.cli(['get-token', '-p', 'me', '--timeout', '2'], {env: world.browserEnv({mode: 'fail'})})
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.match(/Error: Device code sign-in was not completed within 2 s/)
  })
})
