import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {CliError} from '../../../src/base/errors.js'
import {defaultShell, exportLine, SHELLS, type Shell} from '../../../src/cli/shell-export.js'

const run = promisify(execFile)

/** Values no token has, but a quoting bug would show with: quotes, backslashes, $, backticks, globs. */
const NASTY = ["it's", 'back\\slash\\', '$HOME `id` $(id) *', "''\\'", 'eyJhbGciOi.J9.x-_']

/** Outside printable ASCII: line ends, escapes, and the typographic quotes PowerShell takes as ' too. */
const REFUSED = [
  'a\nb',
  'a\rb',
  'a\tb',
  '\u001B[31mred',
  'caf\u00E9',
  'a\u2019; Write-Host PWNED; \u2019',
  '\u2018',
  '\u201A',
  '\u201B',
]

/** Each shell, without user configuration, running a script given as an argument. */
const SHELL_RUNS: Record<Exclude<Shell, 'pwsh'>, string[]> = {
  bash: ['bash', '--norc', '-c'],
  fish: ['fish', '--no-config', '-c'],
  sh: ['sh', '-c'],
  zsh: ['zsh', '-f', '-c'],
}

describe('shell-export: the line env prints, read back by real shells', () => {
  for (const [shell, command] of Object.entries(SHELL_RUNS)) {
    it(`${shell} reads every value back exactly, and exports it`, async () => {
      const [file, ...args] = command
      for (const value of NASTY) {
        const line = exportLine(shell as Shell, 'V', value)
        // The shell's own view of the variable, then a child process's (exported).
        const {stdout} = await run(file, [...args, `${line}\nprintf %s "$V"; printf '|'; printenv V`], {
          env: {PATH: process.env.PATH},
        })
        expect(stdout, line).to.equal(`${value}|${value}\n`)
      }
    })
  }

  it('pwsh reads every value back exactly', async function () {
    try {
      await run('pwsh', ['-NoProfile', '-Command', 'exit 0'])
    } catch {
      this.skip() // PowerShell is not packaged in Debian; install it from Microsoft to run this test.
    }
    for (const value of NASTY) {
      const line = exportLine('pwsh', 'V', value)
      const {stdout} = await run('pwsh', ['-NoProfile', '-Command', `${line}; [Console]::Out.Write($env:V)`])
      expect(stdout, line).to.equal(value)
    }
  })

  it('refuses a value outside printable ASCII for every shell (nothing to break out of a quote with)', () => {
    for (const shell of SHELLS) {
      for (const value of REFUSED) {
        expect(() => exportLine(shell, 'V', value), `${shell} ${JSON.stringify(value)}`)
          .to.throw(CliError, /^The value for V has characters other than printable ASCII/)
          .with.property('code', 'UNSAFE_EXPORT')
      }
    }
  })

  it('the default shell comes from $SHELL; PowerShell on Windows without one; bash otherwise', () => {
    expect(defaultShell({SHELL: '/usr/bin/fish'}, 'linux')).to.equal('fish')
    expect(defaultShell({SHELL: '/bin/zsh'}, 'darwin')).to.equal('zsh')
    expect(defaultShell({SHELL: '/bin/dash'}, 'linux')).to.equal('sh')
    expect(defaultShell({SHELL: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe'}, 'win32')).to.equal('pwsh')
    expect(defaultShell({}, 'win32')).to.equal('pwsh')
    expect(defaultShell({}, 'linux')).to.equal('bash')
    expect(defaultShell({SHELL: '/usr/bin/tcsh'}, 'linux')).to.equal('bash')
  })
})
