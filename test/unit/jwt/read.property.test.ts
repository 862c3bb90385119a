/**
 * Whatever a user pastes or pipes, `inspect` and `discover` must answer with a result or a one-line CliError that
 * does not repeat the token: no uncaught exception, no stack trace, no multi-line message. This drives their parsing
 * code directly (no process per input) with arbitrary strings, byte sequences and near-JWTs.
 */
import {expect} from 'chai'
import fc from 'fast-check'
import {generateKeyPairSync} from 'node:crypto'
import {CliError} from '../../../src/base/errors.js'
import {ExitCode} from '../../../src/base/exit-codes.js'
import {decodeJwt, type DecodedJwt} from '../../../src/jwt/read.js'
import {assessmentJson, assessToken} from '../../../src/jwt/validity.js'
import {normalizeToken, tokenFromBytes} from '../../../src/cli/token-input.js'
import {summarizeToken} from '../../../src/jwt/summary.js'

const b64url = (text: string | Uint8Array) => Buffer.from(text).toString('base64url')
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/**
 * The signature part of a JWT-shaped input, when it is long enough that finding it in our output can only mean we
 * echoed it: it must never appear in anything we print.
 */
function signatureOf(input: string): string | undefined {
  const parts = input.replace(/\s+/g, '').split('.')
  const signature = parts.at(-1) ?? ''
  return parts.length >= 3 && /^[A-Za-z0-9_-]{16,}$/.test(signature) ? signature : undefined
}

function expectOneLineCliError(error: unknown, input: string): void {
  if (!(error instanceof CliError)) throw new Error(`not a CliError: ${(error as Error)?.stack ?? String(error)}`)
  expect(error.message).not.to.match(/[\r\n]/)
  expect(error.message.length).to.be.greaterThan(0)
  const signature = signatureOf(input)
  if (signature) expect(error.message).not.to.include(signature)
}

/** inspect's path: clean up the input, decode it, summarise it, print the claims. */
async function inspectParsing(input: string): Promise<void> {
  let lines: string[]
  let decoded: DecodedJwt
  try {
    decoded = await decodeJwt(normalizeToken(input, 'stdin'))
    lines = summarizeToken(decoded)
    expect(JSON.parse(JSON.stringify(decoded.claims, null, 2))).to.deep.equal(decoded.claims)
  } catch (error) {
    expectOneLineCliError(error, input)
    expect((error as CliError).exitCode).to.equal(ExitCode.TokenUnreadable)
    return
  }
  // A claim may legitimately hold the same text (generated inputs are independent); then seeing it proves nothing.
  const shown = JSON.stringify([decoded.header, decoded.claims])
  const signature = signatureOf(input)
  for (const line of lines) {
    expect(line).not.to.match(CONTROL)
    if (signature && !shown.includes(signature)) expect(line).not.to.include(signature)
  }
}

/** discover's path: every input is an outcome (never a throw), told in one line with a documented exit code. */
async function discoverParsing(input: string): Promise<void> {
  const assessment = await assessToken(() => normalizeToken(input, 'stdin'), {minValidMs: 300_000})
  expect(assessment.message).not.to.match(/[\r\n]/)
  expect([ExitCode.Ok, ExitCode.TokenExpired, ExitCode.TokenNotYetValid, ExitCode.TokenUnreadable]).to.include(
    assessment.exitCode,
  )
  expect(assessment.valid).to.equal(assessment.exitCode === ExitCode.Ok)
  const json = JSON.parse(assessmentJson(assessment))
  expect(Object.keys(json)).to.deep.equal(['valid', 'expiresOn', 'secondsLeft', 'reason'])
  const signature = signatureOf(input)
  if (signature) expect(assessment.message).not.to.include(signature)
}

async function bothCommands(input: string): Promise<void> {
  await inspectParsing(input)
  await discoverParsing(input)
}

/** Values of every JSON type and some that break naive code: huge, negative, fractional, NaN-ish strings. */
const weirdValue = fc.oneof(
  fc.jsonValue({maxDepth: 2}),
  fc.double(),
  fc.integer({max: 2 ** 53, min: -(2 ** 53)}),
  fc.constantFrom(
    1e300,
    -1e300,
    8.64e12,
    8.64e12 + 1,
    0,
    -1,
    Number.MAX_SAFE_INTEGER,
    '1700000000',
    '',
    null,
    true,
    [],
    {},
  ),
  fc.string({unit: 'binary', maxLength: 30}),
)

const nowSeconds = Math.floor(Date.now() / 1000)
const plausibleTime = fc.integer({max: nowSeconds + 86_400, min: nowSeconds - 86_400})

const header = fc.oneof(
  fc.record(
    {
      alg: fc.oneof(fc.constantFrom('RS256', 'PS256', 'ES256', 'HS256', 'none', 'RSA-OAEP'), weirdValue),
      enc: fc.constantFrom('A256GCM'),
      kid: weirdValue,
      typ: fc.oneof(fc.constant('JWT'), weirdValue),
    },
    {requiredKeys: []},
  ),
  fc.jsonValue({maxDepth: 2}),
)

const claims = fc.oneof(
  fc.record(
    {
      aud: fc.oneof(fc.string(), fc.array(fc.string(), {maxLength: 3}), weirdValue),
      exp: fc.oneof(plausibleTime, weirdValue),
      iat: fc.oneof(plausibleTime, weirdValue),
      iss: fc.oneof(fc.webUrl(), weirdValue),
      name: fc.string({unit: 'binary', maxLength: 40}),
      nbf: fc.oneof(plausibleTime, weirdValue),
      preferred_username: weirdValue,
      roles: fc.oneof(fc.array(fc.string({unit: 'binary'}), {maxLength: 3}), weirdValue),
      scp: weirdValue,
    },
    {requiredKeys: []},
  ),
  fc.jsonValue({maxDepth: 3}),
  fc.dictionary(fc.string(), weirdValue, {maxKeys: 5}),
)

/** A part of a compact JWT: base64url JSON, base64url garbage, raw garbage, or empty. */
const jsonPart = (json: fc.Arbitrary<unknown>) =>
  fc.oneof(
    {arbitrary: json.map((value) => b64url(JSON.stringify(value) ?? 'null')), weight: 6},
    {arbitrary: fc.uint8Array({maxLength: 60}).map(b64url), weight: 2},
    {arbitrary: fc.string({maxLength: 30}), weight: 1},
    {arbitrary: fc.constant(''), weight: 1},
  )
const signaturePart = fc.oneof(fc.uint8Array({maxLength: 300, minLength: 0}).map(b64url), fc.string({maxLength: 20}))

/** How people deliver a token: as is, with `Bearer `, padded, wrapped, quoted, as get-token --json, with a BOM. */
const dressed = (token: fc.Arbitrary<string>) =>
  fc
    .tuple(
      token,
      fc.constantFrom('', 'Bearer ', 'bearer  ', 'Authorization: Bearer ', ' \t', '\uFEFF'),
      fc.constantFrom('', '\n', '\r\n', '  \n\n'),
      fc.nat(400),
      fc.constantFrom('none', 'wrap', 'quote', 'json'),
    )
    .map(([t, prefix, suffix, at, style]) => {
      if (style === 'wrap') return `${prefix}${t.slice(0, at)}\n${t.slice(at)}${suffix}`
      if (style === 'quote') return `"${prefix}${t}"${suffix}`
      if (style === 'json') return JSON.stringify({accessToken: `${prefix}${t}`})
      return `${prefix}${t}${suffix}`
    })

const nearJwt = dressed(
  fc.oneof(
    {arbitrary: fc.tuple(jsonPart(header), jsonPart(claims), signaturePart).map((parts) => parts.join('.')), weight: 6},
    // JWE-shaped: five parts.
    {
      arbitrary: fc
        .tuple(jsonPart(header), signaturePart, signaturePart, signaturePart, signaturePart)
        .map((parts) => parts.join('.')),
      weight: 1,
    },
    // Wrong number of parts.
    {arbitrary: fc.array(jsonPart(claims), {maxLength: 7}).map((parts) => parts.join('.')), weight: 1},
  ),
)

describe('token parsing under arbitrary input (property-based, fast-check)', function () {
  this.timeout(120_000)
  let realToken: string

  before(async () => {
    const {SignJWT} = await import('jose')
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
    const t = nowSeconds
    realToken = await new SignJWT({
      aud: 'api://orders',
      exp: t + 3600,
      iat: t - 300,
      iss: 'https://login.example/t/v2.0',
      nbf: t - 300,
      roles: ['Orders.Read'],
      scp: 'a b',
    })
      .setProtectedHeader({alg: 'RS256', kid: 'k1', typ: 'JWT'})
      .sign(privateKey)
  })

  it('arbitrary strings (3,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({maxLength: 200}),
          fc.string({maxLength: 200, unit: 'binary'}),
          fc.string({maxLength: 200, unit: 'grapheme'}),
        ),
        bothCommands,
      ),
      {numRuns: 3000},
    )
  })

  it('arbitrary byte sequences, as piped or read from a file (2,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({maxLength: 600}), async (bytes) => {
        await bothCommands(Buffer.from(bytes).toString('latin1'))
        await bothCommands(Buffer.from(bytes).toString('utf8'))
        // tokenFromBytes is the stdin/-f entry point; it too may only fail with a one-line CliError.
        try {
          await decodeJwt(tokenFromBytes(bytes, 'stdin'))
        } catch (error) {
          expectOneLineCliError(error, Buffer.from(bytes).toString('utf8'))
        }
      }),
      {numRuns: 2000},
    )
  })

  it('near-JWTs: arbitrary headers and claims, JWE shapes, wrong part counts, dressed as users paste them (4,000 runs)', async () => {
    await fc.assert(fc.asyncProperty(nearJwt, bothCommands), {numRuns: 4000})
  })

  it('a real JWT with random edits, decorations included (2,000 runs)', async () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.constantFrom('replace', 'insert', 'delete'),
      fc.string({maxLength: 3, minLength: 1, unit: 'binary'}),
    )
    const mutated = fc.array(edit, {maxLength: 4, minLength: 1}).map((edits) =>
      edits.reduce((token, [position, kind, text]) => {
        const at = position % (token.length + 1)
        if (kind === 'insert') return token.slice(0, at) + text + token.slice(at)
        if (kind === 'delete') return token.slice(0, at) + token.slice(at + text.length)
        return token.slice(0, at) + text + token.slice(at + text.length)
      }, realToken),
    )
    await fc.assert(fc.asyncProperty(dressed(mutated), bothCommands), {numRuns: 2000})
  })

  it('the properties can fail: the untouched real token decodes, and its signature is what they watch for', async () => {
    const decoded = await decodeJwt(normalizeToken(` Bearer ${realToken}\n`))
    expect(decoded.claims.aud).to.equal('api://orders')
    expect(signatureOf(realToken)).to.equal(realToken.split('.')[2])
    const assessment = await assessToken(() => realToken, {minValidMs: 300_000})
    expect(assessment.state).to.equal('valid')
  })
})
