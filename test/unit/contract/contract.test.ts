import {expect} from 'chai'
import {
  CONTRACT_VERSION,
  defineFlow,
  defineStore,
  ERROR_KINDS,
  errorKindOf,
  PluginError,
} from '../../../src/contract/index.js'
import {pluginCliError} from '../../../src/base/errors.js'

describe('contract: define helpers and error kinds', () => {
  it('defineFlow and defineStore stamp the contract version, keeping one a registration states', async () => {
    const base = {
      create: async () => ({
        acquireToken: async () => ({accessToken: 'x', expiresOn: new Date(0), scopes: [], tokenType: 'Bearer'}),
      }),
    }
    const flow = await defineFlow({
      ...base,
      interactive: false,
      kind: 'app-only',
      name: 'A',
      summary: 's',
      supportsRefresh: false,
    }).call(undefined)
    expect(flow.contractVersion).to.equal(CONTRACT_VERSION)
    const old = await defineFlow({
      ...base,
      contractVersion: 7,
      interactive: false,
      kind: 'user',
      name: 'B',
      summary: 's',
      supportsRefresh: false,
    }).call(undefined)
    expect(old.contractVersion).to.equal(7)
    const store = await defineStore({
      create: async () => ({
        delete: async () => false,
        get: async () => undefined,
        location: 'here',
        name: 'x',
        set: async () => {},
      }),
      encrypted: true,
      isAvailable: async () => ({available: true}),
      name: 'x',
      priority: 1,
      summary: 's',
    }).call(undefined)
    expect(store.contractVersion).to.equal(CONTRACT_VERSION)
  })

  it('error kinds are read from a plain property: PluginError, a plain Error with errorKind, nothing else', () => {
    expect(new PluginError('network', 'down').exitCode).to.equal(5)
    expect(errorKindOf(new PluginError('auth', 'no'))).to.equal('auth')
    expect(errorKindOf(Object.assign(new Error('x'), {errorKind: 'config'}))).to.equal('config')
    expect(errorKindOf({errorKind: 'toString'})).to.equal(undefined)
    expect(errorKindOf(new Error('x'))).to.equal(undefined)
    expect(errorKindOf('network')).to.equal(undefined)
    expect(Object.values(ERROR_KINDS)).to.deep.equal([3, 4, 5])
  })

  it('the CLI maps a declared kind to its exit code, one line, tokens scrubbed', () => {
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eXoifQ.c2lnbmF0dXJl'
    const mapped = pluginCliError(
      Object.assign(new Error(`refused\n  at ${jwt}`), {code: 'IMDS_DOWN', errorKind: 'network'}),
    )
    expect(mapped?.exitCode).to.equal(5)
    expect(mapped?.code).to.equal('IMDS_DOWN')
    expect(mapped?.message).to.equal('refused at eyJhbG…')
    expect(pluginCliError(new Error('plain'))).to.equal(undefined)
  })
})
