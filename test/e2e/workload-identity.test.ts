import {expect} from 'chai'
import {decodeJwt} from 'jose'
import {randomUUID} from 'node:crypto'
import {renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {startIdp, TOKEN_EXCHANGE_AUDIENCE, type Idp} from '../support/idp/index.js'
import {registerSensitive} from '../support/plaintext-scan.js'
import {useWorld, type World} from '../support/world.js'

const SUBJECT = 'system:serviceaccount:orders:api'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

describe('get-token -f WorkloadIdentity: a federated token from AZURE_FEDERATED_TOKEN_FILE as client assertion', function () {
  const suite = useWorld()
  let idp: Idp
  let world: World
  /** The workload's own issuer (a Kubernetes cluster's service-account issuer), trusted by the app registration. */
  let cluster: Idp
  let clusterTenant: string
  let tokenFile: string

  before(async () => {
    cluster = await startIdp()
    clusterTenant = randomUUID()
    cluster.registerTenant(clusterTenant)
  })
  after(() => cluster.stop())
  beforeEach(() => {
    ;({idp, world} = suite)
    idp.registerApp({
      clientId: world.clientId,
      federatedCredentials: [{issuer: cluster.issuer(clusterTenant), issuerCaPem: cluster.caCertPem, subject: SUBJECT}],
      roles: ['Data.Read'],
      tenantId: world.tenantId,
    })
    tokenFile = join(world.home.root, 'azure-identity-token')
  })

  /** What the kubelet projects into the pod: a service-account token for the token-exchange audience. */
  async function projectToken(claims: {sub?: string; lifetime?: number; aud?: string} = {}) {
    const now = Math.floor(Date.now() / 1000)
    const lifetime = claims.lifetime ?? 3600
    const token = await cluster.signToken({
      aud: claims.aud ?? TOKEN_EXCHANGE_AUDIENCE,
      exp: now + lifetime,
      iat: now - 60 + Math.min(0, lifetime),
      iss: cluster.issuer(clusterTenant),
      jti: randomUUID(),
      nbf: now - 60 + Math.min(0, lifetime),
      sub: claims.sub ?? SUBJECT,
    })
    registerSensitive(token)
    // As the kubelet does: a new file moved over the old one.
    writeFileSync(`${tokenFile}.new`, token)
    renameSync(`${tokenFile}.new`, tokenFile)
  }

  const podEnv = () => ({
    AZURE_AUTHORITY_HOST: idp.origin,
    AZURE_CLIENT_ID: world.clientId,
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_TENANT_ID: world.tenantId,
  })

  async function createPodProfile(name = 'pod') {
    const created = await world.cli(['config', 'create', '--name', name, '--flow', 'WorkloadIdentity'], {
      extraEnv: podEnv(),
    })
    expect(created.code, created.stderr).to.equal(0)
    return created
  }

  it('creates a profile from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_AUTHORITY_HOST, gets an app-only token, then serves it from the cache', async () => {
    const created = await createPodProfile()
    expect(created.stderr).to.include(
      'Using AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST from the environment for the WorkloadIdentity flow.',
    )
    const shown = JSON.parse((await world.cli(['config', 'show', '-p', 'pod', '--json'])).stdout) as Record<
      string,
      unknown
    >
    expect(shown).to.include({
      authMethod: 'None',
      authority: idp.origin,
      clientId: world.clientId,
      defaultFlow: 'WorkloadIdentity',
      tenantId: world.tenantId,
    })

    await projectToken()
    const result = await world.cli(['get-token', '-p', 'pod'], {extraEnv: podEnv()})
    expect(result.code, result.stderr).to.equal(0)
    const claims = decodeJwt(result.stdout.trim())
    expect(claims).to.include({appid: world.clientId, azpacr: '2'})
    expect(claims.roles).to.deep.equal(['Data.Read'])
    const [request] = idp.tokenRequests()
    expect(request).to.include({clientAuth: 'assertion', grant_type: 'client_credentials', status: 200})
    expect(request.body.client_assertion_type).to.equal(JWT_BEARER)

    const again = await world.cli(['get-token', '-p', 'pod', '--silent'], {extraEnv: podEnv()})
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout).to.equal(result.stdout)
    expect(idp.tokenRequests()).to.have.length(1)
  })

  it('reads the file again on every request: a rotated token is used by the next call, an expired one is refused (AADSTS700024, exit 4)', async () => {
    await createPodProfile()
    await projectToken()
    expect((await world.cli(['get-token', '-p', 'pod', '--silent'], {extraEnv: podEnv()})).code).to.equal(0)

    await projectToken({lifetime: -120})
    const expired = await world.cli(['get-token', '-p', 'pod', '--force'], {extraEnv: podEnv()})
    expect(expired.code).to.equal(4)
    expect(expired.stderr).to.match(/^Error: Authentication failed \(AADSTS700024\): .*AZURE_FEDERATED_TOKEN_FILE/m)
    expect(expired.stderr).to.match(/^ {2}Server said: Client assertion is not within its valid time range\./m)
    expect(expired.stderr).to.match(/^ {2}Trace ID: [0-9a-f-]{36}$/m)

    await projectToken()
    const rotated = await world.cli(['get-token', '-p', 'pod', '--force', '--silent'], {extraEnv: podEnv()})
    expect(rotated.code, rotated.stderr).to.equal(0)
    expect(idp.tokenRequests().map((r) => r.status)).to.deep.equal([200, 401, 200])
  })

  it("an assertion for a subject the app does not trust gets Entra's AADSTS70021, exit 4", async () => {
    await createPodProfile()
    await projectToken({sub: 'system:serviceaccount:other:intruder'})
    const result = await world.cli(['get-token', '-p', 'pod'], {extraEnv: podEnv()})
    expect(result.code).to.equal(4)
    expect(result.stderr).to.match(
      /^Error: Authentication failed \(AADSTS70021\): No federated credential of the app matches/m,
    )
    expect(result.stderr).to.include("Assertion Subject: 'system:serviceaccount:other:intruder'")
    expect(result.stdout).to.equal('')
  })

  it('a token from an issuer the app does not trust gets AADSTS700211, exit 4', async () => {
    await createPodProfile()
    await projectToken()
    idp.registerApp({clientId: world.clientId, tenantId: world.tenantId})
    const result = await world.cli(['get-token', '-p', 'pod', '--json'], {extraEnv: podEnv()})
    expect(result.code).to.equal(4)
    expect(JSON.parse(result.stdout).error).to.include({code: 'AADSTS700211', exitCode: 4})
  })

  it('config create --flow WorkloadIdentity without the variables or flags names both (exit 2)', async () => {
    const result = await world.cli(['config', 'create', '--name', 'pod', '--flow', 'WorkloadIdentity'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.match(
      /^Error: Missing --tenant-id \(or AZURE_TENANT_ID\), --client-id \(or AZURE_CLIENT_ID\); pass them as flags/,
    )
  })

  it('without AZURE_FEDERATED_TOKEN_FILE, or with the file missing, says what to set (exit 3) and asks nobody', async () => {
    await createPodProfile()
    const unset = await world.cli(['get-token', '-p', 'pod'], {
      extraEnv: {...podEnv(), AZURE_FEDERATED_TOKEN_FILE: undefined},
    })
    expect(unset.code).to.equal(3)
    expect(unset.stderr).to.match(/WorkloadIdentity flow, but AZURE_FEDERATED_TOKEN_FILE is not set/)
    const missing = await world.cli(['get-token', '-p', 'pod'], {extraEnv: podEnv()})
    expect(missing.code).to.equal(3)
    expect(missing.stderr).to.include(`Cannot read the federated token file ${tokenFile} (ENOENT)`)
    expect(idp.tokenRequests()).to.have.length(0)
  })

  it('an authority that is neither a Microsoft cloud nor AZURE_AUTHORITY_HOST gets no federated token (exit 3, nothing sent)', async () => {
    await createPodProfile()
    await projectToken()
    const refused = await world.cli(['get-token', '-p', 'pod'], {
      extraEnv: {...podEnv(), AZURE_AUTHORITY_HOST: undefined},
    })
    expect(refused.code, refused.stderr).to.equal(3)
    expect(refused.stderr).to.match(
      new RegExp(
        `^Error: AZURE_FEDERATED_TOKEN_FILE is set, but profile 'pod' signs in at ${idp.origin.replaceAll('.', '\\.')}, which is not a Microsoft cloud, so the federated token is not sent there; if you trust that server, set AZURE_AUTHORITY_HOST=`,
        'm',
      ),
    )
    expect(refused.stdout).to.equal('')
    expect(idp.tokenRequests()).to.have.length(0)
  })
})
