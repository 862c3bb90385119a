import {expect} from 'chai'
import {createLocalJWKSet, decodeJwt, jwtVerify} from 'jose'
import {statSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createClientCertificate} from '../support/certs.js'
import type {Idp} from '../support/idp/index.js'
import {startForwardProxy} from '../support/forward-proxy.js'
import {spawnCli} from '../support/cli.js'
import {useWorld, type World} from '../support/world.js'

const TOKEN_REQUESTS = '/oauth2/v2.0/token'

describe('get-token with ClientCredentials (built CLI against the local identity provider)', function () {
  const suite = useWorld()
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  async function verify(token: string) {
    const {payload} = await jwtVerify(token, createLocalJWKSet(idp.jwks), {issuer: idp.issuer(world.tenantId)})
    return payload
  }

  it('gets a token with a client secret: the token alone on stdout, status on stderr', async () => {
    expect((await world.createProfile('app')).code).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code, result.stderr).to.equal(0)
    const token = result.stdout.trim()
    expect(result.stdout).to.equal(`${token}\n`)
    const claims = await verify(token)
    expect(claims.appid).to.equal(world.clientId)
    expect(claims.aud).to.equal('https://graph.microsoft.com')
    expect(result.stderr).to.equal("Authenticating with profile 'app'...\n✓ Token acquired successfully\n")
    expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['secret'])
  })

  it('gets a token with a password-protected PFX carrying its chain (x5c)', async () => {
    const cert = createClientCertificate({chain: true, commonName: 'entra-auth-cli-test', password: 'pfx-pass'})
    idp.registerApp({certificatePem: cert.certPem, clientId: world.clientId, tenantId: world.tenantId})
    const pfx = join(world.home.root, 'app.pfx')
    writeFileSync(pfx, cert.pfx)
    const created = await world.createProfile('cert', ['--certificate', pfx, '--certificate-password-stdin'], {
      secret: 'pfx-pass',
    })
    expect(created.code, created.stderr).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'cert', '--silent'])
    expect(result.code, result.stderr).to.equal(0)
    expect((await verify(result.stdout.trim())).appid).to.equal(world.clientId)
    expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['assertion'])
  })

  it('gets a token with a PEM holding certificate and key', async () => {
    const cert = createClientCertificate({commonName: 'pem-client'})
    idp.registerApp({certificatePem: cert.certPem, clientId: world.clientId, tenantId: world.tenantId})
    const pem = join(world.home.root, 'app.pem')
    writeFileSync(pem, `${cert.certPem}\n${cert.keyPem}`)
    expect((await world.createProfile('pem', ['--certificate', pem])).code).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'pem', '--silent'])
    expect(result.code, result.stderr).to.equal(0)
    expect(idp.tokenRequests().map((r) => r.clientAuth)).to.deep.equal(['assertion'])
  })

  it('explains a wrong secret (AADSTS7000215) in one line, exit 4, without echoing the secret', async () => {
    await world.createProfile('bad', [], {secret: 'not-the-secret-value'})
    const result = await world.cli(['get-token', '-p', 'bad'])
    expect(result.code).to.equal(4)
    expect(result.stdout).to.equal('')
    const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('Error:'))
    expect(errorLines).to.have.length(1)
    expect(errorLines[0]).to.match(
      /^Error: Authentication failed \(AADSTS7000215\): Invalid client secret.*config edit -p bad --client-secret-stdin/,
    )
    expect(result.stderr).not.to.include('not-the-secret-value')
  })

  it('says "Profile not found" with a config list hint, exit 3', async () => {
    const result = await world.cli(['get-token', '-p', 'nope'])
    expect(result.code).to.equal(3)
    expect(result.stderr).to.equal(
      "Error: Profile 'nope' not found. Run 'entra-auth-cli config list' to see profiles, or 'entra-auth-cli config create' to add one.\n",
    )
  })

  it('--silent prints the token and nothing else', async () => {
    await world.createProfile('app')
    const result = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(result.code).to.equal(0)
    expect(result.stderr).to.equal('')
    expect(result.stdout.trim().split('.')).to.have.length(3)
  })

  it('--json prints {accessToken, expiresOn, tokenType, scopes}', async () => {
    await world.createProfile('app')
    const result = await world.cli(['get-token', '-p', 'app', '--json'])
    expect(result.code).to.equal(0)
    const json = JSON.parse(result.stdout)
    expect(Object.keys(json)).to.deep.equal(['accessToken', 'expiresOn', 'tokenType', 'scopes'])
    expect(json.tokenType).to.equal('Bearer')
    expect(json.scopes).to.deep.equal(['https://graph.microsoft.com/.default'])
    expect(json.expiresOn).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    // msal computes expiresOn as its own clock + expires_in, so it may differ from the JWT's exp by a second.
    expect(new Date(json.expiresOn).getTime() / 1000).to.be.closeTo(decodeJwt(json.accessToken).exp!, 3)
  })

  it('-o FILE writes the token with mode 0600 and says so on stderr', async () => {
    await world.createProfile('app')
    const file = join(world.home.root, 'token.txt')
    const result = await world.cli(['get-token', '-p', 'app', '-o', file])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.include(`✓ Token saved to ${file}\n`)
    expect(statSync(file).mode & 0o777).to.equal(0o600)
    expect(readFileSync(file, 'utf8').trim().split('.')).to.have.length(3)
  })

  it('parses --scope given space- or comma-separated and sends it as requested', async () => {
    await world.createProfile('app')
    const single = await world.cli(['get-token', '-p', 'app', '--silent', '--scope', 'api://orders/.default'])
    expect(single.code, single.stderr).to.equal(0)
    expect(decodeJwt(single.stdout.trim()).aud).to.equal('api://orders')
    const two = await world.cli(['get-token', '-p', 'app', '--scope', 'api://a/.default,api://b/.default'])
    expect(two.code).to.equal(4)
    expect(two.stderr).to.include('AADSTS70011')
    expect(idp.tokenRequests().map((r) => r.scope)).to.deep.equal([
      'api://orders/.default',
      'api://a/.default api://b/.default',
    ])
  })

  it('serves a cache hit with zero requests, and still with the identity provider stopped', async () => {
    await world.createProfile('app')
    const first = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(idp.requestCount(TOKEN_REQUESTS)).to.equal(1)
    idp.resetCounts()
    const second = await world.cli(['get-token', '-p', 'app'])
    expect(second.stdout).to.equal(first.stdout)
    expect(second.stderr).to.equal("Authenticating with profile 'app'...\n✓ Token acquired successfully (from cache)\n")
    expect(idp.requestCount()).to.equal(0)
    await idp.stop()
    const offline = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(offline.code, offline.stderr).to.equal(0)
    expect(offline.stdout).to.equal(first.stdout)
  })

  it('a warm acquisition (metadata cached) is exactly one token request; --force skips the cache', async () => {
    await world.createProfile('app')
    await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(idp.requestCount()).to.equal(2) // openid-configuration + token
    idp.resetCounts()
    const forced = await world.cli(['get-token', '-p', 'app', '--silent', '--force'])
    expect(forced.code).to.equal(0)
    expect(idp.counts()).to.deep.equal({[`POST /${world.tenantId}${TOKEN_REQUESTS}`]: 1})
  })

  it('does not serve a token that expires within 5 minutes', async () => {
    idp.setTokenLifetime(120)
    await world.createProfile('app')
    await world.cli(['get-token', '-p', 'app', '--silent'])
    await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(idp.requestCount(TOKEN_REQUESTS)).to.equal(2)
  })

  it('10 concurrent cold processes for one profile make exactly one token request', async () => {
    await world.createProfile('app')
    const results = await Promise.all(Array.from({length: 10}, () => world.cli(['get-token', '-p', 'app', '--silent'])))
    for (const r of results) expect(r.code, r.stderr).to.equal(0)
    expect(new Set(results.map((r) => r.stdout)).size).to.equal(1)
    expect(idp.requestCount(TOKEN_REQUESTS)).to.equal(1)
  })

  it('recovers from a corrupt cache file: warns once, gets a new token, rewrites the cache', async () => {
    await world.createProfile('app')
    await world.cli(['get-token', '-p', 'app', '--silent'])
    const cacheFile = join(world.home.cliHome, 'cache', 'app.cache')
    writeFileSync(cacheFile, '{"version":1,"garbage')
    const recovered = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(recovered.code).to.equal(0)
    expect(recovered.stderr).to.equal(
      "Warning: The token cache of profile 'app' could not be read (the file is damaged); starting a fresh one.\n",
    )
    const again = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(again.stderr).to.equal('')
    expect(again.stdout).to.equal(recovered.stdout)
    expect(idp.requestCount(TOKEN_REQUESTS)).to.equal(2)
  })

  it('takes over a lock left by a killed process', async () => {
    await world.createProfile('app')
    const lock = join(world.home.cliHome, 'cache', 'app.lock')
    const {mkdirSync} = await import('node:fs')
    mkdirSync(join(world.home.cliHome, 'cache'), {recursive: true})
    const dead = spawnCli(['--version'])
    await new Promise((resolve) => dead.on('close', resolve))
    const owner = {
      createdAt: Date.now(),
      holdUntil: Date.now() + 600_000,
      host: (await import('node:os')).hostname(),
      nonce: 'killed',
      pid: dead.pid,
    }
    writeFileSync(lock, JSON.stringify(owner))
    const started = Date.now()
    const result = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(result.code, result.stderr).to.equal(0)
    expect(Date.now() - started).to.be.below(10_000)
  })

  it('retries a 503 and succeeds', async () => {
    await world.createProfile('app')
    idp.injectFault({status: 503})
    const result = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(result.code, result.stderr).to.equal(0)
    expect(idp.tokenRequests().map((r) => r.status)).to.deep.equal([503, 200])
  })

  it('waits for Retry-After on 429, then succeeds', async () => {
    await world.createProfile('app')
    idp.injectFault({retryAfterSeconds: 2, status: 429})
    const started = Date.now()
    const result = await world.cli(['get-token', '-p', 'app', '--silent'])
    expect(result.code, result.stderr).to.equal(0)
    expect(Date.now() - started).to.be.at.least(2000)
    expect(idp.tokenRequests().map((r) => r.status)).to.deep.equal([429, 200])
  })

  it('gives up after repeated 5xx with exit 5 and advice', async () => {
    await world.createProfile('app')
    idp.injectFault({status: 500, times: 5})
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code).to.equal(5)
    expect(result.stderr).to.match(
      /Error: The identity provider at 127\.0\.0\.1:\d+ answered HTTP 500 after 3 attempt\(s\)\. Try again later\.\n$/,
    )
  })

  it('reports malformed JSON from the provider as exit 5', async () => {
    await world.createProfile('app')
    idp.injectFault({malformedJson: true})
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code).to.equal(5)
    expect(result.stderr).to.include('unreadable response')
  })

  it('--timeout bounds the whole acquisition (exit 5)', async () => {
    await world.createProfile('app')
    idp.injectFault({delayMs: 5000})
    const started = Date.now()
    const result = await world.cli(['get-token', '-p', 'app', '--timeout', '1s'])
    expect(result.code).to.equal(5)
    expect(result.stderr).to.match(/did not answer in time|Timed out/)
    expect(Date.now() - started).to.be.below(4500)
  })

  it('explains an untrusted TLS certificate with the NODE_EXTRA_CA_CERTS hint', async () => {
    await world.createProfile('app')
    const result = await world.cli(['get-token', '-p', 'app'], {extraEnv: {NODE_EXTRA_CA_CERTS: undefined}})
    expect(result.code).to.equal(5)
    expect(result.stderr).to.match(/not trusted .*NODE_EXTRA_CA_CERTS/)
  })

  it('explains a refused connection', async () => {
    await world.createProfile('app')
    await idp.stop()
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code).to.equal(5)
    expect(result.stderr).to.match(/connection refused/)
  })

  it('explains an unknown tenant (AADSTS90002)', async () => {
    const created = await world.createProfile('lost', [], {
      authority: idp.origin,
      secret: 'x',
      tenantId: 'nosuch.example',
    })
    expect(created.code, created.stderr).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'lost'])
    expect(result.code).to.equal(4)
    expect(result.stderr).to.match(/AADSTS90002\): The tenant was not found/)
  })

  it('explains an unknown application (AADSTS700016)', async () => {
    const created = await world.createProfile('ghost', [], {
      clientId: '00000000-0000-0000-0000-00000000abcd',
      secret: 'x',
    })
    expect(created.code).to.equal(0)
    const result = await world.cli(['get-token', '-p', 'ghost'])
    expect(result.code).to.equal(4)
    expect(result.stderr).to.include('AADSTS700016')
  })

  it('uses AZURE_CLIENT_SECRET when the profile has no stored secret', async () => {
    const created = await world.createProfile('env', [], {secret: null})
    expect(created.code, created.stderr).to.equal(0)
    const missing = await world.cli(['get-token', '-p', 'env'])
    expect(missing.code).to.equal(3)
    expect(missing.stderr).to.include('AZURE_CLIENT_SECRET')
    // Only for the app it was meant for: without a matching AZURE_CLIENT_ID the secret is not sent anywhere.
    const otherApp = await world.cli(['get-token', '-p', 'env'], {
      extraEnv: {AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001', AZURE_CLIENT_SECRET: world.clientSecret},
    })
    expect(otherApp.code).to.equal(3)
    expect(otherApp.stderr).to.include(`set AZURE_CLIENT_ID=${world.clientId} to use it for this profile`)
    expect(idp.tokenRequests()).to.deep.equal([])
    // The local provider is not a Microsoft cloud: AZURE_AUTHORITY_HOST says the secret may go there.
    const result = await world.cli(['get-token', '-p', 'env', '--silent'], {
      extraEnv: {
        AZURE_AUTHORITY_HOST: idp.origin,
        AZURE_CLIENT_ID: world.clientId,
        AZURE_CLIENT_SECRET: world.clientSecret,
      },
    })
    expect(result.code, result.stderr).to.equal(0)
  })

  it('sends the token request through HTTPS_PROXY', async () => {
    const proxy = await startForwardProxy()
    try {
      await world.createProfile('app')
      const result = await world.cli(['get-token', '-p', 'app', '--silent'], {extraEnv: {HTTPS_PROXY: proxy.url}})
      expect(result.code, result.stderr).to.equal(0)
      expect(proxy.connectCount()).to.be.at.least(1)
      expect(proxy.targets()).to.include(idp.host)
    } finally {
      await proxy.stop()
    }
  })

  it('rejects an unknown flow with the installed ones listed (exit 2)', async () => {
    await world.createProfile('app')
    const result = await world.cli(['get-token', '-p', 'app', '-f', 'Telepathy'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.match(
      /^Error: Unknown flow 'Telepathy'\. Installed flows: .*ClientCredentials.*; pass one of them with -f\.\n$/,
    )
  })

  it('fails at once, saying when to retry, when a 503 asks to wait longer than it will (exit 5, not a timeout)', async () => {
    await world.createProfile('app')
    idp.injectFault({retryAfterSeconds: 3600, status: 503})
    const started = Date.now()
    const result = await world.cli(['get-token', '-p', 'app'])
    expect(result.code, result.stderr).to.equal(5)
    expect(Date.now() - started).to.be.below(10_000)
    expect(result.stderr).to.match(
      /Error: The identity provider at 127\.0\.0\.1:\d+ answered HTTP 503 and asked to retry in 1 h \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\), longer than the 1 min this command waits for a retry\. Try again then\.\n$/,
    )
    expect(result.stderr).not.to.match(/did not answer in time|Timed out/)
    expect(idp.tokenRequests().map((r) => r.status)).to.deep.equal([503])
  })

  it('reports a proxy that refuses the CONNECT (407, 403) as a proxy problem with advice, not a timeout (exit 5)', async () => {
    await world.createProfile('app')
    for (const [status, pattern] of [
      [
        407,
        /Error: The proxy refused to connect to 127\.0\.0\.1:\d+: it requires authentication \(HTTP 407\)\. Put the credentials in the proxy URL: HTTPS_PROXY=http:\/\/user:pass@host:port\.\n$/,
      ],
      [
        403,
        /Error: The proxy refused to connect to 127\.0\.0\.1:\d+ \(HTTP 403\)\. Check HTTPS_PROXY, and NO_PROXY if 127\.0\.0\.1:\d+ should be reached directly\.\n$/,
      ],
    ] as const) {
      // A tiny proxy of our own: the shared forward proxy has no way to refuse.
      const {createServer} = await import('node:http')
      let connects = 0
      const proxy = createServer((_req, res) => res.writeHead(status).end())
      proxy.on('connect', (_req, socket: import('node:net').Socket) => {
        connects += 1
        socket.end(
          `HTTP/1.1 ${status} Refused\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        )
      })
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
      try {
        const url = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`
        const started = Date.now()
        const result = await world.cli(['get-token', '-p', 'app'], {
          extraEnv: {HTTPS_PROXY: url, NO_PROXY: undefined, no_proxy: undefined},
        })
        expect(result.code, result.stderr).to.equal(5)
        expect(result.stderr).to.match(pattern)
        expect(result.stderr).not.to.match(/did not answer in time|Timed out/)
        expect(connects).to.be.at.least(1)
        expect(Date.now() - started).to.be.below(10_000)
      } finally {
        proxy.closeAllConnections()
        await new Promise<void>((resolve) => proxy.close(() => resolve()))
      }
    }
  })
})
