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
  clientId: string
  clientSecret: string
  home: TestHome
  /** Environment for the spawned CLI: private HOME, the provider's CA trusted, and the given store. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv
  cli(args: string[], options?: RunOptions & {extraEnv?: NodeJS.ProcessEnv}): Promise<CliResult>
  createProfile(
    name: string,
    extraArgs?: string[],
    options?: {secret?: string; extraEnv?: NodeJS.ProcessEnv},
  ): Promise<CliResult>
}

export type StoreChoice = 'keyring' | 'encrypted-file'

export const PASSPHRASE = 'correct horse battery staple'

export async function startWorld(options: {store?: StoreChoice; idp?: Idp} = {}): Promise<World> {
  const idp = options.idp ?? (await startIdp())
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const clientSecret = `${randomBytes(24).toString('base64url')}~S`
  idp.registerTenant(tenantId, [`t${tenantId.slice(0, 8)}.example`])
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
    createProfile: (name, extraArgs = [], profileOptions = {}) =>
      world.cli(
        [
          'config',
          'create',
          '--name',
          name,
          '--tenant-id',
          tenantId,
          '--client-id',
          clientId,
          '--authority',
          idp.authority(tenantId),
          ...(extraArgs.length > 0 ? extraArgs : ['--client-secret-stdin']),
        ],
        {extraEnv: profileOptions.extraEnv, input: profileOptions.secret ?? clientSecret},
      ),
    env,
    home,
    idp,
    tenantId,
  }
  return world
}
