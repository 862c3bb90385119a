/**
 * Local emulators of the places an Azure workload gets a managed identity token from, on 127.0.0.1, answering as
 * Azure does (errors, retries and Arc's key-file challenge included), so the ManagedIdentity flow is tested end to
 * end with the real msal-node against real sockets.
 *
 *   const azure = await startAzureIdentity()
 *   const ci = azure.addUserAssigned('ci')
 *   await cli(['get-token', '-p', 'mi'], {env: {...azure.imds.env()}})   // or appService / arc
 *   azure.imds.fail({status: 429, retryAfterSeconds: 0})                 // the next request is throttled
 *   azure.requests('imds').length                                        // what reached IMDS
 *   await azure.stop()
 *
 * Each source's `env()` also unsets the other sources' variables, because msal-node picks the source from the
 * environment (Service Fabric, App Service, Machine Learning, Cloud Shell, Arc, then IMDS).
 */
import {randomBytes} from 'node:crypto'
import {Endpoint, type Fault, type RequestRecord, type SourceName} from './endpoint.js'
import {Identities, type Identity, type IssuedToken} from './identities.js'
import {
  ARC_KEY_DIR,
  ArcKeys,
  TOKEN_PATH,
  appServiceErrorBody,
  appServiceHandler,
  arcHandler,
  imdsErrorBody,
  imdsHandler,
  type ArcChallenge,
} from './sources.js'

export type {ArcChallenge, Fault, Identity, IssuedToken, RequestRecord, SourceName}
export {ARC_KEY_DIR}

/** Every variable msal-node reads to choose a managed identity source; each source sets its own and unsets the rest. */
const SOURCE_VARIABLES = [
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
] as const

const unsetAll = (): NodeJS.ProcessEnv => Object.fromEntries(SOURCE_VARIABLES.map((name) => [name, undefined]))

export interface EmulatedSource {
  readonly name: SourceName
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** The CLI's environment for this source: its variables set, every other source's unset (undefined). */
  env(): NodeJS.ProcessEnv
  /** The next requests get this error instead of an answer (see Fault.times). */
  fail(fault: Fault): void
  pendingFaults(): number
}

export interface AzureIdentity {
  readonly imds: EmulatedSource
  readonly appService: EmulatedSource & {readonly identityHeader: string}
  readonly arc: EmulatedSource & {
    /** How the next challenges name their key file (folder, extension, size); {} restores Arc's own. */
    setChallenge(challenge: ArcChallenge): void
  }
  /** The resource's system-assigned identity; `removeSystemAssigned()` models a resource without one. */
  readonly systemAssigned: Identity
  removeSystemAssigned(): void
  addUserAssigned(name: string): Identity
  /** Resources this tenant refuses (AADSTS500011), e.g. a typo'd audience. */
  refuseResource(resource: string): void
  /** Requests received, oldest first, from one source or all. */
  requests(source?: SourceName): RequestRecord[]
  /** Tokens issued, oldest first. */
  tokens(): IssuedToken[]
  resetRequests(): void
  /** An environment with no managed identity source pointing anywhere (IMDS at a closed loopback port). */
  unreachableEnv(): Promise<NodeJS.ProcessEnv>
  stop(): Promise<void>
}

export async function startAzureIdentity(options: {tokenLifetimeSeconds?: number} = {}): Promise<AzureIdentity> {
  const identities = new Identities('vm-ci', options.tokenLifetimeSeconds)
  const systemAssigned = identities.systemAssigned as Identity
  const refused = new Set<string>()
  const known = (resource: string) => !refused.has(resource)
  const log: RequestRecord[] = []
  const identityHeader = randomBytes(16).toString('hex')
  const keys = new ArcKeys()

  const imds = new Endpoint('imds', imdsHandler(identities, known), log, imdsErrorBody)
  const appService = new Endpoint(
    'app-service',
    appServiceHandler(identities, known, identityHeader),
    log,
    appServiceErrorBody,
  )
  const arc = new Endpoint('arc', arcHandler(identities, known, keys), log, imdsErrorBody)
  await Promise.all([imds.listen(), appService.listen(), arc.listen()])

  const source = (endpoint: Endpoint, env: () => NodeJS.ProcessEnv): EmulatedSource => ({
    env: () => ({...unsetAll(), ...env()}),
    fail: (fault) => endpoint.fail(fault),
    name: endpoint.source,
    get origin() {
      return endpoint.origin
    },
    pendingFaults: () => endpoint.pendingFaults(),
  })

  return {
    addUserAssigned: (name) => identities.addUserAssigned(name),
    appService: {
      ...source(appService, () => ({
        IDENTITY_ENDPOINT: `${appService.origin}/msi/token`,
        IDENTITY_HEADER: identityHeader,
      })),
      identityHeader,
    },
    arc: {
      ...source(arc, () => ({IDENTITY_ENDPOINT: `${arc.origin}${TOKEN_PATH}`, IMDS_ENDPOINT: arc.origin})),
      setChallenge(challenge) {
        keys.challenge = challenge
      },
    },
    imds: source(imds, () => ({AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.origin})),
    refuseResource: (resource) => refused.add(resource),
    removeSystemAssigned() {
      identities.systemAssigned = undefined
    },
    requests: (name) => log.filter((r) => name === undefined || r.source === name).map((r) => ({...r})),
    resetRequests() {
      log.length = 0
    },
    async stop() {
      await Promise.all([imds.close(), appService.close(), arc.close()])
      keys.cleanup()
    },
    systemAssigned,
    tokens: () => identities.tokens(),
    async unreachableEnv() {
      const closed = new Endpoint('imds', () => ({body: {}, status: 500}), [], imdsErrorBody)
      await closed.listen()
      const origin = closed.origin
      await closed.close()
      return {...unsetAll(), AZURE_POD_IDENTITY_AUTHORITY_HOST: origin}
    },
  }
}
