/**
 * `whoami`: who each profile signs in as and what its cached tokens allow, from the encrypted cache alone: it works
 * with the identity provider stopped and never prints a token.
 */
import {expect} from 'chai'
import {randomBytes, randomUUID} from 'node:crypto'
import type {Idp} from '../support/idp/index.js'
import {registerSensitive, registerTokensIn} from '../support/plaintext-scan.js'
import {leakedSecrets, startDelegatedWorld} from '../support/browser/delegated-world.js'
import {useWorld, type World} from '../support/world.js'

interface Report {
  profile: string
  tenantId: string
  clientId: string
  authority: string
  flow: string
  cache: string
  accounts: Array<{username: string | null; homeAccountId: string; lastUsed: boolean; refreshToken: boolean}>
  tokens: Array<{
    account: string | null
    scopes: string[]
    expiresOn: string
    secondsLeft: number
    roles: string[]
    scp: string[]
    readable: boolean
  }>
}

describe('whoami: profiles, accounts and cached token permissions, offline', function () {
  this.timeout(90_000)
  const suite = useWorld()
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  it('an app-only profile: tenant, client, flow, the token scope, expiry and roles, with the provider stopped', async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    const got = await world.cli(['get-token', '-p', 'app', '--silent'])
    const token = got.stdout.trim()
    await idp.stop()

    const text = await world.cli(['whoami', '-p', 'app'])
    expect(text.code, text.stderr).to.equal(0)
    expect(text.stderr).to.equal('')
    expect(text.stdout).not.to.include(token)
    expect(text.stdout).to.match(
      new RegExp(
        `^Profile 'app'\\n  Tenant: +${world.tenantId}\\n  Client: +${world.clientId}\\n  Authority: +${idp.origin}\\n  Flow: +ClientCredentials\\n`,
      ),
    )
    expect(text.stdout).to.match(/\n {2}Account: +none \(app-only tokens\)\n/)
    expect(text.stdout).to.match(
      /Token: +https:\/\/graph\.microsoft\.com\/\.default \(app-only\); expires in (59|60) min \(/,
    )
    expect(text.stdout).to.match(/\n {4}Permissions: +roles Data\.Read\n/)

    const json = await world.cli(['whoami', '-p', 'app', '--json'])
    expect(json.code, json.stderr).to.equal(0)
    expect(json.stdout).not.to.include(token)
    const report = JSON.parse(json.stdout) as Report
    expect(report).to.include({
      authority: idp.origin,
      cache: 'ok',
      clientId: world.clientId,
      flow: 'ClientCredentials',
      profile: 'app',
      tenantId: world.tenantId,
    })
    expect(report.accounts).to.deep.equal([])
    expect(report.tokens).to.have.length(1)
    expect(report.tokens[0]).to.include({account: null, readable: true})
    expect(report.tokens[0].roles).to.deep.equal(['Data.Read'])
    expect(report.tokens[0].scp).to.deep.equal([])
    expect(report.tokens[0].scopes).to.deep.equal(['https://graph.microsoft.com/.default'])
    expect(report.tokens[0].secondsLeft).to.be.within(3000, 3600)
  })

  it('a token without roles or scp is called out as the usual cause of "Insufficient privileges"; every profile is listed', async () => {
    const bare = randomUUID()
    const secret = `${randomBytes(18).toString('base64url')}~B`
    registerSensitive(secret)
    idp.registerApp({clientId: bare, clientSecret: secret, tenantId: world.tenantId})
    const created = await world.createProfile('bare', [], {clientId: bare, secret})
    expect(created.code, created.stderr).to.equal(0)
    expect((await world.cli(['get-token', '-p', 'bare', '--silent'])).code).to.equal(0)
    expect((await world.createProfile('unused')).code).to.equal(0)
    await idp.stop()

    const all = await world.cli(['whoami'])
    expect(all.code, all.stderr).to.equal(0)
    expect(all.stdout).to.include("Profile 'bare'\n")
    expect(all.stdout).to.match(/Permissions: +none: the usual cause of "Insufficient privileges" \(403\)/)
    expect(all.stdout).to.include(`Profile 'unused'\n`)
    expect(all.stdout).to.match(
      /Cache: +empty: not signed in, no token yet \(run 'entra-auth-cli get-token -p unused'\)/,
    )
    const json = JSON.parse((await world.cli(['whoami', '--json'])).stdout) as Report[]
    expect(json.map((r) => [r.profile, r.cache])).to.deep.equal([
      ['bare', 'ok'],
      ['unused', 'empty'],
    ])

    const missing = await world.cli(['whoami', '-p', 'nope'])
    expect(missing.code).to.equal(3)
  })

  it('a user profile: the account (UPN), last used, refresh token and the scp of its token', async () => {
    const delegated = await startDelegatedWorld(idp)
    try {
      await delegated.createUserProfile('me', 'InteractiveBrowser')
      const signIn = await delegated.cli(['get-token', '-p', 'me'], {env: delegated.browserEnv()})
      expect(signIn.code, signIn.stderr).to.equal(0)
      registerTokensIn(signIn.stdout)
      // The browser script logs its visit after the CLI has exited; wait for it before the home is removed.
      expect(await delegated.browserVisits(1)).to.have.length(1)
      await idp.stop()

      const text = await delegated.cli(['whoami', '-p', 'me'])
      expect(text.code, text.stderr).to.equal(0)
      expect(leakedSecrets(idp, text.stdout + text.stderr)).to.deep.equal([])
      expect(text.stdout).to.match(/\n {2}Flow: +InteractiveBrowser\n/)
      expect(text.stdout).to.match(
        new RegExp(`Account: +${delegated.alice.replace('.', '\\.')} \\(Alice\\); last used, refresh token: yes\\n`),
      )
      expect(text.stdout).to.match(
        new RegExp(`Token: +User\\.Read.* for ${delegated.alice.replace('.', '\\.')}; expires in`),
      )
      expect(text.stdout).to.match(/Permissions: +scp User\.Read/)

      const report = JSON.parse((await delegated.cli(['whoami', '-p', 'me', '--json'])).stdout) as Report
      expect(report.accounts).to.deep.equal([
        {
          homeAccountId: report.accounts[0].homeAccountId,
          lastUsed: true,
          name: 'Alice',
          refreshToken: true,
          username: delegated.alice,
        },
      ])
      expect(report.tokens[0].account).to.equal(delegated.alice)
      expect(report.tokens[0].scp).to.deep.equal(['User.Read'])
    } finally {
      delegated.assertNoSecretsAtRest()
      delegated.home.cleanup()
    }
  })
})
