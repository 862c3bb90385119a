import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {checkExtraCaCerts} from '../../../src/diagnose/extra-ca.js'
import {createCertificateAuthority} from '../../support/certs.js'
import {TestHome} from '../../support/cli.js'

describe('diagnose/extra-ca: NODE_EXTRA_CA_CERTS', () => {
  let home: TestHome
  beforeEach(() => (home = new TestHome('doctor-ca-')))
  afterEach(() => home.cleanup())

  it('names the CAs a readable PEM adds; says nothing when unset', async () => {
    const pem = join(home.root, 'ca.pem')
    writeFileSync(pem, createCertificateAuthority('Corp Root CA').certPem)
    expect(await checkExtraCaCerts({NODE_EXTRA_CA_CERTS: pem})).to.deep.equal([
      {check: 'TLS', message: `NODE_EXTRA_CA_CERTS=${pem} adds 1 CA certificate(s): Corp Root CA.`, status: 'ok'},
    ])
    expect(await checkExtraCaCerts({})).to.deep.equal([])
  })

  it('fails a missing file or one without a PEM certificate (Node would ignore it), with the fix', async () => {
    const [missing] = await checkExtraCaCerts({NODE_EXTRA_CA_CERTS: join(home.root, 'none.pem')})
    expect(missing).to.include({status: 'fail'})
    expect(missing.message).to.match(/cannot be read \(ENOENT\); Node ignores it\.$/)
    const der = join(home.root, 'ca.cer')
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]))
    const [binary] = await checkExtraCaCerts({NODE_EXTRA_CA_CERTS: der})
    expect(binary).to.include({status: 'fail'})
    expect(binary.fix).to.match(/^Convert the CA certificate to PEM/)
  })
})
