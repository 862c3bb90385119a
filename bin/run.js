#!/usr/bin/env node
'use strict'

// A cached `get-token` is answered before oclif loads (see src/fast/get-token.ts); everything else, including any
// surprise in the fast path, goes through oclif.
const {join} = require('node:path')

async function main() {
  const argv = process.argv.slice(2)
  // Tab completion runs on every TAB: answered without oclif (src/fast/complete.ts, bundled into one file).
  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    return require('../dist/fast/complete-bundle.js').runCompletion(argv, join(__dirname, '..'))
  }
  if (argv[0] === 'get-token') {
    try {
      if (await require('../dist/fast/bundle.js').tryFastGetToken(argv.slice(1), join(__dirname, '..'))) return
    } catch {
      // Fall through: the full command reports whatever went wrong, with advice.
    }
  }
  const {execute} = require('@oclif/core')
  await execute({dir: __dirname})
}

// Exit explicitly once output is flushed: idle keep-alive sockets must not hold a finished command open.
main().then(
  () => process.stdout.write('', () => process.exit()),
  (error) => {
    process.stderr.write(`Error: ${error && error.message ? error.message : error}\n`)
    process.exit(1)
  },
)
