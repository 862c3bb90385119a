import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {readFileSync, writeFileSync} from 'node:fs'
import {acquireLock} from '../../src/core/file-lock.js'
import {deriveKey, newKdfParams, newKey, open, seal} from '../../src/core/crypto.js'
import {retryAfterMs} from '../../src/core/network.js'
import {authorityUrl, normalizeAuthority, parseScopes} from '../../src/core/profile.js'
import {findAccessToken} from '../../src/core/token-cache.js'
import {adviceForEntraError} from '../../src/core/entra-errors.js'
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
        const {acquireLock} = require(${JSON.stringify(join(ROOT, 'dist', 'core', 'file-lock.js'))})
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
