import {expect} from 'chai'
import {authorityUrl, isMicrosoftAuthority, normalizeAuthority, parseScopes} from '../../../src/profile/model.js'

describe('authority', () => {
  it('maps clouds and custom hosts to the authority msal gets', () => {
    const base = {authMethod: 'ClientSecret' as const, clientId: 'c', name: 'n', tenantId: 'contoso.onmicrosoft.com'}
    expect(authorityUrl(base)).to.equal('https://login.microsoftonline.com/contoso.onmicrosoft.com')
    expect(authorityUrl({...base, cloud: 'AzureUSGovernment'})).to.equal(
      'https://login.microsoftonline.us/contoso.onmicrosoft.com',
    )
    expect(authorityUrl({...base, cloud: 'AzureChina'})).to.equal(
      'https://login.chinacloudapi.cn/contoso.onmicrosoft.com',
    )
    expect(authorityUrl({...base, authority: 'https://login.example.com:8443/', cloud: 'AzureChina'})).to.equal(
      'https://login.example.com:8443/contoso.onmicrosoft.com',
    )
  })

  it('accepts host or host/tenant, refuses http, queries and other tenants', () => {
    expect(normalizeAuthority('https://login.microsoftonline.us', 't')).to.deep.equal({
      host: 'https://login.microsoftonline.us',
    })
    expect(normalizeAuthority('https://login.microsoftonline.us/T/', 't')).to.deep.equal({
      host: 'https://login.microsoftonline.us',
    })
    expect(normalizeAuthority('http://login.microsoftonline.us', 't').error).to.match(/https/)
    expect(normalizeAuthority('https://h/t?x=1', 't').error).to.match(/query/)
    expect(normalizeAuthority('https://h/other', 't').error).to.match(/names tenant 'other'/)
    expect(normalizeAuthority('not a url', 't').error).to.match(/Invalid authority/)
  })

  it('splits scopes on spaces and commas, once each', () => {
    expect(parseScopes(['a b,c', 'c', ' d '])).to.deep.equal(['a', 'b', 'c', 'd'])
    expect(parseScopes(undefined)).to.deep.equal([])
  })
})

describe('Microsoft authorities (where a secret from the environment may go)', () => {
  it('knows the clouds, their aliases and the B2C / External ID hosts, over https on the default port only', () => {
    for (const yes of [
      'https://login.microsoftonline.com',
      'https://LOGIN.microsoftonline.us/',
      'https://login.chinacloudapi.cn/tenant',
      'https://contoso.b2clogin.com',
      'https://contoso.ciamlogin.com',
    ]) {
      expect(isMicrosoftAuthority(yes), yes).to.equal(true)
    }
    for (const no of [
      'http://login.microsoftonline.com',
      'https://login.microsoftonline.com:8443',
      'https://login.microsoftonline.com.evil.example',
      'https://evil.example/login.microsoftonline.com',
      'https://b2clogin.com.evil.example',
      'not a url',
    ]) {
      expect(isMicrosoftAuthority(no), no).to.equal(false)
    }
  })
})
