import {expect} from 'chai'
import {parseFastArgs} from '../../../src/fast/get-token.js'

describe('fast/get-token: which command lines the fast path takes', () => {
  const plain = {json: false, scopes: [], silent: false}
  const taken: Array<[string[], object]> = [
    [['-p', 'app'], {...plain, profile: 'app'}],
    [['--profile=app'], {...plain, profile: 'app'}],
    [
      ['--profile', 'app', '-s', 'a b', '--scope=c', '--silent'],
      {...plain, profile: 'app', scopes: ['a b', 'c'], silent: true},
    ],
    [['-p', 'app', '--json', '-o', 'out.json'], {...plain, json: true, output: 'out.json', profile: 'app'}],
    [['-p', 'app', '--output-format', 'exec-credential'], {...plain, format: 'exec-credential', profile: 'app'}],
    [['-p', 'app', '--output-format=token'], {...plain, format: 'token', profile: 'app'}],
  ]
  for (const [argv, flags] of taken) {
    it(`takes ${argv.join(' ')}`, () => {
      expect(parseFastArgs(argv)).to.deep.equal(flags)
    })
  }

  // Anything else is oclif's: its parser gives the real answer (help, a usage error, a flag the fast path lacks).
  const left: Array<[string, string[]]> = [
    ['no profile', []],
    ['no profile value', ['-p']],
    ['a profile given twice', ['-p', 'a', '-p', 'b']],
    ['a flag for a value', ['-p', '--json']],
    ['--help', ['-p', 'app', '--help']],
    ['an unknown flag', ['-p', 'app', '--force']],
    ['a short flag it does not know', ['-p', 'app', '-f', 'DeviceCode']],
    ['a positional argument', ['-p', 'app', 'extra']],
    ['an empty scope', ['-p', 'app', '-s', '']],
    ['a scope missing its value', ['-p', 'app', '-s']],
    ['a scope that is a flag', ['-p', 'app', '-s', '--json']],
    ['an empty output file', ['-p', 'app', '-o', '']],
    ['output given twice', ['-p', 'app', '-o', 'a', '-o', 'b']],
    ['an output that is a flag', ['-p', 'app', '-o', '--silent']],
    ['an unknown output format', ['-p', 'app', '--output-format', 'yaml']],
    ['an output format given twice', ['-p', 'app', '--output-format', 'json', '--output-format', 'json']],
    ['--json with --output-format (a usage error)', ['-p', 'app', '--json', '--output-format', 'json']],
    ['a value for a boolean flag', ['-p', 'app', '--silent=yes']],
    ['a value for --json', ['-p', 'app', '--json=true']],
  ]
  for (const [label, argv] of left) {
    it(`leaves ${label} to oclif`, () => {
      expect(parseFastArgs(argv)).to.equal(undefined)
    })
  }
})
