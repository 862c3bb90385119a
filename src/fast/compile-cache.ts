/**
 * A V8 code cache for start-up: what Node 22's `module.enableCompileCache()` does, for Node 20, which has none.
 *
 * Every call of the CLI compiles the JavaScript it loads (oclif alone is ~150 modules), and for a command that runs
 * for a tenth of a second, compiling is most of the run: `--help` spends ~12 ms of its ~100 ms there. V8 can save
 * the bytecode it compiled (`Script.createCachedData()`) and start from it the next time (`cachedData`), which
 * skips parsing and compiling whatever was cached.
 *
 * How it works: `bin/run.js` installs a hook on CommonJS compilation before it loads anything else, and names the
 * job it is about to do (`use('get-token')`, `use('oclif-config')`); each job has one blob file holding the code
 * cache of every module that job loaded, so `--help` does not read the bytecode of msal. At exit, a blob that
 * missed a module (new, changed, or rejected by V8) is rewritten once, atomically; a run that found everything
 * writes nothing.
 *
 * Why it is safe:
 * - A cached entry is used only for the exact source it came from (SHA-1 of the wrapped text): V8 itself checks only the
 *   length of the source, and npm gives every installed file the same mtime. V8 also refuses data from another V8
 *   version or other flags (then the module is compiled as usual and the entry rewritten).
 * - The blobs live in the CLI's cache folder (oclif's cacheDir, `ENTRA_AUTH_CLI_CACHE_DIR` moves it), under a
 *   folder per Node version, and are used only when every folder from the cache folder down and the file itself
 *   belong to the user and nobody else can write to them: code from there runs as the user. Folders created here are
 *   0700, files 0600. Where that can never hold (a cache folder others can write to, Windows) the hook is not
 *   installed at all.
 * - A module that uses `import()` is compiled as usual: a script compiled through `vm` has no loader for dynamic
 *   imports on Node 20 (the option for one is experimental and prints a warning). So is anything the hook cannot
 *   compile (a syntax error, ESM syntax), any format other than CommonJS, and every module while source maps are
 *   on: Node then compiles, reports or maps it exactly as without the cache.
 * - Every failure of the cache itself (unreadable, corrupt, full disk) only means compiling as usual.
 *   `ENTRA_AUTH_CLI_COMPILE_CACHE=off` turns it off.
 *
 * It imports Node's modules only: it is loaded, uncached, before anything else on every start. That is why the
 * exit-time write has its own mkdir/temp-file/rename instead of base/fs-atomic's ensurePrivateDir and
 * writeFileAtomic, which are asynchronous (an 'exit' listener cannot wait) and one more module to load.
 */
import {hash} from 'node:crypto'
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import Module from 'node:module'
import {homedir} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'
import {Script} from 'node:vm'

/** The parts of Node's CommonJS loader the hook replaces or calls; none of them is in @types/node. */
interface LoadedModule {
  exports: unknown
  require(id: string): unknown
}
/** `format` (Node 20.19+): 'commonjs', or another format Node compiles differently ('module', TypeScript). */
type Compile = (this: LoadedModule, content: string, filename: string, format?: string) => unknown
interface ModuleInternals {
  prototype: {_compile: Compile}
  wrap(source: string): string
  _resolveFilename(request: string, parent: LoadedModule, isMain: boolean, options?: {paths?: string[]}): string
  _resolveLookupPaths(request: string, parent: LoadedModule): string[] | null
  _extensions: unknown
  _cache: unknown
}

export const COMPILE_CACHE_ENV = 'ENTRA_AUTH_CLI_COMPILE_CACHE'
const CACHE_DIR_ENV = 'ENTRA_AUTH_CLI_CACHE_DIR'
/** The folder name oclif derives from the package name; the cache folder must be the one oclif uses. */
const DIRNAME = 'entra-auth-cli'
const FORMAT = 2
/** A blob larger than this starts over with the modules of the run that writes it. */
const MAX_BLOB_BYTES = 32 * 1024 * 1024
const DYNAMIC_IMPORT = /\bimport\s*\(/
const EVAL = new Set(['-e', '--eval', '-p', '--print', '-pe'])

export interface CompileCache {
  /** Names the job about to load its modules (a word: `get-token`, `oclif-config`); its blob is read on first use. */
  use(job: string): void
}

interface Entry {
  digest: string
  data: Buffer
}

interface Blob {
  file: string
  entries: Map<string, Entry>
  /** Modules compiled this run without usable cached data: their data is written at exit. */
  fresh: Map<string, {digest: string; script: Script}>
}

/** oclif's cacheDir (Config.cacheDir), so that everything the CLI caches is in one folder. */
export function cacheFolder(env: NodeJS.ProcessEnv, platform = process.platform): string {
  if (env[CACHE_DIR_ENV]) return resolve(env[CACHE_DIR_ENV])
  const home = env.HOME || homedir()
  if (platform === 'darwin') return join(home, 'Library', 'Caches', DIRNAME)
  const base = env.XDG_CACHE_HOME || (platform === 'win32' && env.LOCALAPPDATA) || join(home, '.cache')
  return join(base, DIRNAME)
}

/**
 * The folder a run's blobs live in. V8 refuses code cached under other flags, so runs with other Node options
 * (NODE_OPTIONS, node's own arguments) get a folder of their own: sharing one, they would rewrite each other's
 * blobs on every call.
 */
export function cacheKey(env: NodeJS.ProcessEnv, execArgv = process.execArgv): string {
  // `node -e CODE` puts the code in execArgv: it is a script, not an option.
  const flags = execArgv.filter(
    (arg, at) => !EVAL.has(arg) && !EVAL.has(execArgv[at - 1]) && !/^--(eval|print)=/.test(arg),
  )
  const options = [...flags, env.NODE_OPTIONS ?? ''].join('\n').trim()
  const base = `${process.version}-${process.arch}`
  if (options === '') return base
  // FNV-1a: a name, not a secret; node:crypto would cost the start what the cache saves.
  let hash = 0x811c9dc5
  for (let at = 0; at < options.length; at++) hash = Math.imul(hash ^ options.charCodeAt(at), 0x01000193)
  return `${base}-${(hash >>> 0).toString(16).padStart(8, '0')}`
}

/** Installs the hook, or does nothing (and returns a cache that caches nothing) when it is turned off. */
export function installCompileCache(env: NodeJS.ProcessEnv = process.env): CompileCache {
  const setting = env[COMPILE_CACHE_ENV]?.toLowerCase()
  const off = {use() {}}
  if (setting === 'off' || setting === '0' || setting === 'false') return off
  // Windows reports every writable file as 0666 and has no uid: the privacy check below can never pass there.
  if (process.platform === 'win32') return off
  const root = cacheFolder(env)
  const folder = join(root, 'compile-cache', cacheKey(env))
  // A cache folder others can write to (umask 002 made it 0775, a sudo left it root's) would never be read, and
  // every run would still hash its modules and try to write at exit: then the cache stays off, at no cost.
  for (const path of [root, dirname(folder), folder]) {
    if (lstatSync(path, {throwIfNoEntry: false}) && !private_(path)) return off
  }
  const blobs = new Map<string, Blob>()
  let job = 'default'
  const current = (): Blob => {
    let blob = blobs.get(job)
    if (!blob) {
      const file = join(folder, `${job}.bin`)
      blob = {entries: readBlob(file, root), file, fresh: new Map()}
      blobs.set(job, blob)
    }
    return blob
  }

  const loader = Module as unknown as ModuleInternals
  const original = loader.prototype._compile
  loader.prototype._compile = function (this: LoadedModule, content: string, filename: string, format?: string) {
    // Left to Node: other formats (a "type": "module" package's file without import/export runs as ESM),
    // modules using import(), and source maps (Node registers a module's map while it compiles it).
    const nodes = format !== undefined && format !== 'commonjs'
    if (nodes || process.sourceMapsEnabled || DYNAMIC_IMPORT.test(content)) {
      return original.apply(this, [content, filename, format])
    }
    const blob = current()
    // The same wrapper Node puts around a CommonJS module; a #! line is only allowed at the very start. The
    // digest is of the wrapped text, what V8 compiles (a tool that patches Module.wrap changes it too).
    const wrapped = loader.wrap(content.startsWith('#!') ? `//${content}` : content)
    const digest = hash('sha1', wrapped)
    const cached = blob.entries.get(filename)
    const cachedData = cached?.digest === digest ? cached.data : undefined
    let script: Script
    try {
      script = new Script(wrapped, {cachedData, filename})
    } catch {
      return original.apply(this, [content, filename, format])
    }
    if (cachedData === undefined || script.cachedDataRejected) blob.fresh.set(filename, {digest, script})
    const run = script.runInThisContext({displayErrors: true}) as (...args: unknown[]) => unknown
    return run.call(this.exports, this.exports, requireFor(this, loader), this, filename, dirname(filename))
  }

  process.on('exit', () => {
    for (const blob of blobs.values()) {
      if (blob.fresh.size > 0) writeBlob(blob, folder, root)
    }
  })
  return {
    use(name: string) {
      job = /^[a-z][a-z0-9-]{0,40}$/.test(name) ? name : 'default'
    },
  }
}

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction), bound to `module`. */
function requireFor(module: LoadedModule, loader: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require
  const resolveFilename = (request: string, options?: {paths?: string[]}) =>
    loader._resolveFilename(request, module, false, options)
  resolveFilename.paths = (request: string) => loader._resolveLookupPaths(request, module)
  require.resolve = resolveFilename as NodeJS.RequireResolve
  require.main = process.mainModule
  require.extensions = loader._extensions as NodeJS.RequireExtensions
  require.cache = loader._cache as NodeJS.Dict<NodeJS.Module>
  return require
}

/** Only what the user alone can write is run from: every folder from the cache folder down, and the file. */
function private_(path: string): boolean {
  const stat = lstatSync(path, {throwIfNoEntry: false})
  if (!stat || stat.isSymbolicLink() || (stat.mode & 0o022) !== 0) return false
  const me = process.getuid?.()
  return me === undefined || stat.uid === me
}

function chainIsPrivate(file: string, root: string): boolean {
  if (relative(root, file).startsWith('..')) return false
  for (let path = file; ; path = dirname(path)) {
    if (!private_(path)) return false
    if (path === root || dirname(path) === path) return true
  }
}

/** Layout: 4-byte little-endian length of a JSON index, the index, then the data it points into. */
function readBlob(file: string, root: string): Map<string, Entry> {
  const entries = new Map<string, Entry>()
  try {
    if (!chainIsPrivate(file, root)) return entries
    const bytes = readFileSync(file)
    const indexLength = bytes.readUInt32LE(0)
    const index = JSON.parse(bytes.toString('utf8', 4, 4 + indexLength)) as {
      format: number
      entries: Record<string, [offset: number, length: number, digest: string]>
    }
    if (index.format !== FORMAT) return entries
    const data = bytes.subarray(4 + indexLength)
    for (const [filename, [offset, length, digest]] of Object.entries(index.entries)) {
      if (offset + length <= data.length) entries.set(filename, {data: data.subarray(offset, offset + length), digest})
    }
  } catch {
    // Missing, unreadable or corrupt: compile as usual, and the exit writes a good one.
  }
  return entries
}

function writeBlob(blob: Blob, folder: string, root: string): void {
  const tmp = `${blob.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    const fresh = [...blob.fresh].map(
      ([filename, {digest, script}]) => [filename, {data: script.createCachedData(), digest}] as const,
    )
    const entries = new Map(blob.entries)
    for (const [filename, entry] of fresh) entries.set(filename, entry)
    let total = 0
    for (const {data} of entries.values()) total += data.length
    // Over the cap: keep only what this run compiled afresh (the rest is likely stale).
    const kept = total > MAX_BLOB_BYTES ? new Map(fresh) : entries
    const index: Record<string, [number, number, string]> = {}
    let offset = 0
    for (const [filename, {data, digest}] of kept) {
      index[filename] = [offset, data.length, digest]
      offset += data.length
    }
    const indexBytes = Buffer.from(JSON.stringify({entries: index, format: FORMAT}))
    const header = Buffer.alloc(4)
    header.writeUInt32LE(indexBytes.length)
    makePrivateFolder(folder)
    if (!chainIsPrivate(folder, root)) return
    const fd = openSync(tmp, 'wx', 0o600)
    try {
      for (const chunk of [header, indexBytes, ...[...kept.values()].map((e) => e.data)]) writeSync(fd, chunk)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, blob.file)
  } catch {
    // A cache that cannot be written costs the next run its compile time, nothing else.
    try {
      unlinkSync(tmp)
    } catch {
      // Never created.
    }
  }
}

/** mkdir -p, with the folders created here made 0700 whatever the umask (existing ones keep their mode). */
function makePrivateFolder(folder: string): void {
  const first = mkdirSync(folder, {mode: 0o700, recursive: true})
  if (first === undefined) return
  for (let path = folder; ; path = dirname(path)) {
    chmodSync(path, 0o700)
    if (path === resolve(first) || dirname(path) === path) return
  }
}
