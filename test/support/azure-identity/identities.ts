/**
 * The identities an emulated Azure resource has, and the access tokens its identity endpoint hands out. Tokens are
 * v1 app-only JWTs as Azure issues them to managed identities (`aud` the resource, `idtyp: app`, `xms_mirid` the
 * identity's ARM id), signed with a key of this emulator: the CLI never verifies them, tests compare them.
 */
import {generateKeyPairSync, randomUUID, type KeyObject} from 'node:crypto'
import {SignJWT} from 'jose'

export interface Identity {
  clientId: string
  objectId: string
  /** ARM resource id, e.g. `/subscriptions/…/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci`. */
  resourceId: string
}

/** How a request names a user-assigned identity: the query parameter Azure reads and its value. */
export interface Selector {
  kind: 'client_id' | 'object_id' | 'resource_id'
  value: string
}

export interface IssuedToken {
  accessToken: string
  identity: Identity
  resource: string
  expiresOn: number
}

const SUBSCRIPTION = '00000000-0000-4000-8000-00000000a2e0'

export function newIdentity(name: string, userAssigned: boolean): Identity {
  const resourceId = userAssigned
    ? `/subscriptions/${SUBSCRIPTION}/resourcegroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`
    : `/subscriptions/${SUBSCRIPTION}/resourcegroups/ci/providers/Microsoft.Compute/virtualMachines/${name}`
  return {clientId: randomUUID(), objectId: randomUUID(), resourceId}
}

export class Identities {
  readonly tenantId = randomUUID()
  /** Undefined models a resource with no system-assigned identity (IMDS then answers "Identity not found"). */
  systemAssigned: Identity | undefined
  private readonly userAssigned: Identity[] = []
  private readonly issued: IssuedToken[] = []
  private readonly key: KeyObject = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey

  constructor(
    name: string,
    /** Seconds an issued token lives; Azure's managed identity tokens live about a day. */
    private readonly lifetimeSeconds = 86_399,
  ) {
    this.systemAssigned = newIdentity(name, false)
  }

  addUserAssigned(name: string): Identity {
    const identity = newIdentity(name, true)
    this.userAssigned.push(identity)
    return identity
  }

  /** The identity a request asks for: the system-assigned one without a selector. Case-insensitive as Azure is. */
  find(selector: Selector | undefined): Identity | undefined {
    if (!selector) return this.systemAssigned
    const wanted = selector.value.toLowerCase()
    const field = selector.kind === 'client_id' ? 'clientId' : selector.kind === 'object_id' ? 'objectId' : 'resourceId'
    return this.userAssigned.find((identity) => identity[field].toLowerCase() === wanted)
  }

  /** Every token handed out so far, oldest first. */
  tokens(): IssuedToken[] {
    return [...this.issued]
  }

  async issue(identity: Identity, resource: string): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000)
    const expiresOn = now + this.lifetimeSeconds
    const accessToken = await new SignJWT({
      aud: resource,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: now,
      nbf: now,
      exp: expiresOn,
      aio: randomUUID(),
      appid: identity.clientId,
      appidacr: '2',
      idp: `https://sts.windows.net/${this.tenantId}/`,
      idtyp: 'app',
      oid: identity.objectId,
      sub: identity.objectId,
      tid: this.tenantId,
      uti: randomUUID().replaceAll('-', ''),
      ver: '1.0',
      xms_mirid: identity.resourceId,
    })
      .setProtectedHeader({alg: 'RS256', typ: 'JWT', kid: 'managed-identity-emulator'})
      .sign(this.key)
    const token = {accessToken, expiresOn, identity, resource}
    this.issued.push(token)
    return token
  }
}

/**
 * The token response body IMDS, Azure Arc and App Service send: numbers as strings, `expires_on` in epoch seconds,
 * the identity's client id echoed (msal checks the echo for a user-assigned identity on Arc).
 */
export function tokenBody(token: IssuedToken, extra: Record<string, string> = {}): Record<string, string> {
  const expiresIn = String(token.expiresOn - Math.floor(Date.now() / 1000))
  return {
    access_token: token.accessToken,
    client_id: token.identity.clientId,
    expires_in: expiresIn,
    expires_on: String(token.expiresOn),
    ext_expires_in: expiresIn,
    not_before: String(token.expiresOn - Number(expiresIn)),
    resource: token.resource,
    token_type: 'Bearer',
    ...extra,
  }
}
