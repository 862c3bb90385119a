import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Config} from '@oclif/core'
import {ConfigError, UsageError} from '../base/errors.js'
import {FLOW_EVENT_PREFIX, STORE_EVENT_PREFIX, type FlowRegistration, type StoreRegistration} from '../contract/index.js'

/**
 * Finds flows and secret stores announced through `entra:flow:<name>` / `entra:store:<name>` hooks.
 *
 * Names come from package.json metadata alone (no plugin code is imported to list them), so `--help`, the
 * "unknown flow" message and conflict detection are free. A hook module is imported only when its flow or store is
 * actually used.
 */
export type ExtensionKind = 'flow' | 'store'

export interface ExtensionInfo {
  kind: ExtensionKind
  /** The part after the prefix, as declared: `client-credentials`. */
  id: string
  event: string
  /** Every plugin that declares this event; more than one is a conflict. */
  plugins: string[]
}

/** Where registrations come from: the full oclif plugin list, or (fast path) the root package.json alone. */
export interface HookSource {
  declared(): Array<{plugin: string; events: string[]}>
  run<T>(event: string): Promise<{successes: Array<{plugin: string; result: T}>; failures: Array<{plugin: string; error: Error}>}>
}

const PREFIX: Record<ExtensionKind, string> = {flow: FLOW_EVENT_PREFIX, store: STORE_EVENT_PREFIX}

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
  const byEvent = new Map<string, ExtensionInfo>()
  for (const {plugin, events} of source.declared()) {
    for (const event of events) {
      if (!event.startsWith(PREFIX[kind])) continue
      const id = event.slice(PREFIX[kind].length)
      const info = byEvent.get(event) ?? {event, id, kind, plugins: []}
      info.plugins.push(plugin)
      byEvent.set(event, info)
    }
  }
  return [...byEvent.values()].sort((a, b) => a.id.localeCompare(b.id))
}

export function findExtension(source: HookSource, kind: ExtensionKind, name: string): ExtensionInfo {
  const all = listExtensions(source, kind)
  const match = all.filter((e) => canonicalName(e.id) === canonicalName(name))
  if (match.length === 0) {
    const installed = all.map((e) => (kind === 'flow' ? displayName(e.id) : e.id)).join(', ') || 'none'
    const hint = kind === 'flow' ? 'pass one of them with -f' : 'set ENTRA_AUTH_CLI_STORE to one of them'
    throw new UsageError(`Unknown ${kind} '${name}'. Installed ${kind}s: ${installed}; ${hint}.`)
  }
  const plugins = match.flatMap((e) => e.plugins)
  if (plugins.length > 1) {
    throw new ConfigError(
      `The ${kind} '${name}' is registered by more than one plugin (${plugins.join(', ')}); uninstall one with 'entra-auth-cli plugins uninstall'.`,
      'EXTENSION_CONFLICT',
    )
  }
  return match[0]
}

/** Runs one registration hook; a plugin that throws is reported by name instead of crashing the command. */
export async function register<T>(source: HookSource, info: ExtensionInfo): Promise<T> {
  const {failures, successes} = await source.run<T>(info.event)
  if (failures.length > 0) {
    const {error, plugin} = failures[0]
    throw new ConfigError(`The plugin '${plugin}' failed to register ${info.kind} '${info.id}': ${error.message}`, 'EXTENSION_FAILED')
  }
  if (successes.length === 0 || !successes[0].result) {
    throw new ConfigError(`The plugin '${info.plugins[0]}' declared ${info.kind} '${info.id}' but its hook returned nothing.`, 'EXTENSION_FAILED')
  }
  return successes[0].result
}

export async function loadFlowRegistration(source: HookSource, name: string): Promise<FlowRegistration> {
  return register<FlowRegistration>(source, findExtension(source, 'flow', name))
}

export async function loadStoreRegistration(source: HookSource, name: string): Promise<StoreRegistration> {
  return checkedStore(await register<StoreRegistration>(source, findExtension(source, 'store', name)), findExtension(source, 'store', name))
}

/** A store that does not declare itself encrypted is refused like a failing plugin: plaintext is never an option. */
function checkedStore(registration: StoreRegistration, info: ExtensionInfo): StoreRegistration {
  if ((registration as {encrypted: unknown}).encrypted !== true) {
    throw new ConfigError(
      `The plugin '${info.plugins[0]}' registers secret store '${info.id}' without encryption; entra-auth-cli never keeps secrets in plaintext.`,
      'EXTENSION_FAILED',
    )
  }
  return registration
}

/**
 * Every store that registers, in priority order. A store plugin that fails is skipped with a warning so the
 * built-in stores keep working.
 */
export async function loadAllStores(
  source: HookSource,
  warn: (message: string) => void,
): Promise<StoreRegistration[]> {
  const infos = listExtensions(source, 'store')
  const settled = await Promise.all(
    infos.map(async (info) => {
      try {
        if (info.plugins.length > 1) throw new ConfigError(`registered by more than one plugin (${info.plugins.join(', ')})`)
        return checkedStore(await register<StoreRegistration>(source, info), info)
      } catch (error) {
        warn(`Skipping secret store '${info.id}': ${(error as Error).message}`)
        return undefined
      }
    }),
  )
  return settled.filter((r): r is StoreRegistration => Boolean(r)).sort((a, b) => b.priority - a.priority)
}

// ------------------------------------------------------------------------------------------------------ hook sources

/** All installed plugins through oclif. Errors in hooks land in `failures` (captureErrors), never crash. */
export function oclifHookSource(config: Config, timeoutMs = 10_000): HookSource {
  return {
    declared: () => config.getPluginsList().map((p) => ({events: Object.keys(p.hooks ?? {}), plugin: p.name})),
    async run<T>(event: string) {
      const result = await config.runHook(event, {}, timeoutMs, true)
      return {
        failures: result.failures.map((f) => ({error: f.error, plugin: f.plugin.name})),
        successes: result.successes.map((s) => ({plugin: s.plugin.name, result: s.result as T})),
      }
    },
  }
}

interface RootPackageJson {
  name: string
  oclif?: {hooks?: Record<string, string | string[]>}
}

/**
 * The root package's own hooks, run without loading oclif: the get-token fast path uses this to open a built-in
 * store exactly as oclif would (same hook file, same registration), at a fraction of oclif's start-up cost.
 */
export function rootPackageHookSource(root: string): HookSource {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as RootPackageJson
  const hooks = pjson.oclif?.hooks ?? {}
  return {
    declared: () => [{events: Object.keys(hooks), plugin: pjson.name}],
    async run<T>(event: string) {
      const targets = ([] as string[]).concat(hooks[event] ?? [])
      const successes: Array<{plugin: string; result: T}> = []
      const failures: Array<{plugin: string; error: Error}> = []
      for (const target of targets) {
        try {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const module = require(join(root, target)) as {default?: (this: unknown, options: unknown) => Promise<T>}
          if (typeof module.default !== 'function') throw new Error(`${target} has no default export`)
          successes.push({plugin: pjson.name, result: await module.default.call({}, {})})
        } catch (error) {
          failures.push({error: error as Error, plugin: pjson.name})
        }
      }
      return {failures, successes}
    },
  }
}
