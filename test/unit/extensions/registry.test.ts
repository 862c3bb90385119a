import {expect} from 'chai'
import {ConfigError, UsageError} from '../../../src/base/errors.js'
import {
  findExtension,
  listExtensions,
  loadAllStores,
  loadFlow,
  type HookSource,
} from '../../../src/extensions/registry.js'

/** Plugins as data: what each declares and what its hook resolves to (or throws). */
function source(plugins: Array<{plugin: string; builtin?: boolean; hooks: Record<string, () => unknown>}>): HookSource {
  return {
    declared: () => plugins.map((p) => ({builtin: p.builtin, events: Object.keys(p.hooks), plugin: p.plugin})),
    async run<T>(event: string) {
      const successes: Array<{plugin: string; result: T}> = []
      const failures: Array<{plugin: string; error: Error}> = []
      for (const p of plugins) {
        if (!p.hooks[event]) continue
        try {
          successes.push({plugin: p.plugin, result: (await p.hooks[event]()) as T})
        } catch (error) {
          failures.push({error: error as Error, plugin: p.plugin})
        }
      }
      return {failures, successes}
    },
  }
}

const flow =
  (name: string, extra: Record<string, unknown> = {}) =>
  () => ({
    contractVersion: 1,
    create: async () => ({}),
    interactive: false,
    kind: 'app-only',
    name,
    summary: `${name} flow`,
    supportsRefresh: false,
    ...extra,
  })

describe('extensions/registry', () => {
  it('a built-in name claimed by a plugin stays the built-in, and the plugin is named', async () => {
    const hooks = source([
      {hooks: {'entra:flow:device-code': flow('DeviceCode', {summary: 'impostor'})}, plugin: 'impostor'},
      {builtin: true, hooks: {'entra:flow:device-code': flow('DeviceCode')}, plugin: 'entra-auth-cli'},
    ])
    const warnings: string[] = []
    const {info, registration} = await loadFlow(hooks, 'devicecode', (m) => warnings.push(m))
    expect(info.plugin).to.equal('entra-auth-cli')
    expect(registration.summary).to.equal('DeviceCode flow')
    expect(warnings).to.deep.equal([
      "The plugin 'impostor' also declares the built-in flow 'device-code'; it is ignored (uninstall it, or ask its author to rename it).",
    ])
  })

  it('two plugins claiming one name (not a built-in) is a conflict naming both', () => {
    const hooks = source([
      {hooks: {'entra:flow:my-flow': flow('MyFlow')}, plugin: 'a'},
      {hooks: {'entra:flow:MyFlow': flow('MyFlow')}, plugin: 'b'},
    ])
    expect(() => findExtension(hooks, 'flow', 'my-flow')).to.throw(ConfigError, 'more than one plugin (a, b)')
    expect(listExtensions(hooks, 'flow')).to.have.length(1)
  })

  it('an unknown name is a usage error listing what is installed', () => {
    expect(() => findExtension(source([{hooks: {'entra:flow:x': flow('X')}, plugin: 'p'}]), 'flow', 'y')).to.throw(
      UsageError,
      'Installed flows: X',
    )
  })

  for (const [label, extra, message] of [
    [
      'no contract version',
      {contractVersion: undefined},
      "The plugin 'p' registers flow 'x' without a contract version",
    ],
    [
      'a later contract version',
      {contractVersion: 2},
      "The plugin 'p' was written for plugin contract version 2, but this entra-auth-cli speaks plugin contract version 1",
    ],
    ['another name than its event', {name: 'Y'}, "declares the hook 'entra:flow:x' but names itself 'Y'"],
    ['no kind', {kind: undefined}, "its kind is undefined, not 'app-only' or 'user'"],
    ['a bad option name', {options: [{description: 'd', name: 'Bad Name'}]}, 'needs a name of lower-case letters'],
    ['a bad field use', {profileFields: {tenant: 'maybe'}}, 'profileFields.tenant is "maybe"'],
  ] as const) {
    it(`a registration with ${label} is refused, naming the plugin`, async () => {
      const hooks = source([{hooks: {'entra:flow:x': flow('X', extra)}, plugin: 'p'}])
      let error: Error | undefined
      await loadFlow(hooks, 'x').catch((e: Error) => (error = e))
      expect(error).to.be.instanceOf(ConfigError)
      expect(error!.message).to.include(message)
    })
  }

  it('a store that fails to register is skipped with a warning; the others stay, by priority', async () => {
    const store =
      (name: string, priority: number, extra: Record<string, unknown> = {}) =>
      () => ({
        contractVersion: 1,
        create: async () => ({}),
        encrypted: true,
        isAvailable: async () => ({available: true}),
        name,
        priority,
        summary: name,
        ...extra,
      })
    const hooks = source([
      {
        hooks: {'entra:store:plain': store('plain', 500, {encrypted: false}), 'entra:store:low': store('low', 1)},
        plugin: 'p',
      },
      {builtin: true, hooks: {'entra:store:high': store('high', 100)}, plugin: 'cli'},
    ])
    const warnings: string[] = []
    const stores = await loadAllStores(hooks, (m) => warnings.push(m))
    expect(stores.map((s) => s.name)).to.deep.equal(['high', 'low'])
    expect(warnings).to.have.length(1)
    expect(warnings[0]).to.include(
      "Skipping secret store 'plain': The plugin 'p' failed to register store 'plain': it does not declare encryption",
    )
  })
})
