/**
 * Builds dist/fast/bundle.js: the get-token fast path (src/fast/get-token.ts and everything it imports from src)
 * as one CommonJS file, so a cache hit loads one module instead of ~20. It is built from the same sources as the
 * oclif path, so both keep one cache-hit rule. Packages stay external and load only when reached; the build
 * fails if the bundle would load oclif, msal, jose, inquirer or undici up front.
 *   node scripts/bundle-fast.mjs   (part of `npm run build`)
 */
import {build} from 'esbuild'
import {resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const HEAVY = /^(@oclif\/|@azure\/msal|jose|@inquirer\/|inquirer|undici|node-forge|open)(\/|$)/

const result = await build({
  absWorkingDir: root,
  bundle: true,
  entryPoints: ['src/fast/get-token.ts'],
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  minifySyntax: true,
  minifyWhitespace: true,
  outfile: 'dist/fast/bundle.js',
  packages: 'external',
  platform: 'node',
  target: 'node20',
})

const [output] = Object.values(result.metafile.outputs)
const upFront = output.imports.filter((i) => i.external && i.kind !== 'dynamic-import' && HEAVY.test(i.path))
const bundled = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'))
if (upFront.length > 0 || bundled.length > 0) {
  console.error(`bundle-fast: the fast path must not load ${[...upFront.map((i) => i.path), ...bundled].join(', ')}`)
  process.exit(1)
}
