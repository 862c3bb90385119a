/**
 * Builds dist/fast/bundle.js: the get-token fast path (src/fast/get-token.ts and everything it imports from src)
 * as one CommonJS file, so a cache hit loads one module instead of ~20. It is built from the same sources as the
 * oclif path, so both keep one cache-hit rule, and it carries the package's own hook modules (every entra:
 * oclif.hooks entry of package.json), registered under their declared targets (src/fast/builtin-hooks.ts).
 * Packages stay external and load only when reached; a dynamic import() of our own code (a flow's create())
 * stays a dynamic import of the built file beside the bundle. The build fails if the bundle would load oclif,
 * msal, jose, inquirer or undici up front.
 *   node scripts/bundle-fast.mjs   (part of `npm run build`)
 */
import {build} from 'esbuild'
import {readFileSync} from 'node:fs'
import {join, relative, resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const HEAVY = /^(@oclif\/|@azure\/msal|jose|@inquirer\/|inquirer|undici|node-forge|open)(\/|$)/
const OUT_DIR = join(root, 'dist', 'fast')

const hooks = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).oclif?.hooks ?? {}
// Only the flow and store registrations: the fast path never runs oclif's own events (plugins:preinstall & co.).
const targets = [
  ...new Set(Object.entries(hooks).flatMap(([event, target]) => (event.startsWith('entra:') ? [target].flat() : []))),
]
const source = (target) => './' + target.replace(/^\.\/dist\//, 'src/').replace(/(\.js)?$/, '.ts')
const entry = [
  "import {registerBuiltinHooks} from './src/fast/builtin-hooks.ts'",
  ...targets.map((target, i) => `import * as hook${i} from '${source(target)}'`),
  `registerBuiltinHooks({${targets.map((target, i) => `${JSON.stringify(target)}: hook${i}`).join(', ')}})`,
  "export * from './src/fast/get-token.ts'",
].join('\n')

/** `await import('../flows/x.js')` in a hook: the built file, loaded only when that code runs. */
const lazyOwnModules = {
  name: 'lazy-own-modules',
  setup(build) {
    build.onResolve({filter: /^\.\.?\//}, (args) => {
      if (args.kind !== 'dynamic-import') return undefined
      const built = join(root, 'dist', relative(join(root, 'src'), resolve(args.resolveDir, args.path)))
      const path = relative(OUT_DIR, built)
      return {external: true, path: path.startsWith('.') ? path : `./${path}`}
    })
  },
}

const result = await build({
  absWorkingDir: root,
  bundle: true,
  plugins: [lazyOwnModules],
  stdin: {contents: entry, loader: 'ts', resolveDir: root, sourcefile: 'fast-entry.ts'},
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  minifySyntax: true,
  minifyWhitespace: true,
  outfile: 'dist/fast/bundle.js',
  packages: 'external',
  platform: 'node',
  // import() becomes a lazy require(): the compile cache (src/fast/compile-cache.ts) can then cache the bundle, and
  // everything it loads that way is CommonJS (our own built files, @inquirer/prompts' CommonJS build).
  supported: {'dynamic-import': false},
  target: 'node20',
})

const [output] = Object.values(result.metafile.outputs)
const upFront = output.imports.filter((i) => i.external && i.kind !== 'dynamic-import' && HEAVY.test(i.path))
const bundled = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'))
if (upFront.length > 0 || bundled.length > 0) {
  console.error(`bundle-fast: the fast path must not load ${[...upFront.map((i) => i.path), ...bundled].join(', ')}`)
  process.exit(1)
}
