import {expect} from 'chai'
import {checkProxyVariables, hideCredentials, proxyFor} from '../../../src/diagnose/proxy.js'

describe('diagnose/proxy', () => {
  it('hides the password of a proxy URL, keeps the rest', () => {
    expect(hideCredentials('http://me:s3cret@proxy.corp:3128')).to.equal('http://me:***@proxy.corp:3128')
    expect(hideCredentials('http://proxy.corp:3128')).to.equal('http://proxy.corp:3128')
    expect(checkProxyVariables({HTTPS_PROXY: 'http://me:s3cret@p:1'})[0].message).to.equal(
      'In effect: HTTPS_PROXY=http://me:***@p:1.',
    )
  })

  it('picks the proxy a URL takes as undici does: https_proxy, else http_proxy, unless NO_PROXY names the host', () => {
    const url = new URL('https://login.example.com/t')
    expect(proxyFor(url, {})).to.equal(undefined)
    expect(proxyFor(url, {HTTPS_PROXY: 'http://p:1'})?.origin).to.equal('http://p:1')
    expect(proxyFor(url, {HTTP_PROXY: 'http://h:2'})?.origin).to.equal('http://h:2')
    for (const noProxy of ['*', 'example.com', '.example.com', 'login.example.com:443', 'other.org, example.com']) {
      expect(proxyFor(url, {HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy}), noProxy).to.equal(undefined)
    }
    for (const noProxy of ['ample.com', 'login.example.com:8443']) {
      expect(proxyFor(url, {HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy})?.origin, noProxy).to.equal('http://p:1')
    }
  })
})
