// Preloaded into the CLI under test with `node --import`: appends every module the process loads — CommonJS
// requires and ESM imports alike — to $RECORD_MODULES_FILE as it happens, so a test can prove what a command did
// NOT load. Writes are synchronous (no message passing that could be lost at exit).
import {appendFileSync} from 'node:fs'
import Module, {register} from 'node:module'

const file = process.env.RECORD_MODULES_FILE
register('./record-modules-hooks.mjs', import.meta.url)

const originalLoad = Module._load
Module._load = function (request, parent, isMain) {
  try {
    appendFileSync(file, `${Module._resolveFilename(request, parent, isMain)}\n`)
  } catch {
    // Recording is best effort: never break the program being observed.
  }
  return originalLoad.apply(this, arguments)
}
