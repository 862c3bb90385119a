/**
 * InteractiveBrowser end to end: the built CLI opens $BROWSER, a script that drives Debian's Chromium through
 * playwright-core and signs in on the local identity provider; the provider posts the code to the CLI's loopback
 * listener (form_post), the CLI redeems it with PKCE and prints the token.
 */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect} from 'chai'
import {decodeJwt} from 'jose'
import type {Idp} from '../support/idp/index.js'
import {registerTokensIn} from '../support/plaintext-scan.js'
import {accepts, listeningAddresses, startCli} from '../support/browser/cli-session.js'
import {
  BROWSER_SCRIPT,
  leakedSecrets,
  useDelegatedWorld,
  type DelegatedWorld,
} from '../support/browser/delegated-world.js'

const URL_LINE = /^(https:\/\/127\.0\.0\.1:\d+\/[^\s]+\/oauth2\/v2\.0\/authorize\?\S+)$/m

function redirectPort(authorizeUrl: string): number {
  return Number(new URL(new URL(authorizeUrl).searchParams.get('redirect_uri')!).port)
}

describe('get-token -f InteractiveBrowser (Chromium signs in on the local identity provider)', function () {
  this.timeout(60_000)
  const suite = useDelegatedWorld('me', 'InteractiveBrowser')
  let idp: Idp
  let world: DelegatedWorld
  beforeEach(() => ({idp, world} = suite))

  it('signs in with PKCE S256 and state, prints the token, and serves the next call from the cache', async () => {
    const result = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    const token = result.stdout.trim()
    registerTokensIn(token)
    const claims = decodeJwt(token)
    expect(claims.preferred_username).to.equal(world.alice)
    expect(claims.scp).to.equal('User.Read')

    expect(result.stderr).to.contain('Opening browser for authentication...')
    expect(result.stderr).to.match(URL_LINE)
    expect(result.stderr).to.contain('✓ Authentication successful')
    expect(result.stderr).to.contain('✓ Token acquired')
    expect(leakedSecrets(idp, result.stderr), 'a code or token on stderr').to.deep.equal([])

    // What the provider saw: S256 PKCE, a state, form_post to http://localhost:<port>, then one code redemption.
    const [authorize] = idp.authorizeRequests()
    expect(authorize.code_challenge_method).to.equal('S256')
    expect(authorize.code_challenge).to.match(/^[\w-]{43}$/)
    expect(authorize.state).to.have.length.greaterThan(20)
    expect(authorize.response_mode).to.equal('form_post')
    expect(authorize.redirect_uri).to.match(/^http:\/\/localhost:\d+$/)
    const grants = idp.tokenRequests().map((r) => [r.grant_type, r.body.code_verifier, r.clientAuth])
    expect(grants).to.deep.equal([['authorization_code', '[redacted]', 'none']])
    expect((await world.browserVisits(1)).map((v) => v.outcome)).to.deep.equal(['success'])
    expect(await accepts(Number(new URL(authorize.redirect_uri).port)), 'listener closed').to.equal(false)

    idp.resetCounts()
    const again = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout.trim()).to.equal(token)
    expect(again.stderr).to.contain('(from cache)')
    expect(idp.requestCount()).to.equal(0)
  })

  it('binds the loopback listener to 127.0.0.1 only, and Ctrl-C closes it and exits 130', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'ignore'}))
    const [, url] = await session.waitForStderr(URL_LINE)
    const port = redirectPort(url)
    expect(listeningAddresses(port)).to.deep.equal(['127.0.0.1'])
    expect(await accepts(port)).to.equal(true)
    session.interrupt()
    const result = await session.done
    expect(result.code, result.stderr).to.equal(130)
    expect(result.stderr).to.match(/Error: Interrupted/)
    expect(await accepts(port)).to.equal(false)
  })

  it('times out with advice to use -f DeviceCode and leaves no listener (exit 5)', async () => {
    const session = startCli(['get-token', '-p', 'me', '--timeout', '3'], world.browserEnv({mode: 'ignore'}))
    const [, url] = await session.waitForStderr(URL_LINE)
    const result = await session.done
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.match(
      /Error: Browser did not respond: no sign-in reached http:\/\/localhost:\d+ within 3 s\..*-f DeviceCode/,
    )
    expect(await accepts(redirectPort(url))).to.equal(false)
  })

  it('ignores a response whose state does not match (400, one warning) and still completes the real sign-in', async () => {
    // The browser signs in on a tampered URL: the provider posts a real code with a forged state to the listener.
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'tamper-state'}))
    const [, url] = await session.waitForStderr(URL_LINE)
    const [visit] = await world.browserVisits(1)
    expect(visit.outcome).to.equal('failure')
    expect(visit.text).to.contain('does not belong to the sign-in in progress')
    await session.waitForStderr(
      /Warning: Ignored a sign-in response with a wrong state \(another page may be probing the port\)/,
    )
    expect(await accepts(redirectPort(url)), 'still listening').to.equal(true)
    expect(idp.tokenRequests(), 'the forged response was not redeemed').to.deep.equal([])

    expect((await world.signIn(url)).outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(decodeJwt(result.stdout.trim()).preferred_username).to.equal(world.alice)
    expect(result.stderr.match(/Ignored a sign-in response/g)).to.have.length(1)
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.status])).to.deep.equal([['authorization_code', 200]])
    expect(await accepts(redirectPort(url))).to.equal(false)
  })

  it('reports declined consent (AADSTS65004, exit 4)', async () => {
    const result = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'deny'})})
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/Error: Authentication failed \(AADSTS65004\): Sign-in was denied or cancelled/)
    expect((await world.browserVisits(1))[0].outcome).to.equal('failure')
  })

  it('pre-fills --login-hint on the sign-in page', async () => {
    const result = await world.cli(['get-token', '-p', 'me', '--login-hint', world.bob], {
      env: world.browserEnv({user: world.bob}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(idp.authorizeRequests()[0].login_hint).to.equal(world.bob)
    expect((await world.browserVisits(1))[0].prefilled).to.equal(world.bob)
    expect(decodeJwt(result.stdout.trim()).preferred_username).to.equal(world.bob)
  })

  it('with --no-browser prints the URL only; opening it by hand completes the sign-in', async () => {
    const session = startCli(['get-token', '-p', 'me', '--no-browser'], world.browserEnv({mode: 'fail'}))
    const [, url] = await session.waitForStderr(URL_LINE)
    expect((await world.signIn(url)).outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).not.to.contain('Opening browser')
    expect(await world.browserVisits(), '$BROWSER was not run').to.deep.equal([])
    registerTokensIn(result.stdout)
  })

  it('without a display or $BROWSER says why and falls back to a device code', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({extra: {BROWSER: undefined}}))
    const [, verificationUri, userCode, within] = await session.waitForStderr(
      /Open (\S+) in a browser[^\n]*\n.*Enter the code: (\w+)\n.*\(within ([^)]*)\)/,
    )
    expect(session.stderr).to.contain('Cannot open a browser: there is no graphical display')
    // Without --timeout the device code gets DeviceCode's own 15 minutes, not the browser's 120 s.
    expect(within).to.equal('about 15 minutes')
    const outcome = await world.enterDeviceCode(verificationUri, userCode)
    expect(outcome.outcome).to.equal('success')
    const result = await session.done
    expect(result.code, result.stderr).to.equal(0)
    expect(decodeJwt(result.stdout.trim()).preferred_username).to.equal(world.alice)
    registerTokensIn(result.stdout)
  })

  it('in an SSH session without a display falls back to a device code; Ctrl-C then exits 130', async () => {
    const session = startCli(
      ['get-token', '-p', 'me'],
      world.browserEnv({extra: {BROWSER: undefined, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'}}),
    )
    await session.waitForStderr(/Enter the code: \w+/)
    expect(session.stderr).to.contain('Cannot open a browser: this is an SSH session')
    session.interrupt()
    const result = await session.done
    expect(result.code, result.stderr).to.equal(130)
  })

  it('a --timeout the user gave still holds after the fallback to a device code, and the message says what is left', async () => {
    const session = startCli(
      ['get-token', '-p', 'me', '--timeout', '6'],
      world.browserEnv({extra: {BROWSER: undefined, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'}}),
    )
    await session.waitForStderr(/Enter the code: \w+\n.*\(within about [3-6] seconds\)/)
    const started = Date.now()
    const result = await session.done
    expect(result.code, result.stderr).to.equal(5)
    expect(result.stderr).to.match(/Error: Device code sign-in was not completed within [3-6] s/)
    expect(Date.now() - started).to.be.below(7000)
  })

  it('when $BROWSER fails says so and falls back to a device code', async () => {
    const session = startCli(['get-token', '-p', 'me'], world.browserEnv({mode: 'fail'}))
    await session.waitForStderr(/Enter the code: \w+/)
    expect(session.stderr).to.match(/Could not open a browser: \$BROWSER command '\S+browser' exited with code 1\./)
    session.interrupt()
    expect((await session.done).code).to.equal(130)
  })

  it('on WSL without $BROWSER opens the URL with wslview', async () => {
    const bin = join(world.home.root, 'wsl-bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'wslview'), `#!/bin/sh\nexec "${BROWSER_SCRIPT}" "$@"\n`)
    chmodSync(join(bin, 'wslview'), 0o755)
    const env = world.browserEnv({
      extra: {BROWSER: undefined, PATH: `${bin}:${process.env.PATH}`, WSL_DISTRO_NAME: 'Debian'},
    })
    const result = await world.cli(['get-token', '-p', 'me'], {env})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Opening browser for authentication...')
    expect((await world.browserVisits(1))[0].outcome).to.equal('success')
    registerTokensIn(result.stdout)
  })

  it('runs a $BROWSER that is a path with spaces as a whole (WSL: /mnt/c/Program Files/...)', async () => {
    const dir = join(world.home.root, 'Program Files', 'Google', 'Chrome')
    mkdirSync(dir, {recursive: true})
    const exe = join(dir, 'chrome.exe')
    writeFileSync(exe, `#!/bin/sh\nexec "${BROWSER_SCRIPT}" "$@"\n`)
    chmodSync(exe, 0o755)
    const result = await world.cli(['get-token', '-p', 'me', '--timeout', '20'], {
      env: world.browserEnv({extra: {BROWSER: exe}}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).not.to.contain('device code')
    expect((await world.browserVisits(1))[0].outcome).to.equal('success')
    registerTokensIn(result.stdout)
  })

  it('splits a $BROWSER entry shell-style: a quoted program path and %s', async () => {
    const dir = join(world.home.root, 'My Browser')
    mkdirSync(dir, {recursive: true})
    const exe = join(dir, 'open it')
    // The wrapper insists on its first argument, so the words must arrive as the quotes say.
    writeFileSync(exe, `#!/bin/sh\n[ "$1" = "--new window" ] || exit 9\nshift\nexec "${BROWSER_SCRIPT}" "$@"\n`)
    chmodSync(exe, 0o755)
    const result = await world.cli(['get-token', '-p', 'me', '--timeout', '20'], {
      env: world.browserEnv({extra: {BROWSER: `"${exe}" '--new window' %s`}}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect((await world.browserVisits(1))[0].outcome).to.equal('success')
    registerTokensIn(result.stdout)
  })

  it('enforces --account: a sign-in as someone else fails (exit 4), prints no token and is not remembered', async () => {
    const asAlice = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv()})
    expect(asAlice.code, asAlice.stderr).to.equal(0)
    registerTokensIn(asAlice.stdout)
    const carol = `carol@${world.domain}`
    idp.registerUser({displayName: 'Carol', password: world.password, tenantId: world.tenantId, username: carol})

    // Asked for bob; the person at the browser signs in as carol.
    const wrong = await world.cli(['get-token', '-p', 'me', '--account', world.bob], {
      env: world.browserEnv({user: carol}),
    })
    expect(wrong.code, wrong.stderr).to.equal(4)
    expect(wrong.stdout).to.equal('')
    expect(wrong.stderr).to.contain(
      `Error: Signed in as ${carol}, not ${world.bob} as --account asked; run the command again and sign in as ${world.bob}.`,
    )
    expect((await world.browserVisits(2))[1].prefilled).to.equal(world.bob)

    // The profile still uses alice by default.
    const after = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(after.code, after.stderr).to.equal(0)
    expect(after.stdout.trim()).to.equal(asAlice.stdout.trim())
  })

  it('--login-hint names the account wanted: a cached token of another account is not served for it', async () => {
    const asAlice = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv()})
    expect(asAlice.code, asAlice.stderr).to.equal(0)
    registerTokensIn(asAlice.stdout)
    const asBob = await world.cli(['get-token', '-p', 'me', '--login-hint', world.bob], {
      env: world.browserEnv({user: world.bob}),
    })
    expect(asBob.code, asBob.stderr).to.equal(0)
    registerTokensIn(asBob.stdout)
    expect(asBob.stderr).not.to.contain('(from cache)')
    expect(decodeJwt(asBob.stdout.trim()).preferred_username).to.equal(world.bob)
    expect((await world.browserVisits(2))[1].prefilled).to.equal(world.bob)
    // And bob's cached token is what --login-hint bob gets next time, without a browser.
    const again = await world.cli(['get-token', '-p', 'me', '--login-hint', world.bob], {
      env: world.browserEnv({mode: 'fail'}),
    })
    expect(again.stdout.trim()).to.equal(asBob.stdout.trim())
    expect(again.stderr).to.contain('(from cache)')
  })

  it('keeps several accounts: --account picks one, the default is the last used', async () => {
    const asAlice = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv()})
    expect(asAlice.code, asAlice.stderr).to.equal(0)
    const asBob = await world.cli(['get-token', '-p', 'me', '--account', world.bob], {
      env: world.browserEnv({user: world.bob}),
    })
    expect(asBob.code, asBob.stderr).to.equal(0)
    expect(decodeJwt(asBob.stdout.trim()).preferred_username).to.equal(world.bob)
    expect((await world.browserVisits(2)).map((v) => v.prefilled)).to.deep.equal(['', world.bob])
    registerTokensIn(asAlice.stdout + asBob.stdout)

    idp.resetCounts()
    const last = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(last.stdout.trim(), 'default: the last used account').to.equal(asBob.stdout.trim())
    const alice = await world.cli(['get-token', '-p', 'me', '--account', world.alice.toUpperCase()], {
      env: world.browserEnv({mode: 'fail'}),
    })
    expect(alice.code, alice.stderr).to.equal(0)
    expect(alice.stdout.trim()).to.equal(asAlice.stdout.trim())
    expect(alice.stderr).to.contain('(from cache)')
    // Naming alice, even for a cached token, made her the last used account (as a sign-in or a refresh does).
    const next = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv({mode: 'fail'})})
    expect(next.code, next.stderr).to.equal(0)
    expect(next.stdout.trim(), 'default: now alice').to.equal(asAlice.stdout.trim())
    expect(idp.requestCount(), 'all served from the cache').to.equal(0)
  })
})
