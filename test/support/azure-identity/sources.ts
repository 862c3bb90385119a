/**
 * How each managed identity source answers, errors included, as documented by Azure and as msal-node expects:
 *
 * - IMDS (VMs, scale sets, AKS through AZURE_POD_IDENTITY_AUTHORITY_HOST): `GET /metadata/identity/oauth2/token
 *   ?api-version=2018-02-01&resource=…` with `Metadata: true`; `client_id`, `object_id` or `msi_res_id` names a
 *   user-assigned identity. Errors are `{error, error_description}` with status 400 (no Metadata header, a proxied
 *   request, unknown identity, unknown resource), 429 (throttled) or 5xx.
 * - App Service / Functions: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…` with
 *   `X-IDENTITY-HEADER: $IDENTITY_HEADER`; `client_id`, `principal_id` (alias `object_id`) or `mi_res_id`.
 *   Errors are `{statusCode, message, correlationId}`.
 * - Azure Arc (HIMDS): `GET $IDENTITY_ENDPOINT?api-version=2020-06-01&resource=…` with `Metadata: true`. The first
 *   request is answered 401 with `WWW-Authenticate: Basic realm=<key file>`; HIMDS writes a fresh secret into that
 *   file (only root and the himds group can read it), and the client proves it may read it by sending
 *   `Authorization: Basic <file contents>`. A key is good once.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {mkdirSync, rmSync, rmdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {selectorIn, type EmulatorRequest, type EmulatorResponse} from './endpoint.js'
import {tokenBody, type Identities} from './identities.js'

export const TOKEN_PATH = '/metadata/identity/oauth2/token'

/** Resources the emulated tenant does not know: asking for one is refused as Entra refuses it (AADSTS500011). */
export type ResourceCheck = (resource: string) => boolean

const imdsError = (status: number, error: string, description: string): EmulatorResponse => ({
  body: {error, error_description: description},
  status,
})

export function imdsErrorBody(status: number): unknown {
  if (status === 429) return {error: 'too_many_requests', error_description: 'Too many requests. Retry after a while.'}
  if (status === 404) return {error: 'not_found', error_description: 'IMDS is being updated. Retry.'}
  if (status === 410) return {error: 'gone', error_description: 'IMDS is being updated. Retry.'}
  if (status >= 500)
    return {
      error: 'unknown',
      error_description: 'Failed to retrieve token from the Active directory. For details see logs.',
    }
  return {error: 'invalid_request', error_description: 'Bad request'}
}

export function appServiceErrorBody(status: number): unknown {
  const message =
    status === 429 ? 'Too many requests.' : status >= 500 ? 'An unexpected error occurred.' : 'Bad request.'
  return {correlationId: randomUUID(), message, statusCode: status}
}

function unknownResource(resource: string, tenantId: string): EmulatorResponse {
  return imdsError(
    400,
    'invalid_resource',
    `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
  )
}

const IMDS_SELECTORS = {
  client_id: 'client_id',
  mi_res_id: 'resource_id',
  msi_res_id: 'resource_id',
  object_id: 'object_id',
} as const

/**
 * IMDS and Arc, once the request itself passed: the identity the query names (the system-assigned one when it names
 * none), for a known resource, answered with the IMDS body; Arc (which checks the echo for a user-assigned identity)
 * echoes all ids.
 */
async function issueNamed(
  identities: Identities,
  knownResource: ResourceCheck,
  req: EmulatorRequest,
  resource: string,
  echoAll: boolean,
): Promise<EmulatorResponse> {
  const named = selectorIn(req.query, IMDS_SELECTORS)
  if ('conflict' in named)
    return imdsError(400, 'invalid_request', `Only one of ${named.conflict?.join(', ')} may be given`)
  const identity = identities.find(named.selector)
  if (!identity) return imdsError(400, 'invalid_request', 'Identity not found')
  if (!knownResource(resource)) return unknownResource(resource, identities.tenantId)
  const token = await identities.issue(identity, resource)
  const extra: Record<string, string> = echoAll ? {msi_res_id: identity.resourceId, object_id: identity.objectId} : {}
  return {body: tokenBody(token, extra), status: 200}
}

export function imdsHandler(identities: Identities, knownResource: ResourceCheck) {
  return async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    if (req.path !== TOKEN_PATH) return imdsError(404, 'not_found', `No route for ${req.path}`)
    if (req.method !== 'GET') return imdsError(405, 'method_not_allowed', 'The requested method is not allowed.')
    if (req.headers.metadata !== 'true')
      return imdsError(400, 'invalid_request', 'Required metadata header not specified')
    // IMDS refuses anything that came through a proxy.
    if (req.headers['x-forwarded-for'] !== undefined)
      return imdsError(400, 'invalid_request', 'Request is not allowed through a proxy')
    if (!req.query.get('api-version'))
      return imdsError(400, 'invalid_request', 'Required query variable api-version is missing')
    const resource = req.query.get('resource')
    if (!resource) return imdsError(400, 'invalid_request', 'Required audience parameter not specified')
    return issueNamed(identities, knownResource, req, resource, false)
  }
}

const APP_SERVICE_SELECTORS = {
  client_id: 'client_id',
  mi_res_id: 'resource_id',
  object_id: 'object_id',
  principal_id: 'object_id',
} as const

export function appServiceHandler(identities: Identities, knownResource: ResourceCheck, identityHeader: string) {
  const fail = (status: number, message: string): EmulatorResponse => ({
    body: {correlationId: randomUUID(), message, statusCode: status},
    status,
  })
  return async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    if (req.path !== '/msi/token') return fail(404, `No route for ${req.path}`)
    if (req.method !== 'GET') return fail(405, 'The requested method is not allowed.')
    if (req.headers['x-identity-header'] !== identityHeader)
      return fail(401, 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.')
    if (req.query.get('api-version') !== '2019-08-01') return fail(400, 'Unsupported api-version; use 2019-08-01.')
    const resource = req.query.get('resource')
    if (!resource) return fail(400, 'The resource parameter is required.')
    const named = selectorIn(req.query, APP_SERVICE_SELECTORS)
    if ('conflict' in named) return fail(400, `Only one of ${named.conflict?.join(', ')} may be given.`)
    const identity = identities.find(named.selector)
    if (!identity) return fail(400, 'Unable to load the proper Managed Identity.')
    if (!knownResource(resource))
      return fail(
        400,
        `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${identities.tenantId}.`,
      )
    const token = await identities.issue(identity, resource)
    const {access_token, client_id, expires_on, resource: audience, token_type} = tokenBody(token)
    return {body: {access_token, client_id, expires_on, resource: audience, token_type}, status: 200}
  }
}

/** Where HIMDS writes its key files on Linux; msal-node reads a key only from there. */
export const ARC_KEY_DIR = '/var/opt/azcmagent/tokens'

export interface ArcChallenge {
  /** Folder the key file is written to (default ARC_KEY_DIR): elsewhere, msal refuses to read it. */
  dir?: string
  /** Default `.key`; msal refuses any other. */
  extension?: string
  /** Bytes of secret (default 32, hex-encoded to 64 characters); msal refuses a file over 4096 bytes. */
  bytes?: number
  /** Name a key file that is never written. */
  missing?: boolean
}

export class ArcKeys {
  private readonly live = new Map<string, string>()
  private readonly created: string[] = []
  private readonly createdDirs: string[] = []
  challenge: ArcChallenge = {}

  /** Writes a fresh key file and returns its path (what goes into the realm). */
  mint(): string {
    const dir = this.challenge.dir ?? ARC_KEY_DIR
    const path = join(dir, `${randomUUID()}${this.challenge.extension ?? '.key'}`)
    const secret = randomBytes(Math.ceil((this.challenge.bytes ?? 32) / 2))
      .toString('hex')
      .slice(0, this.challenge.bytes ?? 64)
    if (!this.challenge.missing) {
      this.ensureDir(dir)
      writeFileSync(path, secret, {mode: 0o600})
      this.created.push(path)
    }
    this.live.set(secret, path)
    return path
  }

  /** True once per key: HIMDS forgets a key when it has been used. */
  redeem(secret: string): boolean {
    const path = this.live.get(secret)
    if (!path) return false
    this.live.delete(secret)
    rmSync(path, {force: true})
    return true
  }

  cleanup(): void {
    for (const path of this.created) rmSync(path, {force: true})
    // Only folders this emulator made, deepest first, and only when empty (another run may be using them).
    for (const dir of [...this.createdDirs].reverse()) {
      try {
        rmdirSync(dir)
      } catch {
        // not empty or already gone
      }
    }
  }

  private ensureDir(dir: string): void {
    const made = mkdirSync(dir, {mode: 0o700, recursive: true})
    if (made) {
      // mkdirSync returns the first folder it created; remember it and every folder below it.
      let current = dir
      const below: string[] = []
      while (current.length >= made.length) {
        below.unshift(current)
        current = join(current, '..')
      }
      this.createdDirs.push(...below)
    }
  }
}

export function arcHandler(identities: Identities, knownResource: ResourceCheck, keys: ArcKeys) {
  return async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    if (req.path !== TOKEN_PATH) return imdsError(404, 'not_found', `No route for ${req.path}`)
    if (req.method !== 'GET') return imdsError(405, 'method_not_allowed', 'The requested method is not allowed.')
    if (req.headers.metadata !== 'true')
      return imdsError(400, 'invalid_request', 'Required metadata header not specified')
    const version = req.query.get('api-version')
    if (!version || version < '2019-11-01') return imdsError(400, 'invalid_request', 'Unsupported api-version')
    const resource = req.query.get('resource')
    if (!resource) return imdsError(400, 'invalid_request', 'Required audience parameter not specified')
    const authorization = req.headers.authorization
    if (!authorization) {
      return {
        body: {error: 'unauthorized', error_description: 'Authorization required'},
        headers: {'WWW-Authenticate': `Basic realm=${keys.mint()}`},
        status: 401,
      }
    }
    const secret = /^Basic (.+)$/.exec(authorization)?.[1]
    if (!secret || !keys.redeem(secret)) return imdsError(401, 'unauthorized', 'Invalid authorization key')
    return issueNamed(identities, knownResource, req, resource, true)
  }
}
