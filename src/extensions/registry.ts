import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Config} from '@oclif/core'
import type {InstalledPlugin} from './installed-plugins.js'
import {ConfigError, oneLine, UsageError} from '../base/errors.js'
import {
  CONTRACT_VERSION,
  FLOW_EVENT_PREFIX,
  STORE_EVENT_PREFIX,
  type FlowRegistration,
  type ProfileOption,
  type StoreRegistration,
} from '../contract/index.js'
import {BIN} from '../base/product.js'

/**
 * Finds flows and secret stores announced through `entra:flow:<name>` / `entra:store:<name>` hooks.
 *
 * Names come from package.json metadata alone (no plugin code is imported to list them), so `--help`, the
 * "unknown flow" message and conflict detection are free. A hook module is imported only when its flow or store is
 * actually used. A built-in name claimed by a plugin stays the built-in's; the plugin's claim is reported.
 */
export type ExtensionKind = 'flow' | 'store'

export interface ExtensionInfo {
  kind: ExtensionKind
  /** The part after the prefix, as the providing plugin declares it: `client-credentials`. */
  id: string
  event: string
  /** The plugin that provides it (the CLI's own package name for built-ins). */
  plugin: string
  builtin: boolean
  /** Every plugin other than a built-in's that declares this name; more than one (and no built-in) is a conflict. */
  plugins: string[]
  /** Plugins whose claim on a built-in name is ignored. */
  shadowed: string[]
}

/** Where registrations come from: the full oclif plugin list, or (fast path) package.json files read directly. */
export interface HookSource {
  /** Every plugin with its declared events; `builtin` marks the CLI's own package. */
  declared(): Array<{plugin: string; events: string[]; builtin?: boolean}>
  run<T>(
    event: string,
  ): Promise<{successes: Array<{plugin: string; result: T}>; failures: Array<{plugin: string; error: Error}>}>
}

const PREFIX: Record<ExtensionKind, string> = {flow: FLOW_EVENT_PREFIX, store: STORE_EVENT_PREFIX}

/** The contract versions this CLI speaks. */
export const SUPPORTED_CONTRACT_VERSIONS: readonly number[] = [CONTRACT_VERSION]

/** `ClientCredentials`, `client-credentials` and `clientcredentials` all name the same flow. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[^a-z\d]/g, '')
}

/** `client-credentials` → `ClientCredentials`, the spelling the docs and the built-in registrations use. */
export function displayName(id: string): string {
  return id
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('')
}

export function listExtensions(source: HookSource, kind: ExtensionKind): ExtensionInfo[] {
  const byName = new Map<string, ExtensionInfo>()
  for (const {builtin = false, events, plugin} of source.declared()) {
    for (const event of events) {
      if (!event.startsWith(PREFIX[kind]) || event.length === PREFIX[kind].length) continue
      const id = event.slice(PREFIX[kind].length)
      const key = canonicalName(id)
      const known = byName.get(key)
      if (!known) {
        byName.set(key, {builtin, event, id, kind, plugin, plugins: builtin ? [] : [plugin], shadowed: []})
      } else if (builtin && !known.builtin) {
        byName.set(key, {builtin, event, id, kind, plugin, plugins: [], shadowed: known.plugins})
      } else if (known.builtin) {
        known.shadowed.push(plugin)
      } else if (!known.plugins.includes(plugin)) {
        known.plugins.push(plugin)
      }
    }
  }
  return [...byName.values()].sort((a, b) => byId(a.id, b.id))
}

/**
 * Case-insensitive code-unit order (the same order as localeCompare for ids made of letters, digits and dashes).
 * Not localeCompare: its first call sets up ICU collation, ~5 ms of CPU on every cached get-token.
 */
function byId(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()]
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0
}

/** One line about each plugin claiming a built-in's name, for warnings and listings. */
export function shadowWarnings(info: ExtensionInfo): string[] {
  return info.shadowed.map(
    (plugin) =>
      `The plugin '${plugin}' also declares the built-in ${info.kind} '${info.id}'; it is ignored (uninstall it, or ask its author to rename it).`,
  )
}

export function findExtension(source: HookSource, kind: ExtensionKind, name: string): ExtensionInfo {
  const all = listExtensions(source, kind)
  const match = all.find((e) => canonicalName(e.id) === canonicalName(name))
  if (!match) {
    const installed = all.map((e) => (kind === 'flow' ? displayName(e.id) : e.id)).join(', ') || 'none'
    const hint = kind === 'flow' ? 'pass one of them with -f' : 'set ENTRA_AUTH_CLI_STORE to one of them'
    throw new UsageError(`Unknown ${kind} '${name}'. Installed ${kind}s: ${installed}; ${hint}.`)
  }
  if (!match.builtin && match.plugins.length > 1) {
    throw new ConfigError(
      `The ${kind} '${name}' is registered by more than one plugin (${match.plugins.join(', ')}); uninstall one with '${BIN} plugins uninstall'.`,
      'EXTENSION_CONFLICT',
    )
  }
  return match
}

/**
 * Runs one registration hook and checks what it returns against the contract. A plugin that throws, returns
 * nothing, speaks another contract version or registers under another name is reported by name.
 */
export async function register<T extends FlowRegistration | StoreRegistration>(
  source: HookSource,
  info: ExtensionInfo,
): Promise<T> {
  const {failures, successes} = await source.run<T>(info.event)
  const broken = (reason: string) =>
    new ConfigError(
      `The plugin '${info.plugin}' failed to register ${info.kind} '${info.id}': ${reason}`,
      'EXTENSION_FAILED',
    )
  // Other plugins may answer the same event (one claiming a built-in's name): only the provider's answer counts.
  const failure = failures.find((f) => f.plugin === info.plugin)
  if (failure) throw broken(oneLine(failure.error.message ?? String(failure.error)))
  const result = successes.find((s) => s.plugin === info.plugin)?.result
  if (!result || typeof result !== 'object') {
    throw new ConfigError(
      `The plugin '${info.plugin}' declared ${info.kind} '${info.id}' but its hook returned nothing.`,
      'EXTENSION_FAILED',
    )
  }
  const version = (result as {contractVersion?: unknown}).contractVersion
  if (!SUPPORTED_CONTRACT_VERSIONS.includes(version as number)) {
    const speaks = `this ${BIN} speaks plugin contract version ${SUPPORTED_CONTRACT_VERSIONS.join(', ')}`
    throw new ConfigError(
      version === undefined
        ? `The plugin '${info.plugin}' registers ${info.kind} '${info.id}' without a contract version, and ${speaks}; rebuild the plugin with defineFlow/defineStore from entra-auth-cli-plugin-api ${CONTRACT_VERSION}.x.`
        : `The plugin '${info.plugin}' was written for plugin contract version ${String(version)}, but ${speaks}; install a release of '${info.plugin}' made for version ${CONTRACT_VERSION}, or ${Number(version) > CONTRACT_VERSION ? 'upgrade' : 'a matching release of'} ${BIN}.`,
      'EXTENSION_VERSION',
    )
  }
  const name = (result as {name?: unknown}).name
  if (typeof name !== 'string' || canonicalName(name) !== canonicalName(info.id)) {
    throw broken(
      `it declares the hook '${info.event}' but names itself '${String(name)}'; the two must name the same ${info.kind}`,
    )
  }
  const problem =
    info.kind === 'flow' ? flowProblem(result as FlowRegistration) : storeProblem(result as StoreRegistration)
  if (problem) throw broken(problem)
  return result
}

const OPTION_NAME = /^[a-z][a-z\d-]{0,39}$/
const FIELD_USES = new Set(['required', 'optional', 'unused', undefined])

function flowProblem(r: FlowRegistration): string | undefined {
  if (r.kind !== 'app-only' && r.kind !== 'user')
    return `its kind is ${JSON.stringify(r.kind)}, not 'app-only' or 'user'`
  if (typeof r.create !== 'function') return 'it has no create()'
  const fields = r.profileFields ?? {}
  for (const field of ['tenant', 'clientId', 'credential'] as const) {
    if (!FIELD_USES.has(fields[field]))
      return `profileFields.${field} is ${JSON.stringify(fields[field])}, not 'required', 'optional' or 'unused'`
  }
  const seen = new Set<string>()
  for (const option of (r.options ?? []) as ProfileOption[]) {
    if (!option || typeof option.name !== 'string' || !OPTION_NAME.test(option.name)) {
      return `its option ${JSON.stringify(option?.name)} needs a name of lower-case letters, digits and dashes`
    }
    if (seen.has(option.name)) return `it declares the option '${option.name}' twice`
    seen.add(option.name)
  }
  return undefined
}

/** A store that does not declare itself encrypted is refused like a failing plugin: plaintext is never an option. */
function storeProblem(r: StoreRegistration): string | undefined {
  if ((r as {encrypted: unknown}).encrypted !== true)
    return `it does not declare encryption; ${BIN} never keeps secrets in plaintext`
  if (typeof r.create !== 'function' || typeof r.isAvailable !== 'function')
    return 'it has no create() or isAvailable()'
  return undefined
}

export interface Registered<T> {
  registration: T
  info: ExtensionInfo
}

export async function loadFlow(
  source: HookSource,
  name: string,
  warn?: (message: string) => void,
): Promise<Registered<FlowRegistration>> {
  const info = findExtension(source, 'flow', name)
  if (warn) for (const line of shadowWarnings(info)) warn(line)
  return {info, registration: await register<FlowRegistration>(source, info)}
}

export async function loadFlowRegistration(
  source: HookSource,
  name: string,
  warn?: (message: string) => void,
): Promise<FlowRegistration> {
  return (await loadFlow(source, name, warn)).registration
}

export async function loadStoreRegistration(source: HookSource, name: string): Promise<StoreRegistration> {
  return register<StoreRegistration>(source, findExtension(source, 'store', name))
}

/** Every registration of a kind, with the problem of each one that fails (listing, the store choice). */
export async function loadAll<T extends FlowRegistration | StoreRegistration>(
  source: HookSource,
  kind: ExtensionKind,
): Promise<Array<{info: ExtensionInfo; registration?: T; problem?: string}>> {
  return Promise.all(
    listExtensions(source, kind).map(async (info) => {
      try {
        if (!info.builtin && info.plugins.length > 1)
          throw new ConfigError(`registered by more than one plugin (${info.plugins.join(', ')})`)
        return {info, registration: await register<T>(source, info)}
      } catch (error) {
        return {info, problem: (error as Error).message}
      }
    }),
  )
}

/**
 * Every store that registers, in priority order. A store plugin that fails is skipped with a warning so the
 * built-in stores keep working.
 */
export async function loadAllStores(source: HookSource, warn: (message: string) => void): Promise<StoreRegistration[]> {
  const settled = await loadAll<StoreRegistration>(source, 'store')
  for (const {info, problem} of settled) {
    for (const line of shadowWarnings(info)) warn(line)
    if (problem) warn(`Skipping secret store '${info.id}': ${problem}`)
  }
  return settled
    .map((s) => s.registration)
    .filter((r): r is StoreRegistration => Boolean(r))
    .sort((a, b) => b.priority - a.priority)
}

// ------------------------------------------------------------------------------------------------------ hook sources

/** All installed plugins through oclif. Errors in hooks land in `failures` (captureErrors), never crash. */
export function oclifHookSource(config: Config, timeoutMs = 10_000): HookSource {
  return {
    declared: () =>
      config
        .getPluginsList()
        .map((p) => ({builtin: p.name === config.name, events: Object.keys(p.hooks ?? {}), plugin: p.name})),
    async run<T>(event: string) {
      const result = await config.runHook(event, {}, timeoutMs, true)
      return {
        failures: result.failures.map((f) => ({error: f.error, plugin: f.plugin.name})),
        successes: result.successes.map((s) => ({plugin: s.plugin.name, result: s.result as T})),
      }
    },
  }
}

/** A hook file's module, given its path as package.json declares it (`./dist/hooks/store-keyring`). */
export type HookModuleLoader = (target: string) => {default?: unknown}

/**
 * The hooks of the CLI and its installed and linked plugins, read from their package.json files and run without
 * loading oclif (installedPlugins follows oclif's rules for which plugins load). The get-token fast path opens a
 * flow's and a store's registration this way, exactly as oclif would (same hook file, same registration), at a
 * fraction of oclif's start-up cost; only the hook modules of the events asked for are loaded. `loadBuiltin` loads
 * the CLI's own hook modules (the bundled fast path passes the modules it was built with).
 */
export function packageHookSource(plugins: readonly InstalledPlugin[], loadBuiltin?: HookModuleLoader): HookSource {
  return {
    declared: () => plugins.map((p) => ({builtin: p.type === 'root', events: Object.keys(p.hooks), plugin: p.name})),
    async run<T>(event: string) {
      const successes: Array<{plugin: string; result: T}> = []
      const failures: Array<{plugin: string; error: Error}> = []
      for (const plugin of plugins) {
        for (const {identifier, target} of plugin.hooks[event] ?? []) {
          try {
            // The CLI's own hooks may come with the bundled fast path (src/fast/builtin-hooks.ts).
            const module =
              plugin.type === 'root' && loadBuiltin
                ? (loadBuiltin(target) as HookModule)
                : await loadModule(join(plugin.root, target))
            const hook = module[identifier] ?? (identifier === 'default' ? searchHook(module) : undefined)
            if (typeof hook !== 'function') throw new Error(`${target} has no export '${identifier}'`)
            successes.push({plugin: plugin.name, result: (await hook.call({}, {})) as T})
          } catch (error) {
            failures.push({error: error as Error, plugin: plugin.name})
          }
        }
      }
      return {failures, successes}
    },
  }
}

type HookFunction = (this: unknown, options: unknown) => Promise<unknown>
type HookModule = Record<string, HookFunction | undefined>

/** oclif's rule for a hook without a `default` export: the module itself if it is a function, else its first function. */
function searchHook(module: HookModule): HookFunction | undefined {
  if (typeof module === 'function') return module as HookFunction
  return Object.values(module).find((value): value is HookFunction => typeof value === 'function')
}

/** A CommonJS hook file by require(); an ES module (which require refuses on Node 20) by import(). */
async function loadModule(path: string): Promise<HookModule> {
  const resolved = require.resolve(path)
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolved) as HookModule
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error
    return (await import(pathToFileURL(resolved).href)) as HookModule
  }
}
