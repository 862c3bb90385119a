import {expect} from 'chai'
import {randomUUID} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import type {JWTPayload} from 'jose'
import {createCertificateAuthority, generateRsaKey, issueServerCertificate} from '../support/certs.js'
import {runShell, type CliResult} from '../support/cli.js'
import {startIdp, type Idp} from '../support/idp/index.js'
import {startWorld, type World} from '../support/world.js'

const now = () => Math.floor(Date.now() / 1000)
const signatureOf = (token: string) => token.split('.')[2]

/** Nothing the CLI prints may contain the token or its signature. */
function expectNoTokenIn(result: CliResult, token: string): void {
  for (const stream of [result.stdout, result.stderr]) {
    expect(stream).not.to.include(token)
    expect(stream).not.to.include(signatureOf(token))
  }
}

/** The one-line error contract: exactly one line on stderr, `Error: ...`, nothing on stdout. */
function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).to.equal(code)
  expect(result.stdout).to.equal('')
  expect(result.stderr).to.match(/^Error: [^\n]+\n$/)
  expect(result.stderr).to.match(pattern)
}

/** A forward proxy that answers every CONNECT with `status` (407: "Proxy Authentication Required"). */
async function startRefusingProxy(status: number): Promise<{url: string; connects(): number; stop(): Promise<void>}> {
  let connects = 0
  const server = createHttpServer((_req, res) => res.writeHead(status).end())
  server.on('connect', (_req, socket: import('node:net').Socket) => {
    connects += 1
    const reason = status === 407 ? 'Proxy Authentication Required' : 'Forbidden'
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    connects: () => connects,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}

describe('inspect (built CLI, tokens from the local identity provider)', function () {
  let idp: Idp
  let world: World
  let issuer: string

  before(async () => {
    idp = await startIdp()
    world = await startWorld({idp})
    issuer = idp.issuer(world.tenantId)
  })
  after(async () => {
    world.home.cleanup()
    await idp.stop()
  })
  beforeEach(async () => {
    if (!idp.running) await idp.start()
  })

  /** An app-only access token as Entra v2 issues it, with overrides. */
  function appClaims(overrides: JWTPayload = {}): JWTPayload {
    const t = now()
    return {
      aud: 'api://orders',
      iss: issuer,
      iat: t - 300,
      nbf: t - 300,
      exp: t + 3600,
      azp: world.clientId,
      idtyp: 'app',
      oid: randomUUID(),
      roles: ['Orders.Read', 'Orders.Write'],
      sub: randomUUID(),
      tid: world.tenantId,
      ver: '2.0',
      ...overrides,
    }
  }

  const inspect = (args: string[], input?: string) => world.cli(['inspect', ...args], {input})

  describe('reading', () => {
    it('prints exactly the claims on stdout and a summary on stderr, never the token', async () => {
      const claims = appClaims()
      const token = await idp.signToken(claims)
      const result = await inspect([token])
      expect(result.code, result.stderr).to.equal(0)
      expect(JSON.parse(result.stdout)).to.deep.equal(claims)
      expect(result.stdout).to.equal(`${JSON.stringify(claims, null, 2)}\n`)
      expect(result.stderr).to.include(`Header:     alg RS256, kid ${idp.signingKey.kid}, typ JWT\n`)
      expect(result.stderr).to.include(`Issuer:     ${issuer}\n`)
      expect(result.stderr).to.include('Audience:   api://orders\n')
      expect(result.stderr).to.include(`App:        ${world.clientId}\n`)
      expect(result.stderr).to.include('User:       none (app-only token)\n')
      expect(result.stderr).to.include('Roles:      Orders.Read, Orders.Write\n')
      expect(result.stderr).to.match(/Issued: {5}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\n/)
      expect(result.stderr).to.match(/Expires: {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(expires in 59 min\)\n/)
      expectNoTokenIn(result, token)
    })

    it('summarises a delegated (user) token: user, scopes, and how long ago it expired', async () => {
      const t = now()
      const claims = appClaims({
        exp: t - 3 * 3600 - 60,
        iat: t - 4 * 3600,
        idtyp: undefined,
        name: 'Ada Lovelace',
        nbf: t - 4 * 3600,
        preferred_username: 'ada@contoso.example',
        roles: undefined,
        scp: 'Orders.Read User.Read',
      })
      const result = await inspect([await idp.signToken(claims)])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('User:       Ada Lovelace <ada@contoso.example>\n')
      expect(result.stderr).to.include('Scopes:     Orders.Read User.Read\n')
      expect(result.stderr).to.match(/\(expired 3 h ago\)\n/)
    })

    it('reads from stdin (a pipe, or "-"), from -t and from -f, tolerating "Bearer ", quotes and line wrapping', async () => {
      const claims = appClaims()
      const token = await idp.signToken(claims)
      const wrapped = `  Bearer ${token.slice(0, 40)}\n${token.slice(40, 200)}\r\n${token.slice(200)}\n\n`
      const file = join(world.home.root, 'pasted.txt')
      writeFileSync(file, `"${token}"\n`)
      for (const [args, input] of [
        [[], wrapped],
        [['-'], `Authorization: Bearer ${token}`],
        [['-t', ` ${token} `], ''],
        [['-f', file], ''],
      ] as const) {
        const result = await inspect([...args], input)
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
        expect(JSON.parse(result.stdout)).to.deep.equal(claims)
        expectNoTokenIn(result, token)
      }
    })

    it('--silent leaves stderr empty; --json gives header, claims and expiry without the signature', async () => {
      const claims = appClaims()
      const token = await idp.signToken(claims)
      const silent = await inspect([token, '--silent'])
      expect(silent.code).to.equal(0)
      expect(silent.stderr).to.equal('')
      const before = Math.floor(Date.now() / 1000)
      const json = await inspect([token, '--json', '--silent'])
      const after = Math.ceil(Date.now() / 1000)
      const parsed = JSON.parse(json.stdout)
      expect(parsed.header).to.deep.equal({alg: 'RS256', kid: idp.signingKey.kid, typ: 'JWT'})
      expect(parsed.claims).to.deep.equal(claims)
      expect(parsed.expiresOn).to.equal(new Date((claims.exp as number) * 1000).toISOString())
      // Counted from when it ran: between the expiry seen at the end of the run and at its start.
      expect(parsed.secondsLeft).to.be.within((claims.exp as number) - after, (claims.exp as number) - before)
      expect(parsed.verified).to.equal(false)
      expect(parsed.issuerPinned).to.equal(false)
      expectNoTokenIn(json, token)
    })

    it('warns once that a token in the arguments shows in ps, unless piped, read from a file, or --silent', async () => {
      const claims = appClaims()
      const token = await idp.signToken(claims)
      const file = join(world.home.root, 'warn.txt')
      writeFileSync(file, token)
      const warning =
        /^Warning: a token on the command line can be read by other local users \(ps\) and is kept in shell history; pipe it in \(echo "\$TOKEN" \| entra-auth-cli inspect\) or use -f FILE\.$/m
      for (const args of [[token], ['-t', token]]) {
        const result = await inspect(args)
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stderr.match(new RegExp(warning.source, 'gm'))).to.have.length(1)
        expect(result.stderr.split('\n')[0]).to.match(warning)
        expect(JSON.parse(result.stdout)).to.deep.equal(claims)
        expectNoTokenIn(result, token)
      }
      for (const [args, input] of [
        [[], token],
        [['-'], token],
        [['-t', '-'], token],
        [['-f', file], ''],
      ] as const) {
        const result = await inspect([...args], input)
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stderr).not.to.match(/Warning/)
      }
      expect((await inspect([token, '--silent'])).stderr).to.equal('')
    })

    it('shows pipes and -f FILE in its help examples, never a token in the arguments', async () => {
      const help = await world.cli(['inspect', '--help'])
      expect(help.code).to.equal(0)
      expect(help.stdout).to.include('echo "$TOKEN" | entra-auth-cli inspect')
      expect(help.stdout).to.include('entra-auth-cli inspect -f token.txt')
      expect(help.stdout).not.to.match(/inspect "\$TOKEN"/)
    })

    it('keeps escape sequences a token carries off the terminal', async () => {
      const result = await inspect([await idp.signToken(appClaims({aud: 'api://x\u001b[2J\nFAKE: line'}))])
      expect(result.code).to.equal(0)
      expect(result.stderr).to.include('Audience:   api://x?[2J?FAKE: line\n')
      expect(result.stderr).not.to.include('\u001b')
    })

    it('reports opaque, encrypted and malformed tokens as "not a readable JWT" (exit 8) without echoing them', async () => {
      const opaque = `EwB4A8l6BAAUs5+HQn0N+h2FxWzLS31ZgQVuHsYAAU${'x'.repeat(300)}`
      const jwe = [
        'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ',
        'OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe',
        '48V1_ALb6US04U3b',
        '5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji',
        'XFBoMYUZodetZdvTiFvSkQ',
      ].join('.')
      const valid = await idp.signToken(appClaims())
      const cases: Array<[string, RegExp]> = [
        [opaque, /Not a readable JWT: the token is opaque .*Microsoft account \(MSA\)/],
        [jwe, /Not a readable JWT: .*encrypted token \(JWE\)/],
        [valid.split('.').slice(0, 2).join('.'), /expected three dot-separated parts .* found 2/],
        [`${valid.slice(0, 30)}*${valid.slice(31)}`, /not base64url/],
        ['bm90IGpzb24.e30.c2ln', /header is not base64url-encoded JSON/],
        [`${valid.split('.')[0]}.bm90IGpzb24.c2ln`, /payload is not a base64url-encoded JSON object/],
      ]
      for (const [input, pattern] of cases) {
        const result = await inspect([], input)
        expectOneLineError(result, 8, pattern)
        expect(result.stderr).not.to.include(input.slice(0, 40))
      }
    })

    it('says so when there is no token at all', async () => {
      expectOneLineError(await inspect([], ''), 8, /No token in stdin: it is empty/)
      expectOneLineError(
        await inspect(['-f', join(world.home.root, 'missing.txt')]),
        8,
        /No token in file .*missing\.txt: it does not exist/,
      )
    })

    it('rejects two sources, and --audience without --verify, as usage errors (exit 2)', async () => {
      const token = await idp.signToken(appClaims())
      expectOneLineError(await inspect([token, '-t', token]), 2, /one way only/)
      const dependent = await inspect([token, '--audience', 'api://orders'])
      expect(dependent.code).to.equal(2)
      expect(dependent.stderr).to.include('--verify')
    })
  })

  describe('--verify', () => {
    // Tokens go in through stdin, as the help recommends (an argument would add the ps warning to stderr).
    const verify = (token: string, extra: string[] = []) => inspect(['--verify', ...extra], token)

    it('passes a genuine token with the expected audience and issuer, then prints the claims', async () => {
      const claims = appClaims()
      const token = await idp.signToken(claims)
      const result = await verify(token, ['--audience', 'api://orders', '--issuer', issuer])
      expect(result.code, result.stderr).to.equal(0)
      expect(JSON.parse(result.stdout)).to.deep.equal(claims)
      expect(result.stderr).to.include(
        `✓ Verified: signature (kid ${idp.signingKey.kid}), lifetime, audience 'api://orders'; issuer as given.\n`,
      )
      expectNoTokenIn(result, token)
    })

    it('--json says verified only when the issuer was pinned too (a self-run issuer must not pass jq .verified)', async () => {
      const token = await idp.signToken(appClaims())
      const unpinned = await verify(token, ['--json', '--audience', 'api://orders'])
      expect(unpinned.code, unpinned.stderr).to.equal(0)
      expect(JSON.parse(unpinned.stdout)).to.include({issuerPinned: false, verified: false})
      expect(unpinned.stderr).to.include(
        `Not verified: signature (kid ${idp.signingKey.kid}), lifetime and audience 'api://orders' check out, but the issuer is not pinned and anyone can run an issuer; pass --issuer URL or -p PROFILE.\n`,
      )
      expect(unpinned.stderr).not.to.include('✓')
      const pinned = await verify(token, ['--json', '--issuer', issuer])
      expect(pinned.code, pinned.stderr).to.equal(0)
      expect(JSON.parse(pinned.stdout)).to.include({issuerPinned: true, verified: true})
      expect(pinned.stderr).to.include(
        `✓ Verified: signature (kid ${idp.signingKey.kid}), lifetime; issuer as given.\n`,
      )
      const help = await world.cli(['inspect', '--help'])
      expect(help.stdout.replace(/\s+/g, ' ')).to.include('verified is true only with --verify AND --issuer')
    })

    it('reports a proxy that refuses the CONNECT as a proxy problem, not a timeout (exit 5)', async () => {
      for (const [status, pattern] of [
        [
          407,
          /^Error: Cannot verify: the proxy refused to connect to 127\.0\.0\.1:\d+: it requires authentication \(HTTP 407\)\. Put the credentials in the proxy URL: HTTPS_PROXY=http:\/\/user:pass@host:port\.\n$/,
        ],
        [
          403,
          /^Error: Cannot verify: the proxy refused to connect to 127\.0\.0\.1:\d+ \(HTTP 403\)\. Check HTTPS_PROXY, and NO_PROXY/,
        ],
      ] as const) {
        const proxy = await startRefusingProxy(status)
        try {
          const started = Date.now()
          const result = await world.cli(['inspect', '--verify'], {
            extraEnv: {HTTPS_PROXY: proxy.url, NO_PROXY: undefined, no_proxy: undefined},
            input: await idp.signToken(appClaims()),
          })
          expectOneLineError(result, 5, pattern)
          expect(result.stderr).not.to.match(/did not answer in time/)
          expect(proxy.connects()).to.be.at.least(1)
          expect(Date.now() - started).to.be.below(5000)
        } finally {
          await proxy.stop()
        }
      }
    })

    it('allows 5 minutes of clock skew on exp, not more (exit 6)', async () => {
      const t = now()
      expect((await verify(await idp.signToken(appClaims({exp: t - 60})))).code).to.equal(0)
      const result = await verify(await idp.signToken(appClaims({exp: t - 3600, iat: t - 7200, nbf: t - 7200})))
      expectOneLineError(
        result,
        6,
        /^Error: Expiry check failed: the token expired 1 h ago \(.*\), beyond the 5 min allowed for clock skew\.\n$/,
      )
    })

    it('reports a token that is not valid yet (exit 7)', async () => {
      const t = now()
      const result = await verify(await idp.signToken(appClaims({iat: t, nbf: t + 3600, exp: t + 7200})))
      expectOneLineError(result, 7, /Not-before check failed: the token is not valid until .* \(in 59 min\)/)
    })

    describe('-p PROFILE pins the issuer from the profile', () => {
      before(async () => {
        expect((await world.createProfile('orders')).code).to.equal(0)
        // The same tenant named by its domain: the GUID comes from the authority's OpenID metadata.
        const byDomain = await world.createProfile('orders-domain', [], {authority: idp.origin, tenantId: world.domain})
        expect(byDomain.code, byDomain.stderr).to.equal(0)
      })

      it("verifies a genuine token against the issuer of the profile's authority and tenant (GUID or domain)", async () => {
        const token = await idp.signToken(appClaims())
        for (const profile of ['orders', 'orders-domain']) {
          const result = await verify(token, ['-p', profile, '--json', '--audience', 'api://orders'])
          expect(result.code, result.stderr).to.equal(0)
          expect(JSON.parse(result.stdout)).to.include({issuerPinned: true, verified: true})
          expect(result.stderr).to.include(
            `✓ Verified: signature (kid ${idp.signingKey.kid}), lifetime, audience 'api://orders'; issuer of profile '${profile}'.\n`,
          )
          expectNoTokenIn(result, token)
        }
      })

      it('fails a token of another tenant before contacting anyone (exit 9)', async () => {
        const other = randomUUID()
        idp.resetCounts()
        const result = await verify(await idp.signToken(appClaims({iss: idp.issuer(other), tid: other})), [
          '-p',
          'orders',
        ])
        expectOneLineError(
          result,
          9,
          new RegExp(`Issuer check failed: the token was issued by '${idp.issuer(other)}', not '${issuer}'\\.`),
        )
        expect(idp.requestCount()).to.equal(0)
      })

      it('is a usage error with --issuer, without --verify, or for an unknown profile (exit 2, 2, 3)', async () => {
        const token = await idp.signToken(appClaims())
        expect((await verify(token, ['-p', 'orders', '--issuer', issuer])).code).to.equal(2)
        expect((await inspect(['-p', 'orders'], token)).code).to.equal(2)
        expect((await verify(token, ['-p', 'missing'])).code).to.equal(3)
      })
    })

    it('reports the wrong audience (exit 9)', async () => {
      const result = await verify(await idp.signToken(appClaims()), ['--audience', 'api://billing'])
      expectOneLineError(result, 9, /Audience check failed: the token is for 'api:\/\/orders', not 'api:\/\/billing'\./)
    })

    it('reports the wrong issuer before contacting anyone (exit 9)', async () => {
      idp.resetCounts()
      const result = await verify(await idp.signToken(appClaims()), [
        '--issuer',
        'https://login.microsoftonline.com/another-tenant/v2.0',
      ])
      expectOneLineError(
        result,
        9,
        /Issuer check failed: the token was issued by '.*', not 'https:\/\/login\.microsoftonline\.com\/another-tenant\/v2\.0'\./,
      )
      expect(idp.requestCount()).to.equal(0)
    })

    it('detects a tampered payload and a tampered signature (exit 9)', async () => {
      const [header, , signature] = (await idp.signToken(appClaims())).split('.')
      const elevated = Buffer.from(JSON.stringify(appClaims({roles: ['Orders.Admin']}))).toString('base64url')
      const tamperedPayload = `${header}.${elevated}.${signature}`
      const genuine = await idp.signToken(appClaims())
      const sig = signatureOf(genuine)
      const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`
      const tamperedSignature = `${genuine.split('.').slice(0, 2).join('.')}.${flipped}`
      for (const token of [tamperedPayload, tamperedSignature]) {
        const result = await verify(token)
        expectOneLineError(
          result,
          9,
          /^Error: Signature check failed: the signature does not match the token's header and payload/,
        )
        expectNoTokenIn(result, token)
      }
    })

    it('detects a forged token: right kid, another key (exit 9)', async () => {
      const token = await idp.signToken(appClaims(), {privateKey: generateRsaKey().keyPem})
      expectOneLineError(await verify(token), 9, /Signature check failed: the signature does not match/)
    })

    it('reports an unknown kid (exit 9)', async () => {
      const result = await verify(await idp.signToken(appClaims(), {kid: 'rotated-away-key'}))
      expectOneLineError(
        result,
        9,
        /Signature check failed: unknown key: no key with kid 'rotated-away-key' in the issuer's JWKS \(https:\/\/127\.0\.0\.1:\d+\/.*\/discovery\/v2\.0\/keys\)/,
      )
    })

    it('refuses unsigned tokens and HMAC algorithms without asking the network (exit 9)', async () => {
      idp.resetCounts()
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const unsigned = `${b64({alg: 'none', typ: 'JWT'})}.${b64(appClaims())}.`
      expectOneLineError(await verify(unsigned), 9, /Signature check failed: the token is unsigned/)
      const hmac = `${b64({alg: 'HS256', typ: 'JWT'})}.${b64(appClaims())}.c2lnbmF0dXJl`
      expectOneLineError(await verify(hmac), 9, /Algorithm check failed: 'HS256' is not accepted/)
      expect(idp.requestCount()).to.equal(0)
    })

    it('reports an issuer that cannot be reached (exit 5)', async () => {
      const token = await idp.signToken(appClaims())
      await idp.stop()
      try {
        const result = await verify(token)
        expectOneLineError(
          result,
          5,
          /Cannot verify: the issuer's OpenID metadata at https:\/\/127\.0\.0\.1:\d+\/.*\/v2\.0\/\.well-known\/openid-configuration is unreachable \(connection refused/,
        )
      } finally {
        await idp.start()
      }
    })

    it('reports an untrusted TLS certificate with the NODE_EXTRA_CA_CERTS advice (exit 5)', async () => {
      const result = await world.cli(['inspect', '--verify'], {
        extraEnv: {NODE_EXTRA_CA_CERTS: undefined},
        input: await idp.signToken(appClaims()),
      })
      expectOneLineError(result, 5, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted .*NODE_EXTRA_CA_CERTS/)
    })

    /**
     * The provider serves metadata and keys together, so "metadata up, key set down" needs an issuer of our own
     * whose metadata points jwks_uri elsewhere. It is trusted with its own CA, next to the provider's.
     */
    describe('with the JWKS endpoint down', () => {
      let server: Server
      let splitIssuer: string
      let jwksUri: string
      let caFile: string

      before(async () => {
        const ca = createCertificateAuthority('inspect test issuer CA')
        const tls = issueServerCertificate(ca)
        server = createServer({cert: tls.certPem, key: tls.keyPem}, (req, res) => {
          if (req.url === '/split/v2.0/.well-known/openid-configuration') {
            res
              .writeHead(200, {'content-type': 'application/json'})
              .end(JSON.stringify({issuer: splitIssuer, jwks_uri: jwksUri}))
          } else if (req.url === '/split/keys-500') {
            res.writeHead(500).end('boom')
          } else res.writeHead(404).end()
        })
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
        splitIssuer = `${origin}/split/v2.0`
        caFile = join(world.home.root, 'both-cas.pem')
        writeFileSync(caFile, `${idp.caCertPem}\n${ca.certPem}`)
      })
      after(() => new Promise<void>((resolve) => server.close(() => resolve())))

      async function closedPort(): Promise<number> {
        const probe = createServer()
        await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
        const {port} = probe.address() as AddressInfo
        await new Promise<void>((resolve) => probe.close(() => resolve()))
        return port
      }

      const verifySplit = async () =>
        world.cli(['inspect', '--verify'], {
          extraEnv: {NODE_EXTRA_CA_CERTS: caFile},
          input: await idp.signToken(appClaims({iss: splitIssuer})),
        })

      it('reports an unreachable key set (exit 5)', async () => {
        jwksUri = `https://127.0.0.1:${await closedPort()}/split/keys`
        expectOneLineError(
          await verifySplit(),
          5,
          /Cannot verify: the issuer's JWKS at https:\/\/127\.0\.0\.1:\d+\/split\/keys is unreachable \(connection refused/,
        )
      })

      it('reports a key set that answers with an error (exit 5)', async () => {
        jwksUri = `${new URL(splitIssuer).origin}/split/keys-500`
        expectOneLineError(
          await verifySplit(),
          5,
          /Cannot verify: the issuer's JWKS at .*\/split\/keys-500 is unusable \(Expected 200 OK/,
        )
      })

      it('verifies against keys published on another host once the key set is back', async () => {
        jwksUri = `${idp.origin}/${world.tenantId}/discovery/v2.0/keys`
        const result = await verifySplit()
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stderr).to.match(
          /^Not verified: signature \(kid .*\) and lifetime check out, but the issuer is not pinned and anyone can run an issuer; pass --issuer URL or -p PROFILE\.$/m,
        )
        expect(result.stderr).not.to.include('✓ Verified')
      })
    })
  })

  it('reads the token get-token prints: get-token -p X --silent | entra-auth-cli inspect', async () => {
    expect((await world.createProfile('piped')).code).to.equal(0)
    const result = await runShell(
      'set -o pipefail; entra-auth-cli get-token -p piped --silent | entra-auth-cli inspect',
      world.env(),
      world.home.root,
    )
    expect(result.code, result.stderr).to.equal(0)
    const claims = JSON.parse(result.stdout)
    expect(claims.iss).to.equal(issuer)
    expect(claims.appid).to.equal(world.clientId)
    expect(claims.aud).to.equal('https://graph.microsoft.com')
    expect(result.stderr).to.include(`Issuer:     ${issuer}\n`)
    expect(result.stderr).to.include('Roles:      Data.Read\n')
    expect(result.stderr).to.match(/\(expires in 59 min\)\n$/)
  })
})
