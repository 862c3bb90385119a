import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {acquireLock} from '../../src/base/file-lock.js'
import {deriveKey, newKdfParams, newKey, open, seal} from '../../src/base/crypto.js'
import {retryAfterMs} from '../../src/net/http-client.js'
import {authorityUrl, normalizeAuthority, parseScopes} from '../../src/profile/model.js'
import {findAccessToken} from '../../src/token/cache.js'
import {adviceForEntraError} from '../../src/net/entra-errors.js'
import {browserCommand, shellWords} from '../../src/flows/browser.js'
import {endpointProblem, resolveAuthorityMetadata} from '../../src/net/authority-metadata.js'
import {CliError} from '../../src/base/errors.js'
import type {HttpClient} from '../../src/net/http-client.js'
import {MAX_EXTENSION_MS, RunBudget} from '../../src/token/run-budget.js'
import {ROOT, TestHome} from '../support/cli.js'

describe('core modules', () => {
  describe('authority', () => {
    it('maps clouds and custom hosts to the authority msal gets', () => {
      const base = {authMethod: 'ClientSecret' as const, clientId: 'c', name: 'n', tenantId: 'contoso.onmicrosoft.com'}
      expect(authorityUrl(base)).to.equal('https://login.microsoftonline.com/contoso.onmicrosoft.com')
      expect(authorityUrl({...base, cloud: 'AzureUSGovernment'})).to.equal('https://login.microsoftonline.us/contoso.onmicrosoft.com')
      expect(authorityUrl({...base, cloud: 'AzureChina'})).to.equal('https://login.chinacloudapi.cn/contoso.onmicrosoft.com')
      expect(authorityUrl({...base, authority: 'https://login.example.com:8443/', cloud: 'AzureChina'})).to.equal('https://login.example.com:8443/contoso.onmicrosoft.com')
    })

    it('accepts host or host/tenant, refuses http, queries and other tenants', () => {
      expect(normalizeAuthority('https://login.microsoftonline.us', 't')).to.deep.equal({host: 'https://login.microsoftonline.us'})
      expect(normalizeAuthority('https://login.microsoftonline.us/T/', 't')).to.deep.equal({host: 'https://login.microsoftonline.us'})
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
    const cache = (...entries: Array<Record<string, string>>) => JSON.stringify({AccessToken: Object.fromEntries(entries.map((e, i) => [`k${i}`, entry(e)]))})
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
      const found = findAccessToken(cache({target: 'user.read'}, {expires_on: later, target: 'User.Read email'}), {...query, scopes: ['openid', 'profile', 'offline_access', 'User.Read']})
      expect(found?.expiresOn.getTime()).to.equal(Number(later) * 1000)
    })
  })

  describe('crypto', () => {
    it('opens what it sealed; a changed byte, another key or another context fails', async () => {
      const key = newKey()
      const box = seal(key, 'payload', 'ctx')
      expect(open(key, box, 'ctx')).to.equal('payload')
      expect(() => open(newKey(), box, 'ctx')).to.throw()
      expect(() => open(key, box, 'other ctx')).to.throw()
      const data = Buffer.from(box.data, 'base64')
      data[0] ^= 1
      expect(() => open(key, {...box, data: data.toString('base64')}, 'ctx')).to.throw()
      const params = newKdfParams(2 ** 10)
      expect((await deriveKey('pass', params)).equals(await deriveKey('pass', params))).to.equal(true)
      expect((await deriveKey('pass', params)).equals(await deriveKey('Pass', params))).to.equal(false)
    })
  })

  describe('Retry-After', () => {
    it('reads seconds and HTTP dates', () => {
      expect(retryAfterMs('3')).to.equal(3000)
      expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).to.equal(6000)
      expect(retryAfterMs('soon')).to.equal(undefined)
    })
  })

  describe('Entra errors', () => {
    it('turns an AADSTS error body into one line of advice naming the profile', () => {
      const error = adviceForEntraError({error: 'invalid_client', error_codes: [7000215], error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x'}, 'prod')
      expect(error?.message).to.equal("Authentication failed (AADSTS7000215): Invalid client secret: it is wrong or expired, or it is the secret's ID instead of its value. Store the new value with: entra-auth-cli config edit -p prod --client-secret-stdin.")
      expect(error?.exitCode).to.equal(4)
      const unknown = adviceForEntraError({error: 'invalid_request', error_description: 'AADSTS123456: Something new.\r\nTrace ID: y'})
      expect(unknown?.message).to.equal('Authentication failed (AADSTS123456): The identity provider refused the request. Something new.')
    })
  })

  describe('file lock', () => {
    let home: TestHome
    beforeEach(() => (home = new TestHome('lock-')))
    afterEach(() => home.cleanup())

    it('excludes a second holder until released', async () => {
      const path = join(home.root, 'x.lock')
      const release = await acquireLock(path)
      const started = Date.now()
      setTimeout(() => void release(), 300)
      const second = await acquireLock(path, {timeoutMs: 5000})
      expect(Date.now() - started).to.be.at.least(250)
      await second()
    })

    const record = (pid: number, holdUntil: number) => JSON.stringify({createdAt: Date.now(), holdUntil, host: hostname(), nonce: Math.random().toString(16).slice(2), pid})
    const deadPid = async () => {
      const child = spawn(process.execPath, ['-e', '0'])
      await new Promise((resolve) => child.on('close', resolve))
      return child.pid!
    }

    it('takes over a lock whose owner died, and one held past its hold time', async () => {
      const path = join(home.root, 'y.lock')
      writeFileSync(path, record(await deadPid(), Date.now() + 600_000))
      await (await acquireLock(path, {timeoutMs: 2000}))()
      writeFileSync(path, record(process.pid, Date.now() - 1))
      await (await acquireLock(path, {timeoutMs: 2000}))()
    })

    it('lets exactly one of many waiters take over a stale lock (no two holders at once)', async () => {
      const path = join(home.root, 'race.lock')
      const script = `
        const {acquireLock} = require(${JSON.stringify(join(ROOT, 'dist', 'base', 'file-lock.js'))})
        const fs = require('node:fs')
        ;(async () => {
          for (let i = 0; i < 15; i++) {
            const release = await acquireLock(${JSON.stringify(path)}, {pollMs: 5, timeoutMs: 30000})
            fs.appendFileSync(${JSON.stringify(path + '.log')}, 'in\\n')
            await new Promise((r) => setTimeout(r, 2))
            fs.appendFileSync(${JSON.stringify(path + '.log')}, 'out\\n')
            // Leave a stale lock behind now and then, as a killed process would.
            if (i % 5 === 4) fs.writeFileSync(${JSON.stringify(path)}, ${JSON.stringify(record(await deadPid(), Date.now() + 600_000))})
            else await release()
          }
        })()`
      const workers = Array.from({length: 5}, () => spawn(process.execPath, ['-e', script], {stdio: 'inherit'}))
      const codes = await Promise.all(workers.map((w) => new Promise((resolve) => w.on('close', resolve))))
      expect(codes).to.deep.equal([0, 0, 0, 0, 0])
      const log = readFileSync(path + '.log', 'utf8').trim().split('\n')
      expect(log).to.have.length(5 * 15 * 2)
      // Strictly alternating in/out means no two workers were ever inside together.
      log.forEach((line, i) => expect(line, `line ${i}`).to.equal(i % 2 === 0 ? 'in' : 'out'))
    })

    it('gives up with a message naming the lock file', async () => {
      const path = join(home.root, 'z.lock')
      const release = await acquireLock(path)
      try {
        await acquireLock(path, {timeoutMs: 200})
        expect.fail('should have timed out')
      } catch (error) {
        expect((error as Error).message).to.include(path)
      } finally {
        await release()
      }
    })
  })
})

describe('$BROWSER entries', () => {
  const url = 'https://login.example/authorize?a=1&b=2'
  let home: TestHome
  before(() => {
    home = new TestHome('entra-browser-')
  })
  after(() => home.cleanup())

  it('runs an entry that is an executable file as a whole, spaces and all (WSL: /mnt/c/Program Files/...)', () => {
    const dir = join(home.root, 'Program Files', 'Google Chrome')
    mkdirSync(dir, {recursive: true})
    const exe = join(dir, 'chrome.exe')
    writeFileSync(exe, '#!/bin/sh\n')
    chmodSync(exe, 0o755)
    expect(browserCommand(exe, url)).to.deep.equal({args: [url], file: exe})
    // Not executable: split like a shell would, so the first word is the program.
    chmodSync(exe, 0o644)
    expect(browserCommand(exe, url)).to.deep.equal({args: ['Files/Google', 'Chrome/chrome.exe', url], file: join(home.root, 'Program')})
  })

  it('splits other entries shell-style, honouring quotes; the URL replaces %s or comes last', () => {
    expect(browserCommand('"/opt/My Browser/run" --new-window %s', url)).to.deep.equal({args: ['--new-window', url], file: '/opt/My Browser/run'})
    expect(browserCommand("'/opt/My Browser/run' --app=%s --x", url)).to.deep.equal({args: [`--app=${url}`, '--x'], file: '/opt/My Browser/run'})
    expect(browserCommand('/opt/My\\ Browser/run -new-tab', url)).to.deep.equal({args: ['-new-tab', url], file: '/opt/My Browser/run'})
    expect(browserCommand('  lynx  ', url)).to.deep.equal({args: [url], file: 'lynx'})
    expect(browserCommand('"/opt/My Browser/run', url)).to.deep.equal({error: `$BROWSER entry '"/opt/My Browser/run' has a quote that is never closed`})
  })

  it('splits words like a POSIX shell and expands nothing', () => {
    expect(shellWords(`a "b c" 'd "e"' f\\ g "h\\"i" '' "$HOME" \`x\``)).to.deep.equal(['a', 'b c', 'd "e"', 'f g', 'h"i', '', '$HOME', '`x`'])
    expect(shellWords('"x\\y"')).to.deep.equal(['x\\y'])
    expect(shellWords("'open")).to.equal(undefined)
  })
})

describe('authority endpoints: only https on the authority\'s host, nothing a shell acts on', () => {
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
    expect(endpointProblem(`${good('authorize')}?client_id=x&state=a-b_c&scope=User.Read%20openid`, authority)).to.equal(undefined)
    expect(endpointProblem('https://LOGIN.microsoftonline.com:443/x', authority)).to.equal(undefined)
    expect(endpointProblem('https://evil.example/contoso/oauth2/v2.0/token', authority)).to.equal("is on evil.example, not on the authority's host login.microsoftonline.com")
    expect(endpointProblem('https://login.microsoftonline.com.evil.example/x', authority)).to.match(/^is on login\.microsoftonline\.com\.evil\.example,/)
    expect(endpointProblem('https://login.microsoftonline.com:8443/x', authority)).to.match(/^is on login\.microsoftonline\.com:8443,/)
    expect(endpointProblem('http://login.microsoftonline.com/x', authority)).to.equal('is not https (http:)')
    expect(endpointProblem('file:///etc/passwd', authority)).to.equal('is not https (file:)')
    for (const bad of ['$(calc)', '`calc`', '"', ' ', '\u001b[2J', '\n']) {
      expect(endpointProblem(`${good('authorize')}?x=${bad}`, authority), JSON.stringify(bad)).to.equal('contains whitespace, a control character, or one of " ` $')
    }
    expect(endpointProblem(undefined, authority)).to.equal('is missing')
    expect(endpointProblem('not a url', authority)).to.match(/^contains whitespace/)
    expect(endpointProblem('nonsense', authority)).to.equal('is not a URL')
    // Plain http only for a loopback authority, and only where the caller allows it (the browser launch).
    expect(endpointProblem('http://127.0.0.1:8080/t/authorize', 'http://127.0.0.1:8080/t')).to.equal('is not https (http:)')
    expect(endpointProblem('http://127.0.0.1:8080/t/authorize', 'http://127.0.0.1:8080/t', {loopbackHttp: true})).to.equal(undefined)
    expect(endpointProblem('http://example.com/t/authorize', 'http://example.com/t', {loopbackHttp: true})).to.equal('is not https (http:)')
  })

  it('refuses OpenID metadata whose endpoints leave the authority\'s host or are not https (ConfigError, exit 3)', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{token_endpoint: 'https://evil.example/t/oauth2/v2.0/token'}, /its token_endpoint 'https:\/\/evil\.example\/t\/oauth2\/v2\.0\/token' is on evil\.example, not on the authority's host/],
      [{authorization_endpoint: `${good('authorize')}?$(Start-Process calc)`}, /its authorization_endpoint '.*' contains whitespace, a control character, or one of " ` \$/],
      [{authorization_endpoint: 'http://login.microsoftonline.com/c/oauth2/v2.0/authorize'}, /its authorization_endpoint '.*' is not https/],
      [{device_authorization_endpoint: 'https://attacker.example/devicecode'}, /its device_authorization_endpoint '.*' is on attacker\.example/],
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
      expect((error as CliError).message).to.match(new RegExp(`^The OpenID metadata of ${authority.replaceAll('.', '\\.')} cannot be used: `))
      expect((error as CliError).message).to.match(message)
    }
    // Without a device endpoint (not every authority has one) the document is fine.
    const ok = await resolveAuthorityMetadata(home.cliHome, authority, stubHttp([documentWith({device_authorization_endpoint: undefined})]))
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

describe('run budget: the deadline a flow may extend', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('moves a default deadline later (the signal fires then, not before), never earlier, at most 15 minutes', async () => {
    const budget = new RunBudget(60, false)
    expect(budget.extend(400)).to.be.within(350, 400)
    await pause(150)
    expect(budget.signal.aborted, 'the first deadline was moved').to.equal(false)
    await pause(350)
    expect(budget.signal.aborted).to.equal(true)
    expect(budget.totalMs).to.be.within(390, 450)

    const long = new RunBudget(10_000, false)
    expect(long.extend(100), 'never earlier').to.be.above(9000)
    expect(long.extend(60 * 60_000), 'capped').to.be.at.most(MAX_EXTENSION_MS)
    expect(long.longestMs).to.equal(10_000 + MAX_EXTENSION_MS)
  })

  it('leaves a --timeout the user gave alone', async () => {
    const budget = new RunBudget(60, true)
    expect(budget.extend(400)).to.be.at.most(60)
    expect(budget.longestMs).to.equal(60)
    await pause(150)
    expect(budget.signal.aborted).to.equal(true)
  })
})

describe('HttpClient: what is retried, and for how long', () => {
  type Net = typeof import('../../src/net/http-client.js')
  type Reply = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void
  let net: Net
  let server: import('node:http').Server
  let origin: string
  let replies: Reply[]
  let received: string[]

  before(async () => {
    net = await import('../../src/net/http-client.js')
    const {createServer} = await import('node:http')
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => (body += d))
      req.on('end', () => {
        received.push(body)
        const reply = replies.shift() ?? ((_q, s) => s.writeHead(200, {'content-type': 'application/json'}).end('{"ok":true}'))
        reply(req, res, body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  beforeEach(() => {
    replies = []
    received = []
  })

  const status = (code: number, headers: Record<string, string> = {}): Reply => (_q, res) => res.writeHead(code, headers).end('{}')
  const reset: Reply = (req) => req.socket.destroy()
  const form = (grant: string) => ({body: new URLSearchParams({client_id: 'c', grant_type: grant}).toString()})

  async function failure(promise: Promise<unknown>): Promise<import('../../src/base/errors.js').NetworkError> {
    try {
      await promise
    } catch (error) {
      return error as import('../../src/base/errors.js').NetworkError
    }
    throw new Error('expected a failure')
  }

  it('never repeats an authorization-code or refresh-token redemption after a 5xx or a reset', async () => {
    replies = [status(503)]
    const error = await failure(new net.HttpClient().sendPostRequestAsync(`${origin}/token`, form('authorization_code')))
    expect(received).to.have.length(1)
    expect(error.exitCode).to.equal(5)
    expect(error.message).to.match(/answered HTTP 503 after 1 attempt\(s\) \(not retried: a sign-in code or refresh token can be redeemed only once\)/)
    replies = [reset]
    received = []
    await failure(new net.HttpClient().sendPostRequestAsync(`${origin}/token`, form('refresh_token')))
    expect(received).to.have.length(1)
  })

  it('repeats client-credentials requests, device-code polls and GETs after a 5xx or a reset', async () => {
    replies = [status(503), reset]
    const ok = await new net.HttpClient().sendPostRequestAsync<{ok: boolean}>(`${origin}/token`, form('client_credentials'))
    expect(ok.body.ok).to.equal(true)
    expect(received).to.have.length(3)
    replies = [status(502)]
    await new net.HttpClient().sendPostRequestAsync(`${origin}/token`, form('urn:ietf:params:oauth:grant-type:device_code'))
    replies = [status(500)]
    await new net.HttpClient().getJson(`${origin}/meta`)
    expect(net.isRepeatablePost(form('device_code').body)).to.equal(true)
    expect(net.isRepeatablePost(form('urn:ietf:params:oauth:grant-type:jwt-bearer').body)).to.equal(false)
  })

  it('fails at once, saying when to retry, when a 5xx asks for longer than it will wait', async () => {
    replies = [status(503, {'retry-after': '3600'})]
    const started = Date.now()
    const error = await failure(new net.HttpClient().getJson(`${origin}/meta`))
    expect(Date.now() - started).to.be.below(1000)
    expect(error.code).to.equal('HTTP_UNAVAILABLE')
    expect(error.message).to.match(/answered HTTP 503 and asked to retry in 1 h \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\), longer than the 1 min this command waits for a retry\. Try again then\.$/)
  })

  it('renders an HTTP-date Retry-After as a time, not as "... GMT s"', async () => {
    replies = [status(429, {'retry-after': new Date(Date.now() + 10 * 60_000).toUTCString()})]
    const error = await failure(new net.HttpClient().getJson(`${origin}/meta`))
    expect(error.message).to.match(/answered HTTP 429 and asked to retry in (9|10) min \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\)/)
    expect(error.message).not.to.include('GMT')
    expect(net.whenToRetry(90_000, 0)).to.match(/^in 1 min \(at /)
  })

  it('does not sleep past the caller deadline: a wait that does not fit fails at once (429 and 5xx)', async () => {
    for (const code of [429, 503]) {
      replies = [status(code, {'retry-after': '5'})]
      const started = Date.now()
      const error = await failure(new net.HttpClient({timeoutMs: 3000}).getJson(`${origin}/meta`))
      expect(Date.now() - started).to.be.below(1000)
      expect(error.message).to.match(new RegExp(`HTTP ${code} and asked to retry in 5 s .*longer than the time left before the timeout \\(--timeout\\)`))
    }
    replies = [status(503, {'retry-after': '1'})]
    expect((await new net.HttpClient({deadline: Date.now() + 10_000}).getJson(`${origin}/meta`)).status).to.equal(200)
  })

  it('calls a proxy refusing CONNECT a proxy problem, and only our own signal a timeout', () => {
    const refusal = Object.assign(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), {code: 'UND_ERR_ABORTED', name: 'AbortError'})
    const viaFetch = Object.assign(new TypeError('fetch failed'), {cause: refusal})
    for (const error of [refusal, viaFetch]) {
      const described = net.describeNetworkError(error, 'login.example:443', false)
      expect(described.code).to.equal('PROXY')
      expect(described.exitCode).to.equal(5)
      expect(described.message).to.match(/requires authentication \(HTTP 407\).*HTTPS_PROXY=http:\/\/user:pass@host:port/)
    }
    const forbidden = net.describeNetworkError(new Error('Proxy response (403) !== 200 when HTTP Tunneling'), 'h:443', false)
    expect(forbidden.message).to.match(/proxy refused to connect to h:443 \(HTTP 403\).*NO_PROXY/)
    const aborted = Object.assign(new Error('aborted'), {code: 'UND_ERR_ABORTED', name: 'AbortError'})
    expect(net.describeNetworkError(aborted, 'h:443', true).code).to.equal('TIMEOUT')
    expect(net.describeNetworkError(aborted, 'h:443', false).code).to.equal('NETWORK')
  })
})
