/**
 * The world of the delegated-flow tests: the usual World (one tenant, a private HOME) plus a public client app
 * ("Allow public client flows", redirect URI http://localhost), two users, and an environment in which the CLI's
 * $BROWSER is the Chromium-driving script.
 */
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {startIdp, type Idp} from '../idp/index.js'
import {findPlaintext, registerSensitive} from '../plaintext-scan.js'
import {startWorld, type World} from '../world.js'
import type {Credentials, SignInOutcome} from './chromium.js'

export const BROWSER_SCRIPT = resolve(__dirname, 'browser')

export interface DelegatedWorld extends World {
  alice: string
  bob: string
  password: string
  browserLog: string
  /** CLI environment: $BROWSER = the Chromium script acting as `user` in `mode`; no display, no SSH. */
  browserEnv(options?: {mode?: string; user?: string; extra?: NodeJS.ProcessEnv}): NodeJS.ProcessEnv
  /** Profile for user sign-in: public client, the given flow, scope User.Read. */
  createUserProfile(name: string, flow: string, extraArgs?: string[]): Promise<void>
  /** A person at a fresh Chromium signing in at an authorization URL: as Alice with the world's password unless told. */
  signIn(url: string, credentials?: Partial<Credentials>): Promise<SignInOutcome>
  /** The second device of a device code sign-in, likewise as Alice unless told. */
  enterDeviceCode(verificationUri: string, userCode: string, credentials?: Partial<Credentials>): Promise<SignInOutcome>
  /** JSON lines the browser script logged, once there are `count` of them (it logs after the CLI may have exited). */
  browserVisits(count?: number): Promise<Array<Record<string, string>>>
  /** Every code and token the provider issued must be absent from the files under the test home. */
  assertNoSecretsAtRest(): void
}

export async function startDelegatedWorld(idp: Idp): Promise<DelegatedWorld> {
  const world = await startWorld({idp})
  const {domain} = world
  const password = `Pw-${randomBytes(9).toString('base64url')}`
  registerSensitive(password)
  idp.registerApp({
    clientId: world.clientId,
    clientSecret: world.clientSecret,
    displayName: 'entra-auth-cli e2e',
    publicClient: true,
    redirectUris: ['http://localhost'],
    tenantId: world.tenantId,
  })
  const alice = `alice@${domain}`
  const bob = `bob@${domain}`
  idp.registerUser({displayName: 'Alice', password, tenantId: world.tenantId, username: alice})
  idp.registerUser({displayName: 'Bob', password, tenantId: world.tenantId, username: bob})
  const browserLog = join(world.home.root, 'browser-visits.jsonl')

  const delegated: DelegatedWorld = {
    ...world,
    alice,
    bob,
    browserLog,
    password,
    browserEnv: ({extra = {}, mode = 'signin', user = alice} = {}) =>
      world.env({
        BROWSER: BROWSER_SCRIPT,
        DISPLAY: undefined,
        ENTRA_TEST_BROWSER_LOG: browserLog,
        ENTRA_TEST_BROWSER_MODE: mode,
        ENTRA_TEST_PASSWORD: password,
        ENTRA_TEST_USER: user,
        SSH_CLIENT: undefined,
        SSH_CONNECTION: undefined,
        SSH_TTY: undefined,
        WAYLAND_DISPLAY: undefined,
        ...extra,
      }),
    async createUserProfile(name, flow, extraArgs = []) {
      const result = await world.createProfile(
        name,
        ['--auth-method', 'None', '--flow', flow, '--scope', 'User.Read', ...extraArgs],
        {secret: null},
      )
      if (result.code !== 0) throw new Error(`config create failed: ${result.stderr}`)
    },
    async signIn(url, credentials) {
      // Loaded on first use: most tests sign in through $BROWSER, not from this process.
      const {openChromium, signInAt} = await import('./chromium.js')
      const chromium = await openChromium()
      try {
        return await signInAt(chromium, url, {password, username: alice, ...credentials})
      } finally {
        await chromium.close()
      }
    },
    async enterDeviceCode(verificationUri, userCode, credentials) {
      const {enterDeviceCode} = await import('./chromium.js')
      return enterDeviceCode(verificationUri, userCode, {password, username: alice, ...credentials})
    },
    async browserVisits(count = 0) {
      const read = () =>
        existsSync(browserLog)
          ? readFileSync(browserLog, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Record<string, string>)
          : []
      for (let waited = 0; read().length < count && waited < 15_000; waited += 100)
        await new Promise((r) => setTimeout(r, 100))
      return read()
    },
    assertNoSecretsAtRest() {
      registerSensitive(...idp.issuedSecrets())
      const hits = findPlaintext(world.home.root)
      if (hits.length > 0) throw new Error(`secrets at rest outside the encrypted cache:\n${hits.join('\n')}`)
    },
  }
  return delegated
}

/** Every code and token the provider issued, for "never on stderr" checks. */
export function leakedSecrets(idp: Idp, text: string): string[] {
  return idp.issuedSecrets().filter((s) => text.includes(s))
}

export interface DelegatedSuite {
  /** One identity provider for the whole file. */
  idp: Idp
  /** A fresh world for each test, with the user profile already created and the provider's counts reset. */
  world: DelegatedWorld
}

/**
 * The set-up every delegated-flow test file shares; call it first inside the file's `describe`. Before each test:
 * tokens live an hour, device codes poll every second, a new DelegatedWorld with the profile `name` for `flow`
 * (plus `profileArgs()`), counts reset. After each: no secret at rest in the test home, then the home removed.
 * Tests read `suite.idp` and `suite.world`, which the hooks replace.
 */
export function useDelegatedWorld(
  name: string,
  flow: string,
  profileArgs: () => Promise<string[]> | string[] = () => [],
): DelegatedSuite {
  const suite = {} as DelegatedSuite
  before(async () => {
    suite.idp = await startIdp()
  })
  after(async () => {
    await suite.idp.stop()
  })
  beforeEach(async () => {
    suite.idp.setTokenLifetime(3599)
    suite.idp.setDeviceCodeSettings({expiresInSeconds: 900, intervalSeconds: 1, slowDownPolls: 0})
    suite.world = await startDelegatedWorld(suite.idp)
    await suite.world.createUserProfile(name, flow, await profileArgs())
    suite.idp.resetCounts()
  })
  afterEach(() => {
    const {idp, world} = suite
    try {
      idp.blockDeviceCode(world.tenantId, false)
      world.assertNoSecretsAtRest()
    } finally {
      world.home.cleanup()
    }
  })
  return suite
}
