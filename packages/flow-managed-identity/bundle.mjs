// Bundles the plugin into dist/ with no run-time dependencies, so `entra-auth-cli plugins install file:<tgz>` works
// offline: dist/hook.js is the registration (the contract's defineFlow, a few hundred bytes, loaded whenever the CLI
// lists flows); dist/flow.js is the flow with msal-node and its dependencies, loaded only when a ManagedIdentity
// profile asks for a token. The licences of everything bundled go to dist/THIRD-PARTY-LICENSES.txt.
import {build} from 'esbuild'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const common = {
  bundle: true,
  format: 'cjs',
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.json',
}
await build({...common, entryPoints: ['src/hook.ts'], external: ['./flow.js'], outfile: 'dist/hook.js'})
const {metafile} = await build({...common, entryPoints: ['src/flow.ts'], outfile: 'dist/flow.js'})

// The package folder of every bundled input under node_modules (scoped names included).
const packages = new Set()
for (const input of Object.keys(metafile.inputs)) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
  if (match) packages.add(match[1])
}
const notices = [...packages].sort().map((folder) => {
  const {name, version, license} = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
  const file = readdirSync(folder).find((f) => /^licen[cs]e/i.test(f))
  const text = file ? readFileSync(join(folder, file), 'utf8').trim() : `${license} (no licence file shipped)`
  return `${name}@${version} (${license})\n\n${text}\n`
})
writeFileSync('dist/THIRD-PARTY-LICENSES.txt', notices.join(`\n${'-'.repeat(80)}\n\n`))
