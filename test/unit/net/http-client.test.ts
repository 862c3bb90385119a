import {expect} from 'chai'
import {retryAfterMs} from '../../../src/net/http-client.js'

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).to.equal(3000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).to.equal(6000)
    expect(retryAfterMs('soon')).to.equal(undefined)
  })
})

describe('HttpClient: what is retried, and for how long', () => {
  type Net = typeof import('../../../src/net/http-client.js')
  type Reply = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void
  let net: Net
  let server: import('node:http').Server
  let origin: string
  let replies: Reply[]
  let received: string[]

  before(async () => {
    net = await import('../../../src/net/http-client.js')
    const {createServer} = await import('node:http')
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => (body += d))
      req.on('end', () => {
        received.push(body)
        const reply =
          replies.shift() ?? ((_q, s) => s.writeHead(200, {'content-type': 'application/json'}).end('{"ok":true}'))
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

  const status =
    (code: number, headers: Record<string, string> = {}): Reply =>
    (_q, res) =>
      res.writeHead(code, headers).end('{}')
  const reset: Reply = (req) => req.socket.destroy()
  const form = (grant: string) => ({body: new URLSearchParams({client_id: 'c', grant_type: grant}).toString()})

  async function failure(promise: Promise<unknown>): Promise<import('../../../src/base/errors.js').NetworkError> {
    try {
      await promise
    } catch (error) {
      return error as import('../../../src/base/errors.js').NetworkError
    }
    throw new Error('expected a failure')
  }

  it('never repeats an authorization-code or refresh-token redemption after a 5xx or a reset', async () => {
    replies = [status(503)]
    const error = await failure(
      new net.HttpClient().sendPostRequestAsync(`${origin}/token`, form('authorization_code')),
    )
    expect(received).to.have.length(1)
    expect(error.exitCode).to.equal(5)
    expect(error.message).to.match(
      /answered HTTP 503 after 1 attempt\(s\) \(not retried: a sign-in code or refresh token can be redeemed only once\)/,
    )
    replies = [reset]
    received = []
    await failure(new net.HttpClient().sendPostRequestAsync(`${origin}/token`, form('refresh_token')))
    expect(received).to.have.length(1)
  })

  it('repeats client-credentials requests, device-code polls and GETs after a 5xx or a reset', async () => {
    // The retries themselves are the point here, not how long the default backoff waits between them.
    const quick = {backoffMs: () => 1}
    replies = [status(503), reset]
    const ok = await new net.HttpClient(quick).sendPostRequestAsync<{ok: boolean}>(
      `${origin}/token`,
      form('client_credentials'),
    )
    expect(ok.body.ok).to.equal(true)
    expect(received).to.have.length(3)
    replies = [status(502)]
    await new net.HttpClient(quick).sendPostRequestAsync(
      `${origin}/token`,
      form('urn:ietf:params:oauth:grant-type:device_code'),
    )
    replies = [status(500)]
    await new net.HttpClient(quick).getJson(`${origin}/meta`)
    expect(net.isRepeatablePost(form('device_code').body)).to.equal(true)
    expect(net.isRepeatablePost(form('urn:ietf:params:oauth:grant-type:jwt-bearer').body)).to.equal(false)
  })

  it('fails at once, saying when to retry, when a 5xx asks for longer than it will wait', async () => {
    // (Waiting the hour would time the test out: the failure arriving at all shows it did not wait.)
    replies = [status(503, {'retry-after': '3600'})]
    const error = await failure(new net.HttpClient().getJson(`${origin}/meta`))
    expect(received).to.have.length(1)
    expect(error.code).to.equal('HTTP_UNAVAILABLE')
    expect(error.message).to.match(
      /answered HTTP 503 and asked to retry in 1 h \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\), longer than the 1 min this command waits for a retry\. Try again then\.$/,
    )
  })

  it('renders an HTTP-date Retry-After as a time, not as "... GMT s"', async () => {
    replies = [status(429, {'retry-after': new Date(Date.now() + 10 * 60_000).toUTCString()})]
    const error = await failure(new net.HttpClient().getJson(`${origin}/meta`))
    expect(error.message).to.match(
      /answered HTTP 429 and asked to retry in (9|10) min \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\)/,
    )
    expect(error.message).not.to.include('GMT')
    expect(net.whenToRetry(90_000, 0)).to.match(/^in 1 min \(at /)
  })

  it('does not sleep past the caller deadline: a wait that does not fit fails at once (429 and 5xx)', async () => {
    for (const code of [429, 503]) {
      // A client that waited and retried would have got the default 200 reply instead of this failure.
      replies = [status(code, {'retry-after': '5'})]
      received = []
      const error = await failure(new net.HttpClient({timeoutMs: 3000}).getJson(`${origin}/meta`))
      expect(received).to.have.length(1)
      expect(error.message).to.match(
        new RegExp(
          `HTTP ${code} and asked to retry in 5 s .*longer than the time left before the timeout \\(--timeout\\)`,
        ),
      )
    }
    replies = [status(503, {'retry-after': '1'})]
    expect((await new net.HttpClient({deadline: Date.now() + 10_000}).getJson(`${origin}/meta`)).status).to.equal(200)
  })

  it('calls a proxy refusing CONNECT a proxy problem, and only our own signal a timeout', () => {
    const refusal = Object.assign(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), {
      code: 'UND_ERR_ABORTED',
      name: 'AbortError',
    })
    const viaFetch = Object.assign(new TypeError('fetch failed'), {cause: refusal})
    for (const error of [refusal, viaFetch]) {
      const described = net.describeNetworkError(error, 'login.example:443', false)
      expect(described.code).to.equal('PROXY')
      expect(described.exitCode).to.equal(5)
      expect(described.message).to.match(
        /requires authentication \(HTTP 407\).*HTTPS_PROXY=http:\/\/user:pass@host:port/,
      )
    }
    const forbidden = net.describeNetworkError(
      new Error('Proxy response (403) !== 200 when HTTP Tunneling'),
      'h:443',
      false,
    )
    expect(forbidden.message).to.match(/proxy refused to connect to h:443 \(HTTP 403\).*NO_PROXY/)
    const aborted = Object.assign(new Error('aborted'), {code: 'UND_ERR_ABORTED', name: 'AbortError'})
    expect(net.describeNetworkError(aborted, 'h:443', true).code).to.equal('TIMEOUT')
    expect(net.describeNetworkError(aborted, 'h:443', false).code).to.equal('NETWORK')
  })
})
