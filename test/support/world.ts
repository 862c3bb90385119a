import {expect} from 'chai'
import {randomBytes, randomUUID} from 'node:crypto'
import {startIdp, type Idp} from './idp/index.js'
import {registerSensitive} from './plaintext-scan.js'
import {runCli, TestHome, type CliResult, type RunOptions} from './cli.js'

/**
 * One identity provider with one tenant and a confidential app, and a private HOME per test: the usual world for
 * get-token tests. The CLI is always the built binary, spawned asynchronously (the provider answers from this
 * process's event loop, so nothing here may block it).
 */
export interface World {
  idp: Idp
  tenantId: string
  /** The tenant's verified domain, which stands for it wherever a tenant id goes. */
  domain: string
  clientId: string
  clientSecret: string
  home: TestHome
  /** Environment for the spawned CLI: private HOME, the provider's CA trusted, and the given store. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv
  cli(args: string[], options?: RunOptions & {extraEnv?: NodeJS.ProcessEnv}): Promise<CliResult>
  /**
   * `config create --name NAME --tenant-id --client-id --authority` of this world's app, then `extraArgs`; with
   * none, `--client-secret-stdin` (unless `secret` is null). Stdin carries `secret`, by default the client secret.
   */
  createProfile(name: string, extraArgs?: string[], options?: ProfileOptions): Promise<CliResult>
}

export interface ProfileOptions {
  /** What stdin carries (default: the world's client secret); `null`: no secret stored, nothing on stdin. */
  secret?: string | null
  extraEnv?: NodeJS.ProcessEnv
  /** Instead of the world's tenant, app or authority: for a profile that points somewhere else. */
  tenantId?: string
  clientId?: string
  authority?: string
}

export type StoreChoice = 'keyring' | 'encrypted-file'

export const PASSPHRASE = 'correct horse battery staple'

export async function startWorld(options: {store?: StoreChoice; idp?: Idp} = {}): Promise<World> {
  const idp = options.idp ?? (await startIdp())
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const clientSecret = `${randomBytes(24).toString('base64url')}~S`
  const domain = `t${tenantId.slice(0, 8)}.example`
  idp.registerTenant(tenantId, [domain])
  idp.registerApp({clientId, clientSecret, roles: ['Data.Read'], tenantId})
  registerSensitive(clientSecret, PASSPHRASE)
  const home = new TestHome()
  const store = options.store ?? 'encrypted-file'
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    home.env({
      ENTRA_AUTH_CLI_STORE: store,
      ...(store === 'encrypted-file' ? {ENTRA_AUTH_CLI_PASSPHRASE: PASSPHRASE} : {}),
      NODE_EXTRA_CA_CERTS: idp.caCertPath,
      ...extra,
    })
  const world: World = {
    clientId,
    clientSecret,
    cli: (args, runOptions = {}) => runCli(args, {...runOptions, env: runOptions.env ?? env(runOptions.extraEnv)}),
    createProfile(name, extraArgs = [], {secret, ...profile} = {}) {
      const credential = extraArgs.length > 0 || secret === null ? [] : ['--client-secret-stdin']
      return world.cli(
        [
          'config',
          'create',
          '--name',
          name,
          '--tenant-id',
          profile.tenantId ?? tenantId,
          '--client-id',
          profile.clientId ?? clientId,
          '--authority',
          profile.authority ?? idp.authority(tenantId),
          ...extraArgs,
          ...credential,
        ],
        {extraEnv: profile.extraEnv, input: secret === null ? undefined : (secret ?? clientSecret)},
      )
    },
    domain,
    env,
    home,
    idp,
    tenantId,
  }
  return world
}

export interface WorldSuite {
  /** One identity provider for the whole file. */
  idp: Idp
  /** A fresh world for each test. */
  world: World
  /** With `cached`: the token the profile got before the test (now in its cache). */
  token: string
}

export interface UseWorldOptions {
  store?: StoreChoice
  /** A profile created before each test (exit 0 checked): a name, or a name and what goes on stdin. */
  profile?: string | {name: string; secret: string}
  /** Also `get-token -p PROFILE --silent` before each test (exit 0 checked), so its token is cached. */
  cached?: boolean
}

/**
 * The set-up most test files of the app-only flows share; call it first inside the file's `describe`. Before each
 * test: the provider listening, with no faults left and tokens living an hour; a new World (with `profile`
 * created and, with `cached`, its token in the cache); counts reset. After each: the plaintext scan of the test
 * home, then the home removed. Tests read `suite.idp`, `suite.world` and `suite.token`, which the hooks replace.
 */
export function useWorld(options: UseWorldOptions = {}): WorldSuite {
  const suite = {} as WorldSuite
  before(async () => {
    suite.idp = await startIdp()
  })
  after(async () => {
    await suite.idp.stop()
  })
  beforeEach(async () => {
    const {idp} = suite
    if (!idp.running) await idp.start()
    idp.clearFaults()
    idp.setTokenLifetime(3599)
    const world = (suite.world = await startWorld({idp, store: options.store}))
    if (options.profile) {
      const {name, secret} = typeof options.profile === 'string' ? {name: options.profile} : options.profile
      const created = await world.createProfile(name, [], {secret})
      expect(created.code, created.stderr).to.equal(0)
      if (options.cached) {
        const got = await world.cli(['get-token', '-p', name, '--silent'])
        expect(got.code, got.stderr).to.equal(0)
        suite.token = got.stdout.trim()
      }
    }
    idp.resetCounts()
  })
  afterEach(() => suite.world.home.cleanup())
  return suite
}
