/**
 * AuthorizationCode end to end: the profile's redirect URI (a loopback port chosen per test), public or
 * confidential client, Chromium signing in through $BROWSER; and each way it can end badly.
 */
import {existsSync} from 'node:fs'
import {createServer} from 'node:net'
import {expect} from 'chai'
import {decodeJwt} from 'jose'
import {Agent, fetch} from 'undici'
import type {Idp} from '../support/idp/index.js'
import {registerTokensIn} from '../support/plaintext-scan.js'
import {accepts, freePort, listeningAddresses, startCli} from '../support/browser/cli-session.js'
import {leakedSecrets, useDelegatedWorld, type DelegatedWorld} from '../support/browser/delegated-world.js'

/** Whether this process can listen on 127.0.0.1:port right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({host: '127.0.0.1', port}, () => server.close(() => resolve(true)))
  })
}

describe("get-token -f AuthorizationCode (Chromium signs in, the profile's redirect URI)", function () {
  this.timeout(60_000)
  let port: number
  let redirectUri: string
  const suite = useDelegatedWorld('web', 'AuthorizationCode', async () => {
    port = await freePort()
    redirectUri = `http://localhost:${port}`
    return ['--redirect-uri', redirectUri]
  })
  let idp: Idp
  let world: DelegatedWorld
  beforeEach(() => ({idp, world} = suite))

  it('public client: prints the redirect URI, receives the code and prints the token', async () => {
    const result = await world.cli(['get-token', '-p', 'web'], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(decodeJwt(result.stdout.trim()).preferred_username).to.equal(world.alice)
    expect(result.stderr).to.contain(`Redirect URI: ${redirectUri}\n`)
    expect(result.stderr).to.contain('✓ Authorization code received')
    expect(result.stderr).to.contain('✓ Token acquired')
    expect(leakedSecrets(idp, result.stderr)).to.deep.equal([])
    const [authorize] = idp.authorizeRequests()
    expect(authorize).to.include({code_challenge_method: 'S256', redirect_uri: redirectUri, response_mode: 'form_post'})
    expect(authorize.state).to.have.length.greaterThan(20)
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.body.redirect_uri, r.clientAuth])).to.deep.equal([
      ['authorization_code', redirectUri, 'none'],
    ])
    expect(await accepts(port)).to.equal(false)
  })

  it("confidential client: authenticates the code redemption with the profile's client secret", async () => {
    const created = await world.createProfile('conf', [
      '--auth-method',
      'ClientSecret',
      '--client-secret-stdin',
      '--flow',
      'AuthorizationCode',
      '--scope',
      'User.Read',
      '--redirect-uri',
      redirectUri,
    ])
    expect(created.code, created.stderr).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'conf'], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(decodeJwt(result.stdout.trim()).azpacr).to.equal('1')
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.clientAuth])).to.deep.equal([
      ['authorization_code', 'secret'],
    ])
    expect(result.stderr).not.to.contain(world.clientSecret)
  })

  it('says when the redirect port is busy (exit 3) and changes nothing', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen({host: '127.0.0.1', port}, resolve))
    try {
      const result = await world.cli(['get-token', '-p', 'web'], {env: world.browserEnv()})
      expect(result.code, result.stderr).to.equal(3)
      expect(result.stderr).to.contain(
        `Error: Cannot receive the sign-in at ${redirectUri}: port ${port} is already in use by another program.`,
      )
      expect(result.stderr).to.contain('--redirect-uri')
      expect(idp.authorizeRequests()).to.deep.equal([])
      expect(idp.tokenRequests()).to.deep.equal([])
      expect(await world.browserVisits()).to.deep.equal([])
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('a redirect URI on port 80 works: the browser sends Host: localhost without the port', async function () {
    if (!(await portFree(80))) this.skip()
    await world.createUserProfile('web80', 'AuthorizationCode', ['--redirect-uri', 'http://localhost'])
    const result = await world.cli(['get-token', '-p', 'web80', '--timeout', '20'], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect((await world.browserVisits(1))[0].outcome).to.equal('success')
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.body.redirect_uri])).to.deep.equal([
      ['authorization_code', 'http://localhost'],
    ])
  })

  it('says that port 80 needs privileges when it cannot be bound (exit 3), not that it is busy', async function () {
    if (!existsSync('/usr/bin/setpriv') || !(await portFree(80))) this.skip()
    await world.createUserProfile('web80', 'AuthorizationCode', ['--redirect-uri', 'http://localhost'])
    // Root without CAP_NET_BIND_SERVICE gets EACCES for port 80, as any ordinary user does.
    const session = startCli(['get-token', '-p', 'web80'], world.browserEnv(), {
      launcher: ['setpriv', '--bounding-set', '-net_bind_service', '--inh-caps', '-net_bind_service'],
    })
    const result = await session.done
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.contain(
      'Error: Cannot receive the sign-in at http://localhost: port 80 needs privileges; use a port ≥ 1024 in the redirect URI and the app registration',
    )
    expect(result.stderr).not.to.contain('already in use')
    expect(await world.browserVisits()).to.deep.equal([])
  })

  it('ignores a signed-in response with a foreign state: nothing redeemed, one warning, the run waits on and times out (exit 5)', async () => {
    const result = await world.cli(['get-token', '-p', 'web', '--timeout', '10'], {
      env: world.browserEnv({mode: 'tamper-state'}),
    })
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.match(
      /Error: Browser did not respond: no sign-in reached http:\/\/localhost:\d+ within 10 s/,
    )
    expect(result.stderr.match(/Warning: Ignored a sign-in response with a wrong state/g)).to.have.length(1)
    expect(result.stderr).not.to.contain('✓ Authorization code received')
    expect(idp.tokenRequests()).to.deep.equal([])
    expect((await world.browserVisits(1))[0].outcome).to.equal('failure')
    expect(await accepts(port)).to.equal(false)
  })

  it('a page probing the port cannot end the sign-in: forged GETs and cross-site POSTs get 400; the real response still works', async () => {
    const session = startCli(['get-token', '-p', 'web'], world.browserEnv({mode: 'ignore'}))
    const [, url] = await session.waitForStderr(/^(https:\S+authorize\?\S+)$/m)
    const state = new URL(url).searchParams.get('state')!
    const target = `http://127.0.0.1:${port}/`
    const post = (body: string) =>
      fetch(target, {
        body,
        headers: {'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example'},
        method: 'POST',
      })
    const statuses = [
      (await fetch(`${target}?error=access_denied`)).status, // <img src="http://localhost:PORT/?error=...">
      (await post('error=access_denied&error_description=gotcha')).status,
      (await post('code=forged&state=forged')).status,
      (await post(`code=forged&state=${encodeURIComponent(state)}&state=${encodeURIComponent(state)}`)).status,
    ]
    expect(statuses).to.deep.equal([400, 400, 400, 400])
    await session.waitForStderr(/Warning: Ignored a sign-in response with a wrong state/)
    expect(await accepts(port), 'still waiting').to.equal(true)

    expect((await world.signIn(url)).outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(result.stderr.match(/Ignored a sign-in response/g), 'warned once').to.have.length(1)
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.status])).to.deep.equal([['authorization_code', 200]])
  })

  it('reports an error= redirect: consent declined (AADSTS65004, exit 4)', async () => {
    const result = await world.cli(['get-token', '-p', 'web'], {env: world.browserEnv({mode: 'deny'})})
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/Error: Authentication failed \(AADSTS65004\): Sign-in was denied or cancelled/)
    // A redirect has no fields for them: the IDs support asks for come from the end of error_description.
    expect(result.stderr).to.match(
      /\n {2}Server said: .+\n {2}Trace ID: [0-9a-f-]{36}\n {2}Correlation ID: [0-9a-f-]{36}\n {2}Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n$/,
    )
    expect(await accepts(port)).to.equal(false)
  })

  it('reports bad credentials after the provider gives up (AADSTS50126, exit 4)', async () => {
    const result = await world.cli(['get-token', '-p', 'web'], {env: world.browserEnv({mode: 'wrong-password'})})
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/Error: Authentication failed \(AADSTS50126\): Invalid user name or password/)
  })

  it('times out with the "Browser did not respond" advice (exit 5) and frees the port', async () => {
    const session = startCli(['get-token', '-p', 'web', '--timeout', '3'], world.browserEnv({mode: 'ignore'}))
    await session.waitForStderr(/If the browser does not open/)
    expect(listeningAddresses(port)).to.deep.equal(['127.0.0.1'])
    const result = await session.done
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.match(
      /Error: Browser did not respond: no sign-in reached http:\/\/localhost:\d+ within 3 s\..*-f DeviceCode/,
    )
    expect(await accepts(port)).to.equal(false)
  })

  it('Ctrl-C while waiting exits 130 and frees the port', async () => {
    const session = startCli(['get-token', '-p', 'web'], world.browserEnv({mode: 'ignore'}))
    await session.waitForStderr(/If the browser does not open/)
    expect(await accepts(port)).to.equal(true)
    session.interrupt()
    const result = await session.done
    expect(result.code, result.stderr).to.equal(130)
    expect(await accepts(port)).to.equal(false)
  })

  it('the provider refuses authorization requests without state or an S256 code challenge (what the tests rely on)', async () => {
    const agent = new Agent({connect: {ca: idp.caCertPem}})
    try {
      const base = {
        client_id: world.clientId,
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'User.Read',
        state: 's',
      }
      const errorOf = async (params: Record<string, string>) => {
        const response = await fetch(
          `${idp.authority(world.tenantId)}/oauth2/v2.0/authorize?${new URLSearchParams(params)}`,
          {dispatcher: agent, redirect: 'manual'},
        )
        const location = response.headers.get('location')
        return location
          ? new URL(location).searchParams.get('error_description')?.split(':')[0]
          : `HTTP ${response.status}`
      }
      const {state: _state, ...noState} = base
      const {code_challenge: _challenge, ...noChallenge} = base
      expect(await errorOf(noState)).to.equal('AADSTS900144')
      expect(await errorOf(noChallenge)).to.equal('AADSTS9002325')
      expect(await errorOf({...base, code_challenge_method: 'plain'})).to.equal('AADSTS501491')
      expect(await errorOf(base)).to.equal('HTTP 200')
    } finally {
      await agent.close()
    }
  })

  it('refuses a response sent back in the URL (GET), even with the right state: exit 4, nothing redeemed', async () => {
    const session = startCli(['get-token', '-p', 'web'], world.browserEnv({mode: 'ignore'}))
    const [, url] = await session.waitForStderr(/^(https:\S+authorize\?\S+)$/m)
    // Same authorization request, but asking the provider for a query redirect instead of form_post.
    const query = new URL(url)
    query.searchParams.set('response_mode', 'query')
    expect((await world.signIn(query.toString())).outcome).to.equal('failure')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.contain(
      'Error: The sign-in response came back in the URL instead of as the form post this sign-in asked for',
    )
    expect(idp.tokenRequests()).to.deep.equal([])
    expect(await accepts(port)).to.equal(false)
  })
})
