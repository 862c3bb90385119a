import {expect} from 'chai'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CliError} from '../../../src/base/errors.js'
import {endpointProblem, resolveAuthorityMetadata} from '../../../src/net/authority-metadata.js'
import type {HttpClient} from '../../../src/net/http-client.js'
import {TestHome} from '../../support/cli.js'

describe("authority endpoints: only https on the authority's host, nothing a shell acts on", () => {
  const authority = 'https://login.microsoftonline.com/contoso.onmicrosoft.com'
  const good = (path: string) => `https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/${path}`
  const documentWith = (changes: Record<string, unknown>) => ({
    authorization_endpoint: good('authorize'),
    device_authorization_endpoint: good('devicecode'),
    issuer: 'https://login.microsoftonline.com/0000/v2.0',
    jwks_uri: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
    token_endpoint: good('token'),
    ...changes,
  })
  let home: TestHome
  beforeEach(() => {
    home = new TestHome('entra-metadata-')
  })
  afterEach(() => home.cleanup())

  function stubHttp(documents: Array<Record<string, unknown>>): HttpClient & {calls: number} {
    const stub = {
      calls: 0,
      async getJson() {
        return {body: documents[Math.min(stub.calls++, documents.length - 1)], headers: {}, status: 200}
      },
    }
    return stub as unknown as HttpClient & {calls: number}
  }

  it('tells what is wrong with an endpoint or sign-in URL', () => {
    expect(
      endpointProblem(`${good('authorize')}?client_id=x&state=a-b_c&scope=User.Read%20openid`, authority),
    ).to.equal(undefined)
    expect(endpointProblem('https://LOGIN.microsoftonline.com:443/x', authority)).to.equal(undefined)
    expect(endpointProblem('https://evil.example/contoso/oauth2/v2.0/token', authority)).to.equal(
      "is on evil.example, not on the authority's host login.microsoftonline.com",
    )
    expect(endpointProblem('https://login.microsoftonline.com.evil.example/x', authority)).to.match(
      /^is on login\.microsoftonline\.com\.evil\.example,/,
    )
    expect(endpointProblem('https://login.microsoftonline.com:8443/x', authority)).to.match(
      /^is on login\.microsoftonline\.com:8443,/,
    )
    expect(endpointProblem('http://login.microsoftonline.com/x', authority)).to.equal('is not https (http:)')
    expect(endpointProblem('file:///etc/passwd', authority)).to.equal('is not https (file:)')
    for (const bad of ['$(calc)', '`calc`', '"', ' ', '\u001b[2J', '\n']) {
      expect(endpointProblem(`${good('authorize')}?x=${bad}`, authority), JSON.stringify(bad)).to.equal(
        'contains whitespace, a control character, or one of " ` $',
      )
    }
    expect(endpointProblem(undefined, authority)).to.equal('is missing')
    expect(endpointProblem('not a url', authority)).to.match(/^contains whitespace/)
    expect(endpointProblem('nonsense', authority)).to.equal('is not a URL')
    // Plain http only for a loopback authority, and only where the caller allows it (the browser launch).
    expect(endpointProblem('http://127.0.0.1:8080/t/authorize', 'http://127.0.0.1:8080/t')).to.equal(
      'is not https (http:)',
    )
    expect(
      endpointProblem('http://127.0.0.1:8080/t/authorize', 'http://127.0.0.1:8080/t', {loopbackHttp: true}),
    ).to.equal(undefined)
    expect(endpointProblem('http://example.com/t/authorize', 'http://example.com/t', {loopbackHttp: true})).to.equal(
      'is not https (http:)',
    )
  })

  it("refuses OpenID metadata whose endpoints leave the authority's host or are not https (ConfigError, exit 3)", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        {token_endpoint: 'https://evil.example/t/oauth2/v2.0/token'},
        /its token_endpoint 'https:\/\/evil\.example\/t\/oauth2\/v2\.0\/token' is on evil\.example, not on the authority's host/,
      ],
      [
        {authorization_endpoint: `${good('authorize')}?$(Start-Process calc)`},
        /its authorization_endpoint '.*' contains whitespace, a control character, or one of " ` \$/,
      ],
      [
        {authorization_endpoint: 'http://login.microsoftonline.com/c/oauth2/v2.0/authorize'},
        /its authorization_endpoint '.*' is not https/,
      ],
      [
        {device_authorization_endpoint: 'https://attacker.example/devicecode'},
        /its device_authorization_endpoint '.*' is on attacker\.example/,
      ],
      [{authorization_endpoint: undefined}, /its authorization_endpoint is missing/],
    ]
    for (const [changes, message] of cases) {
      const error = await resolveAuthorityMetadata(home.cliHome, authority, stubHttp([documentWith(changes)])).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error, JSON.stringify(changes)).to.be.instanceOf(CliError)
      expect((error as CliError).exitCode).to.equal(3)
      expect((error as CliError).code).to.equal('METADATA_ENDPOINT')
      expect((error as CliError).message).to.match(
        new RegExp(`^The OpenID metadata of ${authority.replaceAll('.', '\\.')} cannot be used: `),
      )
      expect((error as CliError).message).to.match(message)
    }
    // Without a device endpoint (not every authority has one) the document is fine.
    const ok = await resolveAuthorityMetadata(
      home.cliHome,
      authority,
      stubHttp([documentWith({device_authorization_endpoint: undefined})]),
    )
    expect(JSON.parse(ok.authorityMetadata).token_endpoint).to.equal(good('token'))
  })

  it('fetches again rather than use a stored document with a bad endpoint', async () => {
    const first = stubHttp([documentWith({})])
    await resolveAuthorityMetadata(home.cliHome, authority, first)
    const again = stubHttp([documentWith({})])
    await resolveAuthorityMetadata(home.cliHome, authority, again)
    expect(again.calls, 'a good stored document is used').to.equal(0)

    const dir = join(home.cliHome, 'cache', 'authority')
    const [file] = readdirSync(dir)
    const stored = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    stored.authorityMetadata = JSON.stringify(documentWith({token_endpoint: 'https://evil.example/token'}))
    writeFileSync(join(dir, file), JSON.stringify(stored))
    const refetch = stubHttp([documentWith({})])
    const resolved = await resolveAuthorityMetadata(home.cliHome, authority, refetch)
    expect(refetch.calls).to.equal(1)
    expect(JSON.parse(resolved.authorityMetadata).token_endpoint).to.equal(good('token'))
  })
})
