import {expect} from 'chai'
import type {Profile} from '../../../src/contract/index.js'
import {cacheIdentity, findAccessToken} from '../../../src/token/cache.js'

describe('cache matching (msal schema, read without msal)', () => {
  const now = 1_800_000_000_000
  const entry = (over: Record<string, string>) => ({
    client_id: 'app',
    credential_type: 'AccessToken',
    expires_on: String(now / 1000 + 3600),
    home_account_id: '',
    secret: 'tok-' + JSON.stringify(over),
    target: 'https://graph.microsoft.com/.default',
    token_type: 'Bearer',
    ...over,
  })
  const cache = (...entries: Array<Record<string, string>>) =>
    JSON.stringify({AccessToken: Object.fromEntries(entries.map((e, i) => [`k${i}`, entry(e)]))})
  const query = {clientId: 'APP', minValidSeconds: 300, now, scopes: ['https://graph.microsoft.com/.default']}

  it('serves a token for the client and scope, case-insensitively', () => {
    expect(findAccessToken(cache({}), query)?.accessToken).to.equal('tok-{}')
  })
  it('skips other clients, other scopes, PoP tokens, other accounts and tokens expiring within the margin', () => {
    expect(findAccessToken(cache({client_id: 'other'}), query)).to.equal(undefined)
    expect(findAccessToken(cache({target: 'api://x/.default'}), query)).to.equal(undefined)
    expect(findAccessToken(cache({token_type: 'pop'}), query)).to.equal(undefined)
    expect(findAccessToken(cache({home_account_id: 'u.t'}), {...query, homeAccountId: ''})).to.equal(undefined)
    expect(findAccessToken(cache({expires_on: String(now / 1000 + 299)}), query)).to.equal(undefined)
    expect(findAccessToken('not json', query)).to.equal(undefined)
    expect(findAccessToken(cache({}), {...query, scopes: ['openid', 'offline_access']})).to.equal(undefined)
  })
  it('ignores OIDC scopes in the request and picks the longest-lived match', () => {
    const later = String(now / 1000 + 7200)
    const found = findAccessToken(cache({target: 'user.read'}, {expires_on: later, target: 'User.Read email'}), {
      ...query,
      scopes: ['openid', 'profile', 'offline_access', 'User.Read'],
    })
    expect(found?.expiresOn.getTime()).to.equal(Number(later) * 1000)
  })
})

describe('cache identity', () => {
  const profile = (over: Partial<Profile> = {}): Profile =>
    ({authMethod: 'None', clientId: 'App', name: 'p', tenantId: 'T', ...over}) as Profile

  it('a profile without flow options has the identity caches were written with before options counted', () => {
    expect(cacheIdentity(profile())).to.deep.equal({
      authority: 'https://login.microsoftonline.com',
      clientId: 'app',
      tenantId: 't',
    })
  })

  it('flow options and secret option names are part of it, whatever their order; their values are not stored', () => {
    const a = cacheIdentity(profile({flowOptions: {'client-id': 'one', region: 'x'}}))
    expect(a.options).to.be.a('string').and.not.include('one')
    expect(cacheIdentity(profile({flowOptions: {region: 'x', 'client-id': 'one'}}))).to.deep.equal(a)
    expect(cacheIdentity(profile({flowOptions: {'client-id': 'two', region: 'x'}})).options).to.not.equal(a.options)
    const secret = cacheIdentity(profile({secretOptions: ['key']}))
    expect(secret.options).to.be.a('string')
    expect(cacheIdentity(profile({secretOptions: ['other']})).options).to.not.equal(secret.options)
  })
})
