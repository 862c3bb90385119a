import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {cliHome} from '../base/paths.js'
import {displayName} from '../extensions/registry.js'
import type {InstalledPlugin} from '../extensions/installed-plugins.js'
import {AUTH_METHODS, CLOUDS, DEFAULT_FLOW} from '../profile/model.js'
import {FLOW_EVENT_PREFIX, STORE_EVENT_PREFIX} from '../contract/index.js'
import {byText, type Candidate, type CommandSpec, type ValueSources} from './engine.js'

/**
 * Where completion values come from: profiles.json (read at every TAB, so a profile created or deleted shows at
 * once), the hook declarations of the CLI and its plugins (flows, stores: names only, no plugin code runs), and the
 * fixed choices of the profile model. Also reads the oclif manifests of the root package and its plugins, so the
 * commands and flags are known without loading oclif.
 */

/** A plugin as far as completion cares: its name and the events it declares. */
export interface PluginEvents {
  name: string
  isRoot: boolean
  events: string[]
}

const AUTH_METHOD_HELP: Record<string, string> = {
  Certificate: 'a certificate (PEM or PFX)',
  ClientSecret: 'a client secret',
  None: 'public client: a person signs in',
}

export function valueSources(
  plugins: PluginEvents[],
  topics: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): ValueSources {
  const extensions = (prefix: string, name: (id: string) => string): Candidate[] => {
    const found = new Map<string, Candidate>()
    for (const plugin of plugins) {
      for (const event of plugin.events) {
        if (!event.startsWith(prefix)) continue
        const value = name(event.slice(prefix.length))
        if (!found.has(value))
          found.set(value, {description: plugin.isRoot ? 'built-in' : `from ${plugin.name}`, value})
      }
    }
    return [...found.values()].sort((a, b) => byText(a.value, b.value))
  }
  return {
    choices(flag) {
      if (flag === 'cloud') return Object.entries(CLOUDS).map(([value, host]) => ({description: host, value}))
      if (flag === 'auth-method') return AUTH_METHODS.map((value) => ({description: AUTH_METHOD_HELP[value], value}))
      return undefined
    },
    flows: async () => extensions(FLOW_EVENT_PREFIX, displayName),
    async profiles() {
      try {
        // Loaded only when a profile name is wanted: most TABs (commands, flags) need no file locks or crypto. A
        // require, not import(): import() would start Node's ESM loader, which costs more than the whole answer.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const {ProfileStore} = require('../profile/store.js') as typeof import('../profile/store.js')
        const profiles = await new ProfileStore(cliHome(env)).list()
        return profiles
          .map((p) => ({description: `${p.defaultFlow ?? DEFAULT_FLOW}, tenant ${p.tenantId}`, value: p.name}))
          .sort((a, b) => byText(a.value, b.value))
      } catch {
        // A corrupt profiles.json is reported by the commands; a TAB offers nothing rather than an error mid-line.
        return []
      }
    },
    stores: async () => extensions(STORE_EVENT_PREFIX, (id) => id),
    plugins: async () => plugins.filter((p) => !p.isRoot).map((p) => ({value: p.name})),
    topics,
  }
}

export function pluginEvents(plugins: InstalledPlugin[]): PluginEvents[] {
  return plugins.map((p) => ({events: Object.keys(p.hooks), isRoot: p.type === 'root', name: p.name}))
}

interface PackageJson {
  name?: string
  oclif?: {commands?: unknown; plugins?: unknown[]; topics?: Record<string, {description?: string}>}
}

interface Manifest {
  commands?: Record<string, CommandSpec>
}

/**
 * The commands of the root package, its core plugins (help, plugins, …) and the installed plugins, from their
 * oclif.manifest.json files. `undefined` when a package that has commands ships no manifest (a linked plugin in
 * development): only oclif itself can list those, so the caller falls back to it.
 */
export function manifestCommands(root: string, installed: InstalledPlugin[]): CommandSpec[] | undefined {
  const rootPjson = readJson<PackageJson>(join(root, 'package.json'))
  const roots = [root]
  for (const name of rootPjson.oclif?.plugins ?? []) {
    if (typeof name !== 'string') continue
    const found = findPackage(root, name)
    if (!found) return undefined
    roots.push(found)
  }
  roots.push(...installed.filter((p) => p.type !== 'root').map((p) => p.root))

  const byId = new Map<string, CommandSpec>()
  for (const pluginRoot of roots) {
    let manifest: Manifest
    try {
      manifest = readJson<Manifest>(join(pluginRoot, 'oclif.manifest.json'))
    } catch {
      if (readJson<PackageJson>(join(pluginRoot, 'package.json')).oclif?.commands) return undefined
      continue
    }
    // The first package to define an id wins, as oclif resolves duplicates (the root package overrides a plugin).
    for (const [id, command] of Object.entries(manifest.commands ?? {}))
      if (!byId.has(id)) byId.set(id, {...command, id})
  }
  return [...byId.values()]
}

/** The binary name users type (`oclif.bin`), for descriptions that mention it. */
export function rootBin(root: string): string {
  const pjson = readJson<PackageJson & {oclif?: {bin?: string}}>(join(root, 'package.json'))
  return pjson.oclif?.bin ?? pjson.name ?? ''
}

/** Topic descriptions from the root package.json (`config`: "Create, list, …"). */
export function rootTopics(root: string): Record<string, string> {
  const topics = readJson<PackageJson>(join(root, 'package.json')).oclif?.topics ?? {}
  return Object.fromEntries(Object.entries(topics).map(([id, t]) => [id, t.description ?? '']))
}

/** Node's lookup for a dependency: node_modules beside the package, then in each parent folder. */
function findPackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    try {
      readFileSync(join(candidate, 'package.json'))
      return candidate
    } catch {
      if (dirname(dir) === dir) return undefined
    }
  }
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}
