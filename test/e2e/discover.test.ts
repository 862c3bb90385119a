import {expect} from 'chai'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {JWTPayload} from 'jose'
import {runShell, type CliResult} from '../support/cli.js'
import {startIdp, type Idp} from '../support/idp/index.js'
import {startWorld, type World} from '../support/world.js'

const now = () => Math.floor(Date.now() / 1000)
const LOCAL_TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d`

describe('discover (built CLI, tokens from the local identity provider)', function () {
  let idp: Idp
  let world: World

  before(async () => {
    idp = await startIdp()
    world = await startWorld({idp})
  })
  after(async () => {
    world.home.cleanup()
    await idp.stop()
  })

  function claims(overrides: JWTPayload = {}): JWTPayload {
    const t = now()
    return {
      aud: 'api://orders',
      azp: world.clientId,
      exp: t + 3600,
      iat: t - 300,
      iss: idp.issuer(world.tenantId),
      nbf: t - 300,
      roles: ['Orders.Read'],
      tid: world.tenantId,
      ...overrides,
    }
  }

  const token = (overrides: JWTPayload = {}) => idp.signToken(claims(overrides))
  const discover = (args: string[], input?: string) => world.cli(['discover', ...args], {input})

  /** One line on stderr, nothing on stdout (without --json), and the expected exit code. */
  function expectOutcome(result: CliResult, code: number, line: RegExp): void {
    expect(result.code, result.stderr).to.equal(code)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.match(/^[^\n]+\n$/)
    expect(result.stderr).to.match(line)
  }

  function saved(name: string, content: string | Buffer): string {
    const file = join(world.home.root, name)
    writeFileSync(file, content)
    return file
  }

  it('exits 0 for a token valid for more than 5 minutes, saying until when', async () => {
    const jwt = await token()
    const result = await discover(['-f', saved('valid.txt', `${jwt}\n`)])
    expectOutcome(result, 0, new RegExp(`^✓ Token valid until ${LOCAL_TIME} \\(expires in 59 min\\)\\.\\n$`))
    expect(result.stderr).not.to.include(jwt.split('.')[2])
  })

  it('--json prints {valid, expiresOn, secondsLeft, reason} on stdout as well', async () => {
    const c = claims()
    const token = await idp.signToken(c)
    const before = Math.floor(Date.now() / 1000)
    const result = await discover(['-t', token, '--json'])
    const after = Math.ceil(Date.now() / 1000)
    expect(result.code).to.equal(0)
    const json = JSON.parse(result.stdout)
    expect(Object.keys(json)).to.deep.equal(['valid', 'expiresOn', 'secondsLeft', 'reason'])
    expect(json).to.include({expiresOn: new Date((c.exp as number) * 1000).toISOString(), reason: 'valid', valid: true})
    // Counted from when it ran: between the expiry seen at the end of the run and at its start.
    expect(json.secondsLeft).to.be.within((c.exp as number) - after, (c.exp as number) - before)
    expect(result.stderr).to.match(/^✓ Token valid until/)
  })

  it('exits 6 for an expired token, saying how long ago', async () => {
    const t = now()
    const result = await discover(['--json'], await token({exp: t - 3 * 3600, iat: t - 4 * 3600, nbf: t - 4 * 3600}))
    expect(result.code).to.equal(6)
    expect(result.stderr).to.match(new RegExp(`^Token expired 3 h ago \\(${LOCAL_TIME}\\)\\.\\n$`))
    const json = JSON.parse(result.stdout)
    expect(json).to.include({reason: 'expired', valid: false})
    expect(json.secondsLeft).to.be.below(-3 * 3600 + 1)
  })

  it('exits 6 for a token valid for less than --min-valid (default 5 min), 0 with a lower --min-valid', async () => {
    const jwt = await token({exp: now() + 150})
    expectOutcome(
      await discover(['-t', jwt]),
      6,
      /^Token expires in 2 min \(.*\), sooner than the 5 min required \(--min-valid\)\.\n$/,
    )
    const json = JSON.parse((await discover(['-t', jwt, '--json'])).stdout)
    expect(json).to.include({reason: 'expiring', valid: false})
    expectOutcome(await discover(['-t', jwt, '--min-valid', '90s']), 0, /^✓ Token valid until/)
    expectOutcome(await discover(['-t', await token(), '--min-valid', '2h']), 6, /sooner than the 2 h required/)
  })

  it('exits 7 for a token not valid yet, allowing 5 minutes of clock skew', async () => {
    const t = now()
    const result = await discover(['-t', await token({exp: t + 7200, iat: t, nbf: t + 3600}), '--json'])
    expect(result.code).to.equal(7)
    expect(result.stderr).to.match(new RegExp(`^Token not valid until ${LOCAL_TIME} \\(in 59 min\\)\\.\\n$`))
    expect(JSON.parse(result.stdout)).to.include({reason: 'not-yet-valid', valid: false})
    expectOutcome(await discover(['-t', await token({nbf: t + 60})]), 0, /^✓ Token valid until/)
  })

  it('exits 8 for anything unreadable, with reason "unreadable" and no echo of the input', async () => {
    const valid = await token()
    const noExp = await idp.signToken({aud: 'api://orders', iss: idp.issuer(world.tenantId)})
    const cases: Array<[string[], string, RegExp]> = [
      [
        ['-f', join(world.home.root, 'never-written.txt')],
        '',
        /^No token in file .*never-written\.txt: it does not exist\.\n$/,
      ],
      [['-f', saved('empty.txt', '\n')], '', /^No token in file .*empty\.txt: it is empty\.\n$/],
      [['-f', saved('binary.bin', Buffer.from([0xff, 0xfe, 0x00, 0x2e, 0x80, 0x2e, 0x0a]))], '', /^Not a readable JWT/],
      [['-f', world.home.root], '', /^Cannot read file .*: it is a directory\.\n$/],
      [[], 'EwB4A8l6BAAUs5+HQn0N+h2FxWzLS31ZgQVuHsYAAU', /^Not a readable JWT: the token is opaque/],
      [['-t', 'a.b.c.d.e'], '', /encrypted token \(JWE\)/],
      [['-t', `${valid}.extra`], '', /found 4/],
      [['-t', noExp], '', /^The token has no usable expiry \('exp' claim\)/],
      [[], '', /^No token in stdin: it is empty\.\n$/],
    ]
    for (const [args, input, line] of cases) {
      const plain = await discover(args, input)
      expectOutcome(plain, 8, line)
      const json = await discover([...args, '--json'], input)
      expect(json.code).to.equal(8)
      expect(JSON.parse(json.stdout)).to.deep.equal({
        expiresOn: null,
        reason: 'unreadable',
        secondsLeft: null,
        valid: false,
      })
    }
  })

  it('reads -t, -f, -f -, stdin and the JSON of get-token --json', async () => {
    const jwt = await token()
    const json = JSON.stringify(
      {accessToken: jwt, expiresOn: new Date().toISOString(), scopes: [], tokenType: 'Bearer'},
      null,
      2,
    )
    for (const [args, input] of [
      [['-t', jwt], ''],
      [['-f', saved('t.txt', jwt)], ''],
      [['-f', '-'], jwt],
      [[], `Bearer ${jwt}\n`],
      [['-f', saved('t.json', json)], ''],
    ] as const) {
      expectOutcome(await discover([...args], input), 0, /^✓ Token valid until/)
    }
  })

  it('checks lifetime only, offline: a tampered signature still reads as valid (inspect --verify is the check for that)', async () => {
    idp.resetCounts()
    const [h, p] = (await token()).split('.')
    expectOutcome(await discover(['-t', `${h}.${p}.AAAA`]), 0, /^✓ Token valid until/)
    expect(idp.requestCount()).to.equal(0)
  })

  it('treats two sources or a bad --min-valid as usage errors (exit 2)', async () => {
    const jwt = await token()
    const two = await discover(['-t', jwt, '-f', 'token.txt', '--json'])
    expect(two.code).to.equal(2)
    // With --json, stdout always holds one JSON document: here the error.
    expect(JSON.parse(two.stdout)).to.deep.include({
      error: {
        code: 'USAGE',
        exitCode: 2,
        message: 'Give the token one way only: as an argument, with -t TOKEN, with -f FILE, or on stdin.',
      },
    })
    expect(two.stderr).to.equal(
      'Error: Give the token one way only: as an argument, with -t TOKEN, with -f FILE, or on stdin.\n',
    )
    const bad = await discover(['-t', jwt, '--min-valid', 'soon'])
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.match(/^Error: Invalid --min-valid 'soon'/)
  })

  describe('the token caching script from the docs', () => {
    const SCRIPT =
      'if ! entra-auth-cli discover -f token.txt 2>/dev/null; then entra-auth-cli get-token -p cached --silent -o token.txt; fi; TOKEN=$(cat token.txt)'
    // Appended only to observe the result; the line above is run exactly as documented.
    const run = () => runShell(`${SCRIPT}\nprintf '%s' "$TOKEN"`, world.env(), world.home.root)
    const tokenFile = () => join(world.home.root, 'token.txt')

    before(async () => {
      expect((await world.createProfile('cached')).code).to.equal(0)
    })

    it('gets a token when there is none, reuses it while valid, and replaces an expired or garbled one', async () => {
      idp.resetCounts()
      const first = await run()
      expect(first.code, first.stderr).to.equal(0)
      expect(first.stderr).to.equal('')
      expect(first.stdout).to.equal(readFileSync(tokenFile(), 'utf8').trim())
      expect(first.stdout.split('.')).to.have.length(3)
      expect(idp.requestCount('/oauth2/v2.0/token')).to.equal(1)

      const before = statSync(tokenFile())
      const second = await run()
      expect(second.code).to.equal(0)
      expect(second.stdout).to.equal(first.stdout)
      // discover said "valid", so get-token did not even run: the file was not rewritten.
      expect(statSync(tokenFile()).ino).to.equal(before.ino)
      expect(statSync(tokenFile()).mtimeMs).to.equal(before.mtimeMs)

      const t = now()
      for (const stale of [
        await token({exp: t - 60, iat: t - 3600, nbf: t - 3600}),
        await token({exp: t + 120}),
        'garbage\n',
      ]) {
        writeFileSync(tokenFile(), stale)
        const again = await run()
        expect(again.code, again.stderr).to.equal(0)
        expect(again.stdout).to.equal(first.stdout)
        expect(readFileSync(tokenFile(), 'utf8').trim()).to.equal(first.stdout)
      }
      // The replacements came from get-token's own cache: still one request to the identity provider.
      expect(idp.requestCount('/oauth2/v2.0/token')).to.equal(1)
    })
  })
})
