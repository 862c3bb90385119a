// Preloaded with `node -r` into the CLI under test: at exit, writes every module file the process loaded (CommonJS
// require cache plus ESM imports seen by the loader hook-free way: process.moduleLoadList is internal, so we use the
// require cache and a resolve hook) to $RECORD_MODULES_FILE, so tests can prove what start-up did not load.
'use strict'
const fs = require('node:fs')
const Module = require('node:module')
const seen = new Set()
const originalLoad = Module._load
Module._load = function (request, parent, isMain) {
  try {
    seen.add(Module._resolveFilename(request, parent, isMain))
  } catch {}
  return originalLoad.apply(this, arguments)
}
process.on('exit', () => {
  for (const file of Object.keys(require.cache)) seen.add(file)
  fs.writeFileSync(process.env.RECORD_MODULES_FILE, [...seen].join('\n'))
})
