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

  it('hides credentials without a scheme, with a / in the password, or a user alone; an @ in the path is no credential', () => {
    const hidden = {
      'alice:S3cretPW@127.0.0.1:9': 'alice:***@127.0.0.1:9',
      'http://alice:pa/S3cret@127.0.0.1:9/': 'http://***@127.0.0.1:9/',
      'http://alice:p@ss@proxy:3128': 'http://alice:***@proxy:3128',
      'http://t0ken@proxy:3128': 'http://***@proxy:3128',
      'http://alice:S3cret@proxy:port': 'http://***@proxy:port',
      'http://proxy:3128/a@b': 'http://proxy:3128/a@b',
      'localhost,.corp.example': 'localhost,.corp.example',
    }
    for (const [value, shown] of Object.entries(hidden)) expect(hideCredentials(value), value).to.equal(shown)
    const message = checkProxyVariables({HTTPS_PROXY: 'alice:S3cretPW@127.0.0.1:9'})[0].message
    expect(message).to.equal('In effect: HTTPS_PROXY=alice:***@127.0.0.1:9.')
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
