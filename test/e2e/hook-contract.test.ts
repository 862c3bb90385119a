import {Config} from '@oclif/core'
import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {FlowRegistration, StoreRegistration} from '../../src/contract/index.js'
import {displayName, listExtensions, oclifHookSource} from '../../src/extensions/registry.js'
import {ROOT} from '../support/cli.js'

/**
 * The built package as oclif loads it (Config.load on the package root, as bin/run.js does), in-process: every
 * flow and store hook it declares answers through `config.runHook` with a registration that keeps the contract.
 * Catches a hook path in package.json that points nowhere, a hook that throws or returns the wrong shape.
 */
describe('hook contract of the built package (oclif Config.load)', function () {
  this.timeout(60_000)
  const declared = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: {hooks: Record<string, string>}}
  ).oclif.hooks
  const events = (prefix: string) => Object.keys(declared).filter((e) => e.startsWith(prefix))
  let config: Config
  let dataDir: string
  const saved = process.env.ENTRA_AUTH_CLI_DATA_DIR

  before(async () => {
    // A private oclif data dir: plugins the developer installed or linked must not take part.
    dataDir = mkdtempSync(join(tmpdir(), 'entra-contract-'))
    process.env.ENTRA_AUTH_CLI_DATA_DIR = dataDir
    config = await Config.load({root: ROOT})
  })
  after(() => {
    if (saved === undefined) delete process.env.ENTRA_AUTH_CLI_DATA_DIR
    else process.env.ENTRA_AUTH_CLI_DATA_DIR = saved
    rmSync(dataDir, {force: true, recursive: true})
  })

  async function registration<T>(event: string): Promise<T> {
    const {failures, successes} = await config.runHook(event, {}, 10_000, true)
    expect(
      failures.map((f) => `${f.plugin.name}: ${f.error.message}`),
      event,
    ).to.deep.equal([])
    expect(
      successes.map((s) => s.plugin.name),
      event,
    ).to.deep.equal([config.pjson.name])
    return successes[0].result as T
  }

  it('is the entra-auth-cli package, declaring its built-in flows and stores', () => {
    expect(config.bin).to.equal('entra-auth-cli')
    const flows = [
      'authorization-code',
      'client-credentials',
      'device-code',
      'interactive-browser',
      'workload-identity',
    ]
    expect(events('entra:flow:')).to.include.members(flows.map((f) => `entra:flow:${f}`))
    expect(events('entra:store:')).to.include.members(['entra:store:encrypted-file', 'entra:store:keyring'])
  })

  it('each flow hook registers a flow named after its event, whose create() gives something that acquires tokens', async () => {
    for (const event of events('entra:flow:')) {
      const flow = await registration<FlowRegistration>(event)
      expect(flow.name, event).to.equal(displayName(event.slice('entra:flow:'.length)))
      expect(flow.summary, event).to.be.a('string').and.not.equal('')
      expect(flow.interactive, event).to.be.a('boolean')
      expect(flow.supportsRefresh, event).to.be.a('boolean')
      if (flow.defaultTimeoutSeconds !== undefined) expect(flow.defaultTimeoutSeconds, event).to.be.above(0)
      const created = await flow.create()
      expect(created.acquireToken, event).to.be.a('function')
      expect(Boolean(created.refresh), `${event}: refresh() exactly when supportsRefresh`).to.equal(
        flow.supportsRefresh,
      )
    }
  })

  it('each store hook registers an encrypted store named after its event that says whether it can be used here', async () => {
    for (const event of events('entra:store:')) {
      const store = await registration<StoreRegistration>(event)
      expect(store.name, event).to.equal(event.slice('entra:store:'.length))
      expect(store.encrypted, event).to.equal(true)
      expect(store.priority, event).to.be.a('number')
      expect(store.summary, event).to.be.a('string').and.not.equal('')
      expect(store.create, event).to.be.a('function')
      const availability = await store.isAvailable()
      expect(availability.available, event).to.be.a('boolean')
    }
  })

  it('the registry finds the same flows and stores through oclif', () => {
    const source = oclifHookSource(config)
    expect(listExtensions(source, 'flow').map((e) => e.event)).to.have.members(events('entra:flow:'))
    expect(listExtensions(source, 'store').map((e) => e.event)).to.have.members(events('entra:store:'))
  })
})
