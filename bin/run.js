#!/usr/bin/env node
'use strict'

// A cached `get-token` is answered before oclif loads (see src/fast/get-token.ts); everything else, including any
// surprise in the fast path, goes through oclif.
const {existsSync} = require('node:fs')
const {join} = require('node:path')

async function main() {
  const argv = process.argv.slice(2)
  // Tab completion runs on every TAB: answered without oclif (src/fast/complete.ts, bundled into one file).
  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    return require('../dist/fast/complete-bundle.js').runCompletion(argv, join(__dirname, '..'))
  }
  // Compiling is most of a short run: V8's code cache, one blob per job (src/fast/compile-cache.ts). A keyring hit
  // runs enough of the bundle (the D-Bus client) for the cache to pay: 0.6 ms in 101 interleaved runs.
  const compileCache = require('../dist/fast/compile-cache.js').installCompileCache()
  if (argv[0] === 'get-token') {
    compileCache.use('get-token')
    try {
      if (await require('../dist/fast/bundle.js').tryFastGetToken(argv.slice(1), join(__dirname, '..')))
        return 'answered'
    } catch {
      // Fall through: the full command reports whatever went wrong, with advice.
    }
  }
  // A blob per command (or topic) of ours; anything else (a typo, a plugin's command) shares one.
  const command = /^[a-z][a-z-]*$/.test(argv[0] ?? '') ? argv[0] : undefined
  const ours =
    command && ['.js', ''].some((ending) => existsSync(join(__dirname, '..', 'dist', 'commands', command + ending)))
  compileCache.use(ours ? `oclif-${command}` : 'oclif')
  // @oclif/core checks its own engines range (>=18) when it loads, with the whole of semver: ~4 ms of every oclif
  // start, to warn on a Node older than ours (>=20.18.1) could run anyway. Skipped, without leaking the setting into
  // the environment of children (exec, plugins install).
  const engineCheckUnset = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined
  if (engineCheckUnset) process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true'
  const {execute} = require('@oclif/core')
  if (engineCheckUnset) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  await execute({dir: __dirname})
}

// Exit explicitly once output is flushed: idle keep-alive sockets must not hold a finished command open.
// The fast path wrote to descriptors 1 and 2 itself, synchronously: touching process.stdout there would only build a
// stream (~1 ms) to flush nothing.
main().then(
  (outcome) => (outcome === 'answered' ? process.exit() : process.stdout.write('', () => process.exit())),
  (error) => {
    // Only what escaped oclif's own handling gets here (a broken install, a crash in completion): one line, exit 1,
    // with nothing a terminal would interpret (the message may quote a file name or a server's words).
    const message = String(error && error.message ? error.message : error).split('\n')[0]
    // eslint-disable-next-line no-control-regex
    process.stderr.write(`Error: ${message.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')}\n`)
    process.exit(1)
  },
)
