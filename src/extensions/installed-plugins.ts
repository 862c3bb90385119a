import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * The hook declarations of the CLI and of its installed and linked plugins, read from package.json files alone.
 *
 * Code that runs before oclif loads (tab completion, the get-token fast path) needs to know which flows and stores
 * exist without paying for oclif's start-up. This follows oclif's own rules (Config.dir('data'),
 * PluginLoader.loadUserPlugins, Plugin#hooks): the data dir's package.json lists `oclif.plugins` as
 * `{name, type: 'user' | 'link', root?}`; a user plugin lives in `<dataDir>/node_modules/<name>`, a linked one at
 * its `root`; user plugins load before linked ones and the first plugin of a name wins. The root package's own
 * core plugins (`oclif.plugins` in its package.json: help, autocomplete, plugins) are left out: they declare no
 * entra hooks. No plugin code is imported.
 */

export interface HookTarget {
  /** The module path as declared, relative to the plugin's root: `./dist/hooks/store-keyring`. */
  target: string
  /** The export to call; `default` unless the plugin declared `{target, identifier}`. */
  identifier: string
}

export interface InstalledPlugin {
  /** The name in the plugin's package.json. */
  name: string
  /** Absolute folder holding the plugin's package.json. */
  root: string
  type: 'root' | 'user' | 'link'
  /** Every event the plugin declares (`entra:flow:device-code`, `init`, …) with its targets in declaration order. */
  hooks: Record<string, HookTarget[]>
}

/** What the options may override; tests and callers with their own environment pass `env`. */
export interface InstalledPluginsOptions {
  env?: NodeJS.ProcessEnv
  /** The oclif `dirname` (the data dir's last segment); defaults to the root package.json's `oclif.dirname`. */
  dirname?: string
  /**
   * Told about each plugin that could not be read (oclif warns and skips it the same way). A caller that must agree
   * with oclif exactly, like a fast path, can use this to fall back to oclif instead.
   */
  onProblem?: (message: string) => void
}

interface PackageJson {
  name?: string
  oclif?: {
    dirname?: string
    hooks?: Record<string, unknown>
    plugins?: unknown[]
  }
}

/** oclif's data dir for this CLI: `<BIN>_DATA_DIR`, else XDG_DATA_HOME (LOCALAPPDATA on Windows) or ~/.local/share. */
export function oclifDataDir(env: NodeJS.ProcessEnv = process.env, dirname = 'entra-auth-cli'): string {
  const base =
    env.XDG_DATA_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || join(homedir(), '.local', 'share')
  return env.ENTRA_AUTH_CLI_DATA_DIR || join(base, dirname)
}

/**
 * The root package (first) followed by its user and linked plugins. Throws only when the root package.json is
 * unreadable; a missing data dir means "no plugins", and a broken plugin is skipped (and reported to `onProblem`).
 */
export function installedPlugins(root: string, options: InstalledPluginsOptions = {}): InstalledPlugin[] {
  const {env = process.env, onProblem = () => {}} = options
  const rootPjson = readJson(join(root, 'package.json'))
  const plugins: InstalledPlugin[] = [pluginOf(rootPjson, root, 'root')]
  const dataDir = oclifDataDir(env, options.dirname ?? rootPjson.oclif?.dirname ?? rootPjson.name)
  let records: unknown[]
  try {
    records = readJson(join(dataDir, 'package.json')).oclif?.plugins ?? []
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      onProblem(`${join(dataDir, 'package.json')}: ${(error as Error).message}`)
    return plugins
  }
  const entries = records.map(pluginRecord).filter((r): r is PluginRecord => r !== undefined)
  for (const type of ['user', 'link'] as const) {
    for (const record of entries.filter((r) => r.type === type)) {
      if (plugins.some((p) => p.name === record.name)) continue
      const pluginRoot = type === 'user' ? join(dataDir, 'node_modules', record.name) : record.root
      if (!pluginRoot) {
        onProblem(`The linked plugin '${record.name}' has no root in ${join(dataDir, 'package.json')}`)
        continue
      }
      try {
        const plugin = pluginOf(readJson(join(pluginRoot, 'package.json')), pluginRoot, type)
        if (!plugins.some((p) => p.name === plugin.name)) plugins.push(plugin)
      } catch (error) {
        onProblem(`The plugin '${record.name}' could not be read: ${(error as Error).message}`)
      }
    }
  }
  return plugins
}

interface PluginRecord {
  name: string
  type: 'user' | 'link'
  root?: string
}

function pluginRecord(value: unknown): PluginRecord | undefined {
  if (!value || typeof value !== 'object') return undefined
  const {name, root, type} = value as Record<string, unknown>
  if (typeof name !== 'string' || (type !== 'user' && type !== 'link')) return undefined
  return {name, root: typeof root === 'string' ? root : undefined, type}
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson
}

function pluginOf(pjson: PackageJson, root: string, type: InstalledPlugin['type']): InstalledPlugin {
  if (typeof pjson.name !== 'string') throw new Error(`${join(root, 'package.json')} has no name`)
  const hooks: Record<string, HookTarget[]> = {}
  for (const [event, value] of Object.entries(pjson.oclif?.hooks ?? {})) {
    const targets = ([] as unknown[])
      .concat(value)
      .map(hookTarget)
      .filter((t): t is HookTarget => t !== undefined)
    if (targets.length > 0) hooks[event] = targets
  }
  return {hooks, name: pjson.name, root, type}
}

/** oclif's determineHookOptions: a string is `{target, identifier: 'default'}`. */
function hookTarget(value: unknown): HookTarget | undefined {
  if (typeof value === 'string') return {identifier: 'default', target: value}
  if (!value || typeof value !== 'object') return undefined
  const {identifier, target} = value as Record<string, unknown>
  if (typeof target !== 'string') return undefined
  return {identifier: typeof identifier === 'string' && identifier ? identifier : 'default', target}
}
