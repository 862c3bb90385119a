/**
 * Proves the local identity provider (test/support/idp) against the real @azure/msal-node, in-process:
 * if msal accepts its metadata, tokens and errors, the CLI's tests against it say something about Entra.
 */
import {spawn} from 'node:child_process'
import {X509Certificate, createPrivateKey, randomBytes, randomUUID} from 'node:crypto'
import {once} from 'node:events'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createSecureContext} from 'node:tls'
import {createInterface} from 'node:readline'
import {ConfidentialClientApplication, ServerError, type Configuration} from '@azure/msal-node'
import {expect} from 'chai'
import {
  SignJWT,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose'
import forge from 'node-forge'
import {Agent, fetch} from 'undici'
import {createClientCertificate, type ClientCertificate} from '../certs.js'
import {ROOT} from '../cli.js'
import {startForwardProxy, type ForwardProxy} from '../forward-proxy.js'
import {startIdp, type Idp} from './index.js'
import {createTrustingNetworkClient, type TrustingNetworkClient} from './network-client.js'

const GRAPH = 'https://graph.microsoft.com/.default'

describe('local Entra-compatible identity provider (with real msal-node)', function () {
  this.timeout(20000)

  let idp: Idp
  let net: TrustingNetworkClient
  let agent: Agent
  const tenantId = randomUUID()
  const domain = 'contoso.example'
  const secretApp = {clientId: randomUUID(), secret: randomBytes(30).toString('base64url')}
  const certAppId = randomUUID()
  let cert: ClientCertificate
  let strangerCert: ClientCertificate

  before(async () => {
    idp = await startIdp()
    idp.registerTenant(tenantId, [domain])
    idp.registerApp({
      tenantId,
      clientId: secretApp.clientId,
      clientSecret: secretApp.secret,
      roles: ['Files.Read.All', 'User.Read.All'],
    })
    cert = createClientCertificate({commonName: 'cert-app', password: 'pfx-pass', chain: true})
    strangerCert = createClientCertificate({commonName: 'not-registered'})
    idp.registerApp({tenantId, clientId: certAppId, certificatePem: cert.certPem})
    net = createTrustingNetworkClient(idp.caCertPem)
    agent = new Agent({connect: {ca: idp.caCertPem}})
  })

  beforeEach(() => {
    idp.resetCounts()
    idp.clearFaults()
    idp.setTokenLifetime(3599)
  })

  after(async () => {
    await net?.close()
    await agent?.close()
    await idp?.stop()
  })

  function app(
    auth: Partial<Configuration['auth']> & {clientId: string},
    network: TrustingNetworkClient = net,
  ): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: {authority: idp.authority(tenantId), knownAuthorities: [idp.host], ...auth},
      system: {networkClient: network},
    })
  }

  const secretClient = (auth: Partial<Configuration['auth']> = {}): ConfidentialClientApplication =>
    app({clientId: secretApp.clientId, clientSecret: secretApp.secret, ...auth})

  async function getJson<T>(url: string): Promise<{status: number; headers: Headers; body: T}> {
    const res = await fetch(url, {dispatcher: agent})
    return {status: res.status, headers: res.headers as unknown as Headers, body: (await res.json()) as T}
  }

  async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const started = Date.now()
    const res = await fetch(url, {
      method: 'POST',
      dispatcher: agent,
      headers: {'content-type': 'application/x-www-form-urlencoded', ...headers},
      body: new URLSearchParams(form).toString(),
    })
    return {status: res.status, headers: res.headers, text: await res.text(), ms: Date.now() - started}
  }

  async function verifyWithJwks(token: string, audience: string) {
    const config = await getJson<{jwks_uri: string}>(`${idp.authority(tenantId)}/v2.0/.well-known/openid-configuration`)
    const jwks = await getJson<JSONWebKeySet>(config.body.jwks_uri)
    return jwtVerify(token, createLocalJWKSet(jwks.body), {
      issuer: idp.issuer(tenantId),
      audience,
      algorithms: ['RS256'],
    })
  }

  async function expectServerError(promise: Promise<unknown>, code: number, error: string): Promise<ServerError> {
    try {
      await promise
    } catch (e) {
      expect(e, String(e)).to.be.instanceOf(ServerError)
      const err = e as ServerError
      expect(err.errorCode).to.equal(error)
      // msal types errorNo as string but passes the number from error_codes through.
      expect(String(err.errorNo)).to.equal(String(code))
      expect(err.message).to.contain(`AADSTS${code}:`)
      return err
    }
    throw new Error(`expected AADSTS${code}, but the call succeeded`)
  }

  describe('discovery', () => {
    it('serves v2.0 metadata with the GUID issuer for the GUID and for a domain, and Entra-shaped errors for unknown tenants', async () => {
      for (const segment of [tenantId, domain]) {
        const {status, body} = await getJson<Record<string, unknown>>(
          `${idp.origin}/${segment}/v2.0/.well-known/openid-configuration`,
        )
        expect(status).to.equal(200)
        expect(body.issuer).to.equal(`${idp.origin}/${tenantId}/v2.0`)
        expect(body.token_endpoint).to.equal(`${idp.origin}/${tenantId}/oauth2/v2.0/token`)
        expect(body.device_authorization_endpoint).to.equal(`${idp.origin}/${tenantId}/oauth2/v2.0/devicecode`)
        expect(body.jwks_uri).to.equal(`${idp.origin}/${tenantId}/discovery/v2.0/keys`)
        expect(body).to.include.keys(
          'authorization_endpoint',
          'end_session_endpoint',
          'response_modes_supported',
          'token_endpoint_auth_methods_supported',
        )
      }

      const unknown = await getJson<Record<string, unknown>>(
        `${idp.origin}/nowhere.example/v2.0/.well-known/openid-configuration`,
      )
      expect(unknown.status).to.equal(400)
      expect(unknown.body.error).to.equal('invalid_tenant')
      expect(unknown.body.error_codes).to.deep.equal([90002])
      expect(unknown.body.error_description).to.match(
        /^AADSTS90002: Tenant 'nowhere\.example' not found\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
      )
      expect(unknown.body).to.include.keys('timestamp', 'trace_id', 'correlation_id', 'error_uri')
    })

    it('answers instance discovery for its own host', async () => {
      const authorize = encodeURIComponent(`${idp.origin}/${tenantId}/oauth2/v2.0/authorize`)
      const {body} = await getJson<{
        tenant_discovery_endpoint: string
        metadata: Array<{aliases: string[]; preferred_network: string}>
      }>(`${idp.origin}/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`)
      expect(body.tenant_discovery_endpoint).to.equal(`${idp.origin}/${tenantId}/v2.0/.well-known/openid-configuration`)
      expect(body.metadata[0].preferred_network).to.equal(idp.host)
      expect(body.metadata[0].aliases).to.deep.equal([idp.host])
    })
  })

  describe('client credentials with a secret', () => {
    it('issues an RS256 JWT that verifies against the JWKS; msal caches it (no second request)', async () => {
      const cca = secretClient()
      const result = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      const again = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      expect(again?.fromCache).to.equal(true)
      expect(again?.accessToken).to.equal(result?.accessToken)
      expect(idp.counts()).to.deep.equal({
        [`GET /${tenantId}/v2.0/.well-known/openid-configuration`]: 1,
        [`POST /${tenantId}/oauth2/v2.0/token`]: 1,
      })
      expect(idp.requestCount('/oauth2/v2.0/token')).to.equal(1)

      expect(result?.tokenType).to.equal('Bearer')
      const {payload, protectedHeader} = await verifyWithJwks(result!.accessToken, 'https://graph.microsoft.com')
      expect(protectedHeader).to.deep.equal({typ: 'JWT', alg: 'RS256', kid: idp.signingKey.kid})
      expect(payload).to.include({
        tid: tenantId,
        appid: secretApp.clientId,
        azp: secretApp.clientId,
        azpacr: '1',
        ver: '2.0',
      })
      expect(payload.roles).to.deep.equal(['Files.Read.All', 'User.Read.All'])
      expect(payload.sub).to.equal(payload.oid)
      expect(payload.exp! - Math.floor(Date.now() / 1000)).to.be.within(3590, 3600)
      expect(result!.expiresOn!.getTime() / 1000).to.be.closeTo(payload.exp!, 2)

      const [request] = idp.tokenRequests()
      expect(request).to.include({
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        scope: GRAPH,
        clientAuth: 'secret',
        status: 200,
      })
      expect(request.body.client_secret).to.equal('[redacted]')
      expect(JSON.stringify(idp.tokenRequests())).not.to.contain(secretApp.secret)
    })

    it('maps the scope resource to aud and never issues the same token twice', async () => {
      const cca = secretClient()
      const a = await cca.acquireTokenByClientCredential({scopes: ['api://orders/.default'], skipCache: true})
      const b = await cca.acquireTokenByClientCredential({scopes: ['api://orders/.default'], skipCache: true})
      expect(decodeJwt(a!.accessToken).aud).to.equal('api://orders')
      expect(a!.accessToken).not.to.equal(b!.accessToken)
      expect(decodeJwt(a!.accessToken).uti).not.to.equal(decodeJwt(b!.accessToken).uti)
    })

    it('accepts a tenant domain in the authority (token posted to the domain path, GUID issuer)', async () => {
      const result = await secretClient({authority: idp.authority(domain)}).acquireTokenByClientCredential({
        scopes: [GRAPH],
      })
      expect(decodeJwt(result!.accessToken).iss).to.equal(`${idp.origin}/${tenantId}/v2.0`)
      expect(idp.requestCount(`POST /${domain}/oauth2/v2.0/token`)).to.equal(1)
    })

    it('accepts client_secret_basic (HTTP Basic) as Entra does', async () => {
      const basic = Buffer.from(
        `${encodeURIComponent(secretApp.clientId)}:${encodeURIComponent(secretApp.secret)}`,
      ).toString('base64')
      const res = await postForm(
        idp.tokenEndpoint(tenantId),
        {grant_type: 'client_credentials', scope: GRAPH},
        {authorization: `Basic ${basic}`},
      )
      expect(res.status, res.text).to.equal(200)
      const body = JSON.parse(res.text) as Record<string, unknown>
      expect(Object.keys(body).sort()).to.deep.equal(['access_token', 'expires_in', 'ext_expires_in', 'token_type'])
      const [request] = idp.tokenRequests()
      expect(request.clientAuth).to.equal('secret')
      expect(request.body).not.to.have.property('client_secret')
      expect(request.client_id, 'client_id came only in the Authorization header').to.equal(undefined)
    })

    it('rejects a wrong secret with AADSTS7000215 (HTTP 401)', async () => {
      await expectServerError(
        secretClient({clientSecret: 'not-the-secret'}).acquireTokenByClientCredential({scopes: [GRAPH]}),
        7000215,
        'invalid_client',
      )
      expect(idp.tokenRequests()[0].status).to.equal(401)
    })

    it('rejects an unknown app (AADSTS700016), a bad scope (AADSTS70011) and a missing credential (AADSTS7000216)', async () => {
      await expectServerError(
        app({clientId: randomUUID(), clientSecret: 'x'}).acquireTokenByClientCredential({scopes: [GRAPH]}),
        700016,
        'unauthorized_client',
      )
      await expectServerError(
        secretClient().acquireTokenByClientCredential({scopes: ['https://graph.microsoft.com/User.Read']}),
        70011,
        'invalid_scope',
      )
      const none = await postForm(idp.tokenEndpoint(tenantId), {
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        scope: GRAPH,
      })
      expect(none.status).to.equal(401)
      expect(JSON.parse(none.text))
        .to.include({error: 'invalid_client'})
        .and.to.have.deep.property('error_codes', [7000216])
      const noScope = await postForm(idp.tokenEndpoint(tenantId), {
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        client_secret: secretApp.secret,
      })
      expect(JSON.parse(noScope.text).error_codes).to.deep.equal([900144])
    })

    it('rejects an unknown tenant with AADSTS90002 (msal needs the metadata first, so supply it as the CLI does from its cache)', async () => {
      const unknownTenant = randomUUID()
      // Without stored metadata msal fails before the token request: the metadata request gets the 400.
      const cold = app({
        clientId: secretApp.clientId,
        clientSecret: secretApp.secret,
        authority: idp.authority(unknownTenant),
      })
      const coldError = await cold.acquireTokenByClientCredential({scopes: [GRAPH]}).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(coldError?.message).to.match(/endpoints_resolution_error/)

      const warm = app({
        clientId: secretApp.clientId,
        clientSecret: secretApp.secret,
        authority: idp.authority(unknownTenant),
        authorityMetadata: JSON.stringify({
          ...idp.openIdConfiguration(tenantId),
          token_endpoint: idp.tokenEndpoint(unknownTenant),
        }),
        cloudDiscoveryMetadata: idp.cloudDiscoveryMetadata(),
      })
      await expectServerError(warm.acquireTokenByClientCredential({scopes: [GRAPH]}), 90002, 'invalid_request')
      expect(idp.requestCount(`POST /${unknownTenant}/oauth2/v2.0/token`)).to.equal(1)
    })
  })

  describe('client credentials with a certificate', () => {
    it('verifies a PS256 assertion with x5t#S256 and x5c (thumbprintSha256)', async () => {
      const cca = app({
        clientId: certAppId,
        clientCertificate: {
          thumbprintSha256: cert.thumbprintSha256Hex,
          privateKey: cert.keyPem,
          x5c: cert.certPem + cert.caCertPem,
        },
      })
      const result = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      const {payload} = await verifyWithJwks(result!.accessToken, 'https://graph.microsoft.com')
      expect(payload).to.include({appid: certAppId, azpacr: '2'})
      expect(payload).not.to.have.property('roles')
      const [request] = idp.tokenRequests()
      expect(request).to.include({clientAuth: 'assertion', status: 200})
      expect(request.body).to.include({
        client_assertion: '[redacted]',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      })
    })

    it('verifies an RS256 assertion with x5t (SHA-1 thumbprint)', async () => {
      const cca = app({
        clientId: certAppId,
        clientCertificate: {thumbprint: cert.thumbprintSha1Hex, privateKey: cert.keyPem},
      })
      const result = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      expect(decodeJwt(result!.accessToken).azpacr).to.equal('2')
    })

    it('rejects an unregistered certificate and a forged signature with AADSTS700027', async () => {
      const unregistered = app({
        clientId: certAppId,
        clientCertificate: {thumbprintSha256: strangerCert.thumbprintSha256Hex, privateKey: strangerCert.keyPem},
      })
      const e1 = await expectServerError(
        unregistered.acquireTokenByClientCredential({scopes: [GRAPH]}),
        700027,
        'invalid_client',
      )
      expect(e1.message).to.contain(strangerCert.thumbprintSha256Hex)

      // Registered thumbprint, someone else's key.
      const forged = app({
        clientId: certAppId,
        clientCertificate: {thumbprintSha256: cert.thumbprintSha256Hex, privateKey: strangerCert.keyPem},
      })
      const e2 = await expectServerError(
        forged.acquireTokenByClientCredential({scopes: [GRAPH]}),
        700027,
        'invalid_client',
      )
      expect(e2.message).to.contain('signature validation')
      expect(idp.tokenRequests().map((r) => r.status)).to.deep.equal([401, 401])
    })

    it('checks the assertion claims: aud (AADSTS700023), iss/sub (AADSTS700021), exp (AADSTS700024)', async () => {
      const key = createPrivateKey(cert.keyPem)
      const x5tS256 = Buffer.from(cert.thumbprintSha256Hex, 'hex').toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const assertion = (claims: Record<string, unknown>) =>
        new SignJWT({
          aud: idp.tokenEndpoint(tenantId),
          iss: certAppId,
          sub: certAppId,
          jti: randomUUID(),
          nbf: now,
          exp: now + 600,
          ...claims,
        })
          .setProtectedHeader({alg: 'PS256', typ: 'JWT', 'x5t#S256': x5tS256})
          .sign(key)
      const post = async (claims: Record<string, unknown>) => {
        const res = await postForm(idp.tokenEndpoint(tenantId), {
          grant_type: 'client_credentials',
          client_id: certAppId,
          scope: GRAPH,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(claims),
        })
        return {status: res.status, codes: (JSON.parse(res.text) as {error_codes?: number[]}).error_codes}
      }
      expect(await post({})).to.deep.equal({status: 200, codes: undefined})
      // The domain form of the token endpoint is the same endpoint.
      expect(await post({aud: idp.tokenEndpoint(domain)})).to.deep.equal({status: 200, codes: undefined})
      expect(await post({aud: idp.tokenEndpoint(randomUUID())})).to.deep.equal({status: 401, codes: [700023]})
      expect(await post({iss: secretApp.clientId, sub: secretApp.clientId})).to.deep.equal({
        status: 401,
        codes: [700021],
      })
      expect(await post({nbf: now - 900, exp: now - 5})).to.deep.equal({status: 401, codes: [700024]})
    })

    it('PKCS#12 bundle holds the key, the certificate and its CA, 3DES-protected, readable by OpenSSL', () => {
      const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(cert.pfx.toString('binary')), 'pfx-pass')
      const keyBags =
        p12.getBags({bagType: forge.pki.oids.pkcs8ShroudedKeyBag})[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []
      const certBags = p12.getBags({bagType: forge.pki.oids.certBag})[forge.pki.oids.certBag] ?? []
      expect(keyBags).to.have.length(1)
      expect(certBags.map((b) => forge.pki.certificateToPem(b.cert!).replace(/\r\n/g, '\n'))).to.deep.equal(
        [cert.certPem, cert.caCertPem].map((p) => p!.replace(/\r\n/g, '\n')),
      )
      expect(() => createSecureContext({pfx: cert.pfx, passphrase: 'pfx-pass'})).not.to.throw()
      expect(() => createSecureContext({pfx: cert.pfx, passphrase: 'wrong'})).to.throw()
      expect(cert.thumbprintSha1Hex).to.equal(new X509Certificate(cert.certPem).fingerprint.replace(/:/g, ''))
      expect(cert.thumbprintSha256Hex).to.equal(new X509Certificate(cert.certPem).fingerprint256.replace(/:/g, ''))
      expect(new X509Certificate(cert.certPem).verify(new X509Certificate(cert.caCertPem!).publicKey)).to.equal(true)
    })
  })

  describe('fault injection and token lifetime', () => {
    it('429 carries Retry-After, and msal honours it (no request until it passes)', async () => {
      idp.injectFault({status: 429, retryAfterSeconds: 30})
      const raw = await postForm(idp.tokenEndpoint(tenantId), {
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        client_secret: secretApp.secret,
        scope: GRAPH,
      })
      expect(raw.status).to.equal(429)
      expect(raw.headers.get('retry-after')).to.equal('30')
      expect(JSON.parse(raw.text).error_codes).to.deep.equal([90055])

      idp.injectFault({status: 429, retryAfterSeconds: 30})
      const cca = secretClient()
      const err = await expectServerError(
        cca.acquireTokenByClientCredential({scopes: [GRAPH]}),
        90055,
        'temporarily_unavailable',
      )
      expect(err.status).to.equal(429)
      const before = idp.requestCount('/oauth2/v2.0/token')
      const blocked = await cca.acquireTokenByClientCredential({scopes: [GRAPH]}).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(blocked?.message).to.contain('AADSTS90055')
      expect(idp.requestCount('/oauth2/v2.0/token'), 'msal throttled locally').to.equal(before)
      expect(idp.tokenRequests().map((r) => [r.status, r.faulted])).to.deep.equal([
        [429, true],
        [429, true],
      ])
    })

    it('503 once, then success; slow and malformed responses on demand', async () => {
      idp.injectFault({status: 503})
      await expectServerError(
        secretClient().acquireTokenByClientCredential({scopes: [GRAPH]}),
        90033,
        'temporarily_unavailable',
      )
      expect(idp.pendingFaults()).to.equal(0)
      // msal throttles the same app+scopes for 60 s after a 5xx without Retry-After, so ask with a new instance.
      const ok = await secretClient().acquireTokenByClientCredential({scopes: [GRAPH]})
      expect(ok?.accessToken).to.be.a('string')

      idp.injectFault({delayMs: 300})
      const slow = await postForm(idp.tokenEndpoint(tenantId), {
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        client_secret: secretApp.secret,
        scope: GRAPH,
      })
      expect(slow.status).to.equal(200)
      expect(slow.ms).to.be.at.least(290)

      idp.injectFault({malformedJson: true})
      const broken = await postForm(idp.tokenEndpoint(tenantId), {
        grant_type: 'client_credentials',
        client_id: secretApp.clientId,
        client_secret: secretApp.secret,
        scope: GRAPH,
      })
      expect(broken.status).to.equal(200)
      expect(() => JSON.parse(broken.text)).to.throw(SyntaxError)
    })

    it('issues short-lived and already expired tokens; msal fetches again when its cached token is expired', async () => {
      idp.setTokenLifetime(60)
      const short = await secretClient().acquireTokenByClientCredential({scopes: [GRAPH]})
      expect(decodeJwt(short!.accessToken).exp! - Math.floor(Date.now() / 1000)).to.be.within(58, 60)

      idp.setTokenLifetime(-120)
      const cca = secretClient()
      const expired = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      const claims = decodeJwt(expired!.accessToken)
      expect(claims.exp!).to.be.below(Math.floor(Date.now() / 1000))
      expect(claims.nbf!).to.be.below(claims.exp!)
      await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      expect(idp.requestCount('/oauth2/v2.0/token')).to.equal(3)
    })
  })

  describe('lifecycle, proxy and signing helper', () => {
    it('stop() closes promptly; a cache hit works while stopped; restart() serves on the same port', async () => {
      const cca = secretClient()
      const first = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
      const started = Date.now()
      await idp.stop()
      expect(Date.now() - started).to.be.below(1000)
      expect(idp.running).to.equal(false)
      try {
        const cached = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
        expect(cached?.fromCache).to.equal(true)
        expect(cached?.accessToken).to.equal(first?.accessToken)
        const down = await cca.acquireTokenByClientCredential({scopes: [GRAPH], skipCache: true}).then(
          () => undefined,
          (e: unknown) => e as Error,
        )
        expect(down, 'request to a stopped provider fails').to.be.instanceOf(Error)
      } finally {
        await idp.restart()
      }
      expect(idp.running).to.equal(true)
      const fresh = await cca.acquireTokenByClientCredential({scopes: [GRAPH], skipCache: true})
      expect(fresh?.accessToken).not.to.equal(first?.accessToken)
      expect(new URL(idp.origin).port).to.equal(String(idp.port))
    })

    it('relays msal traffic through the forward proxy (CONNECT to the provider)', async () => {
      let proxy: ForwardProxy | undefined
      let proxied: TrustingNetworkClient | undefined
      try {
        proxy = await startForwardProxy()
        proxied = createTrustingNetworkClient(idp.caCertPem, {proxyUrl: proxy.url})
        const result = await app(
          {clientId: secretApp.clientId, clientSecret: secretApp.secret},
          proxied,
        ).acquireTokenByClientCredential({scopes: [GRAPH]})
        expect(result?.accessToken).to.be.a('string')
        expect(proxy.connectCount()).to.be.at.least(1)
        expect(new Set(proxy.targets())).to.deep.equal(new Set([idp.host]))
      } finally {
        await proxied?.close()
        await proxy?.stop()
      }
    })

    it('signToken: provider-signed tokens verify; unknown kid and expired exp do not', async () => {
      const jwks = createLocalJWKSet(idp.jwks)
      const now = Math.floor(Date.now() / 1000)
      const claims = {aud: 'api://x', iss: idp.issuer(tenantId), iat: now, exp: now + 600}
      const good = await idp.signToken(claims)
      expect((await jwtVerify(good, jwks)).payload.aud).to.equal('api://x')
      expect(decodeProtectedHeader(await idp.signToken(claims, {alg: 'PS256'})).alg).to.equal('PS256')

      const unknownKid = await idp.signToken(claims, {kid: 'no-such-key'})
      await jwtVerify(unknownKid, jwks).then(
        () => expect.fail('verified'),
        (e: unknown) => expect(e).to.be.instanceOf(joseErrors.JWKSNoMatchingKey),
      )
      const expired = await idp.signToken({...claims, exp: now - 60})
      await jwtVerify(expired, jwks).then(
        () => expect.fail('verified'),
        (e: unknown) => expect(e).to.be.instanceOf(joseErrors.JWTExpired),
      )
      const forged = await idp.signToken(claims, {privateKey: strangerCert.keyPem})
      await jwtVerify(forged, jwks).then(
        () => expect.fail('verified'),
        (e: unknown) => expect(e).to.be.instanceOf(joseErrors.JWSSignatureVerificationFailed),
      )
    })
  })

  describe('spawned processes', () => {
    it('msal-node with its default HTTP client trusts the provider through NODE_EXTRA_CA_CERTS=idp.caCertPath', async () => {
      // What the CLI's end-to-end tests do: no test code in the product, only the CA in the environment.
      const script = `
        const {ConfidentialClientApplication} = require('@azure/msal-node')
        const [clientId, clientSecret, authority, host] = process.argv.slice(1)
        new ConfidentialClientApplication({auth: {clientId, clientSecret, authority, knownAuthorities: [host]}})
          .acquireTokenByClientCredential({scopes: ['${GRAPH}']})
          .then((r) => process.stdout.write(r.accessToken), (e) => { process.stderr.write(String(e)); process.exit(3) })`
      const child = spawn(
        process.execPath,
        ['-e', script, secretApp.clientId, secretApp.secret, idp.authority(tenantId), idp.host],
        {
          cwd: ROOT,
          env: {...process.env, NODE_EXTRA_CA_CERTS: idp.caCertPath},
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const [code] = (await once(child, 'exit')) as [number | null]
      expect(code, stderr).to.equal(0)
      expect(stderr).to.equal('')
      expect(decodeJwt(stdout).tid).to.equal(tenantId)
    })
  })

  describe('standalone demo provider (cli.ts)', () => {
    it('prints its settings as one JSON line, serves tokens, and exits on SIGTERM', async () => {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'cli.ts')], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      try {
        const [line] = (await once(createInterface({input: child.stdout!}), 'line')) as [string]
        const demo = JSON.parse(line) as {
          authority: string
          tenantId: string
          clientId: string
          clientSecret: string
          caCertPath: string
        }
        expect(demo.authority).to.equal(`${new URL(demo.authority).origin}/${demo.tenantId}`)
        const demoNet = createTrustingNetworkClient(readFileSync(demo.caCertPath, 'utf8'))
        try {
          const cca = new ConfidentialClientApplication({
            auth: {
              clientId: demo.clientId,
              clientSecret: demo.clientSecret,
              authority: demo.authority,
              knownAuthorities: [new URL(demo.authority).host],
            },
            system: {networkClient: demoNet},
          })
          const result = await cca.acquireTokenByClientCredential({scopes: [GRAPH]})
          expect(decodeJwt(result!.accessToken).tid).to.equal(demo.tenantId)
        } finally {
          await demoNet.close()
        }
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        const [code] = (await exited) as [number | null]
        expect(code).to.equal(0)
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
    })
  })
})
