import {expect} from 'chai'
import {randomUUID} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {decodeJwt} from 'jose'
import {startIdp, type Idp} from '../support/idp/index.js'
import {useWorld, type World} from '../support/world.js'

/**
 * profiles.json may be edited by hand. A cached token belongs to the authority, tenant and client it was issued
 * for: after a hand edit to other ones, neither the fast path nor the full command may serve it.
 */
describe('token cache identity (built CLI against the local identity provider)', function () {
  const suite = useWorld({profile: 'app'})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  function editProfile(change: (profile: Record<string, unknown>) => void) {
    const file = join(world.home.cliHome, 'profiles.json')
    const data = JSON.parse(readFileSync(file, 'utf8')) as {profiles: Record<string, unknown>[]}
    change(data.profiles[0])
    writeFileSync(file, JSON.stringify(data, null, 2))
  }

  async function token(extraEnv?: NodeJS.ProcessEnv): Promise<string> {
    const result = await world.cli(['get-token', '-p', 'app', '--silent'], {extraEnv})
    expect(result.code, result.stderr).to.equal(0)
    return result.stdout.trim()
  }

  it('a hand edit to another tenant is a cache miss: the new tenant is asked', async () => {
    const first = await token()
    expect(await token()).to.equal(first)
    expect(idp.tokenRequests()).to.have.length(1)

    const otherTenant = randomUUID()
    idp.registerTenant(otherTenant)
    idp.registerApp({
      clientId: world.clientId,
      clientSecret: world.clientSecret,
      roles: ['Data.Read'],
      tenantId: otherTenant,
    })
    editProfile((profile) => {
      profile.tenantId = otherTenant
    })
    const second = await token()
    expect(decodeJwt(second).tid).to.equal(otherTenant)
    expect(idp.tokenRequests().map((r) => r.tenant)).to.deep.equal([world.tenantId, otherTenant])
    // The new token is cached under the new identity.
    expect(await token()).to.equal(second)
    expect(idp.tokenRequests()).to.have.length(2)
  })

  it('a hand edit to another client id is a cache miss', async () => {
    await token()
    const otherClient = randomUUID()
    idp.registerApp({
      clientId: otherClient,
      clientSecret: world.clientSecret,
      roles: ['Data.Read'],
      tenantId: world.tenantId,
    })
    editProfile((profile) => {
      profile.clientId = otherClient
    })
    expect(decodeJwt(await token()).appid).to.equal(otherClient)
    expect(idp.tokenRequests().map((r) => r.client_id)).to.deep.equal([world.clientId, otherClient])
  })

  it('a hand edit to another authority (same tenant and client) is a cache miss: the new server is asked', async () => {
    const other = await startIdp()
    try {
      other.registerTenant(world.tenantId)
      other.registerApp({
        clientId: world.clientId,
        clientSecret: world.clientSecret,
        roles: ['Data.Read'],
        tenantId: world.tenantId,
      })
      // Trust both providers' CAs.
      const caBundle = join(world.home.root, 'ca-bundle.pem')
      writeFileSync(caBundle, `${idp.caCertPem}\n${other.caCertPem}`)
      const first = await token({NODE_EXTRA_CA_CERTS: caBundle})
      editProfile((profile) => {
        profile.authority = other.origin
      })
      const second = await token({NODE_EXTRA_CA_CERTS: caBundle})
      expect(second).to.not.equal(first)
      expect(decodeJwt(second).iss).to.equal(other.issuer(world.tenantId))
      expect(other.tokenRequests()).to.have.length(1)
    } finally {
      await other.stop()
    }
  })
})
