#!/usr/bin/env node
'use strict'
// The CLI through oclif alone, without bin/run.js's fast path: tests run both on the same inputs and compare.
const {join} = require('node:path')
require('@oclif/core')
  .execute({dir: join(__dirname, '..', '..', 'bin')})
  .then(() => process.stdout.write('', () => process.exit()))
