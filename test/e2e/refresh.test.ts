/**
 * `refresh` and silent renewal: after a Chromium sign-in (InteractiveBrowser), the refresh token in the encrypted
 * cache is redeemed by `refresh` (always) and by `get-token` (when the access token has expired), and the errors of
 * a refused refresh come with the command to run.
 */
import {expect} from 'chai'
import {decodeJwt} from 'jose'
import type {Idp} from '../support/idp/index.js'
import {registerTokensIn} from '../support/plaintext-scan.js'
import {leakedSecrets, useDelegatedWorld, type DelegatedWorld} from '../support/browser/delegated-world.js'

describe('refresh, and silent renewal by get-token', function () {
  this.timeout(60_000)
  const suite = useDelegatedWorld('me', 'InteractiveBrowser')
  let idp: Idp
  let world: DelegatedWorld
  beforeEach(() => ({idp, world} = suite))

  async function signIn(args: string[] = []): Promise<string> {
    const result = await world.cli(['get-token', '-p', 'me', ...args], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    idp.resetCounts()
    return result.stdout.trim()
  }

  /** Later calls must not need a browser: $BROWSER fails, so a fallback would show up as a device code prompt. */
  const noBrowser = () => ({env: world.browserEnv({mode: 'fail'}), timeoutMs: 20_000})

  it('redeems the refresh token for a new access token, twice (the rotated one was kept)', async () => {
    const first = await signIn()
    const refreshed = await world.cli(['refresh', '-p', 'me'], noBrowser())
    expect(refreshed.code, refreshed.stderr).to.equal(0)
    registerTokensIn(refreshed.stdout)
    expect(refreshed.stdout.trim()).not.to.equal(first)
    expect(decodeJwt(refreshed.stdout.trim()).preferred_username).to.equal(world.alice)
    expect(refreshed.stderr).to.equal("Refreshing token for profile 'me'...\n✓ Token refreshed successfully\n")
    expect(idp.tokenRequests().map((r) => r.grant_type)).to.deep.equal(['refresh_token'])
    expect(leakedSecrets(idp, refreshed.stderr)).to.deep.equal([])

    // The provider retired the first refresh token; a second refresh works only with the rotated one.
    const again = await world.cli(['refresh', '-p', 'me', '--json'], noBrowser())
    expect(again.code, again.stderr).to.equal(0)
    const json = JSON.parse(again.stdout) as Record<string, unknown>
    expect(Object.keys(json)).to.deep.equal(['accessToken', 'expiresOn', 'tokenType', 'scopes'])
    registerTokensIn(again.stdout)
    expect(json.accessToken).not.to.equal(refreshed.stdout.trim())
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.status])).to.deep.equal([
      ['refresh_token', 200],
      ['refresh_token', 200],
    ])

    // get-token now serves the newest token from the cache.
    const cached = await world.cli(['get-token', '-p', 'me'], noBrowser())
    expect(cached.stdout.trim()).to.equal(json.accessToken)
  })

  it('get-token renews an expired access token silently with the refresh token', async () => {
    idp.setTokenLifetime(60)
    const first = await signIn()
    idp.setTokenLifetime(3599)
    const renewed = await world.cli(['get-token', '-p', 'me'], noBrowser())
    expect(renewed.code, renewed.stderr).to.equal(0)
    registerTokensIn(renewed.stdout)
    expect(renewed.stdout.trim()).not.to.equal(first)
    expect(renewed.stderr).not.to.contain('Opening browser')
    expect(renewed.stderr).not.to.contain('(from cache)')
    expect(idp.tokenRequests().map((r) => r.grant_type)).to.deep.equal(['refresh_token'])
    expect(idp.authorizeRequests()).to.deep.equal([])
  })

  it('refresh --scope asks for another scope; one the user never consented to needs a sign-in (AADSTS65001)', async () => {
    await signIn()
    const result = await world.cli(['refresh', '-p', 'me', '--scope', 'Mail.Read'], noBrowser())
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/Error: Authentication failed \(AADSTS65001\): The application needs consent/)
  })

  it('an expired refresh token (AADSTS700082) ends with the command to sign in again', async () => {
    await signIn()
    idp.expireRefreshTokens()
    const result = await world.cli(['refresh', '-p', 'me'], noBrowser())
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.contain(
      'Error: Authentication failed (AADSTS700082): The refresh token has expired after inactivity; sign in again: entra-auth-cli get-token -p me -f InteractiveBrowser --force.',
    )
  })

  it('get-token signs in again in the browser when the refresh token has expired', async () => {
    idp.setTokenLifetime(60)
    await signIn()
    idp.setTokenLifetime(3599)
    idp.expireRefreshTokens()
    const result = await world.cli(['get-token', '-p', 'me'], {env: world.browserEnv()})
    expect(result.code, result.stderr).to.equal(0)
    registerTokensIn(result.stdout)
    expect(result.stderr).to.contain(
      `The cached sign-in of ${world.alice} cannot be renewed silently (AADSTS700082); signing in again.`,
    )
    expect(idp.tokenRequests().map((r) => [r.grant_type, r.status])).to.deep.equal([
      ['refresh_token', 400],
      ['authorization_code', 200],
    ])
  })

  it('explains MFA required (AADSTS50076)', async () => {
    await signIn()
    idp.requireMfa(world.alice, world.tenantId)
    const result = await world.cli(['refresh', '-p', 'me'], noBrowser())
    expect(result.code, result.stderr).to.equal(4)
    expect(result.stderr).to.match(/AADSTS50076\): Multi-factor authentication is required/)
  })

  it('with nobody signed in says so and what to run (exit 3)', async () => {
    const result = await world.cli(['refresh', '-p', 'me'], noBrowser())
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.contain("Refreshing token for profile 'me'...")
    expect(result.stderr).to.contain(
      "Error: No refresh token to redeem: nobody has signed in with profile 'me' yet. Sign in first: entra-auth-cli get-token -p me",
    )
    expect(idp.tokenRequests()).to.deep.equal([])
  })

  it('--account picks whose refresh token to redeem; the default is the last used account', async () => {
    await signIn()
    const bobFirst = await world.cli(['get-token', '-p', 'me', '--account', world.bob], {
      env: world.browserEnv({user: world.bob}),
    })
    expect(bobFirst.code, bobFirst.stderr).to.equal(0)
    registerTokensIn(bobFirst.stdout)
    const alice = await world.cli(['refresh', '-p', 'me', '--account', world.alice], noBrowser())
    expect(alice.code, alice.stderr).to.equal(0)
    registerTokensIn(alice.stdout)
    expect(decodeJwt(alice.stdout.trim()).preferred_username).to.equal(world.alice)
    // Using an account makes it the last used one.
    const last = await world.cli(['refresh', '-p', 'me'], noBrowser())
    registerTokensIn(last.stdout)
    expect(decodeJwt(last.stdout.trim()).preferred_username).to.equal(world.alice)
  })

  it('finds the last used account by home account id, not by user name (a re-created user with the same UPN)', async () => {
    const first = await signIn()
    // The user is deleted and created again: same UPN, new object id, so a second account in the cache.
    idp.registerUser({displayName: 'Alice', password: world.password, tenantId: world.tenantId, username: world.alice})
    const second = await signIn(['--force'])
    const [oldOid, newOid] = [decodeJwt(first).oid, decodeJwt(second).oid]
    expect(newOid).not.to.equal(oldOid)

    const refreshed = await world.cli(['refresh', '-p', 'me'], noBrowser())
    expect(refreshed.code, refreshed.stderr).to.equal(0)
    registerTokensIn(refreshed.stdout)
    expect(decodeJwt(refreshed.stdout.trim()).oid, 'the account signed in last').to.equal(newOid)

    // --account names a user, and two cached accounts have that name: refuse to guess, from the cache too.
    for (const command of ['refresh', 'get-token']) {
      const named = await world.cli([command, '-p', 'me', '--account', world.alice], noBrowser())
      expect(named.code, named.stderr).to.equal(3)
      expect(named.stderr).to.contain(
        `Error: Profile 'me' has 2 signed-in accounts named ${world.alice} (the user was re-created, or signed in from another home tenant), so --account cannot tell them apart; leave --account out to use the one used last.`,
      )
    }
    expect(idp.tokenRequests().map((r) => r.grant_type)).to.deep.equal(['refresh_token'])
  })

  it('a ClientCredentials profile whose cache holds a signed-in user: refresh says to pass -f, and -f works', async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    const signedIn = await world.cli(['get-token', '-p', 'app', '-f', 'InteractiveBrowser'], {env: world.browserEnv()})
    expect(signedIn.code, signedIn.stderr).to.equal(0)
    registerTokensIn(signedIn.stdout)
    idp.resetCounts()

    const result = await world.cli(['refresh', '-p', 'app'], noBrowser())
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.contain(
      `Error: Profile 'app' uses the ClientCredentials flow, which has no refresh token, but its cache holds a signed-in user (${world.alice}): pass the flow they signed in with, e.g. 'entra-auth-cli refresh -p app -f InteractiveBrowser' (or -f DeviceCode, -f AuthorizationCode).`,
    )
    expect(idp.tokenRequests()).to.deep.equal([])

    const withFlow = await world.cli(['refresh', '-p', 'app', '-f', 'InteractiveBrowser'], noBrowser())
    expect(withFlow.code, withFlow.stderr).to.equal(0)
    registerTokensIn(withFlow.stdout)
    expect(decodeJwt(withFlow.stdout.trim()).preferred_username).to.equal(world.alice)
    expect(idp.tokenRequests().map((r) => r.grant_type)).to.deep.equal(['refresh_token'])
  })

  it('ClientCredentials has no refresh token: says why and what to run (exit 3)', async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    const result = await world.cli(['refresh', '-p', 'app'])
    expect(result.code, result.stderr).to.equal(3)
    expect(result.stderr).to.contain(
      "The ClientCredentials flow has no refresh token to redeem; run 'entra-auth-cli get-token -p app'",
    )
  })
})
