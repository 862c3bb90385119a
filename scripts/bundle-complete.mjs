/**
 * Builds dist/fast/complete-bundle.js: tab completion's answer (src/fast/complete.ts and what it imports from src)
 * as one CommonJS file. It runs on every TAB, and one module instead of ~15 is most of the difference between
 * 2x and 1.5x a bare `node -e 0`. Modules reached only for some answers (the profile store) stay lazy inside the
 * bundle; packages stay external (oclif is loaded only when a plugin ships no manifest).
 *   node scripts/bundle-complete.mjs   (part of `npm run build`)
 */
import {build} from 'esbuild'
import {resolve} from 'node:path'

await build({
  absWorkingDir: resolve(import.meta.dirname, '..'),
  bundle: true,
  entryPoints: ['src/fast/complete.ts'],
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  minifySyntax: true,
  minifyWhitespace: true,
  outfile: 'dist/fast/complete-bundle.js',
  packages: 'external',
  platform: 'node',
  target: 'node20',
})
