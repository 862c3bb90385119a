/**
 * `env`: the line it prints, evaluated by the real shells it is for, sets the token the cache serves.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {promisify} from 'node:util'
import {BIN} from '../support/cli.js'
import {useWorld, type World} from '../support/world.js'

const exec = promisify(execFile)
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('env: an export line for eval', function () {
  this.timeout(60_000)
  const suite = useWorld({cached: true, profile: 'app'})
  let world: World
  let token: string
  beforeEach(() => ({world, token} = suite))
  const cli = `'${process.execPath}' '${BIN}'`

  const shells: Array<[string, string[], string]> = [
    ['bash', ['bash', '--norc', '-c'], `eval "$(${cli} env -p app --shell bash)"`],
    ['zsh', ['zsh', '-f', '-c'], `eval "$(${cli} env -p app --shell zsh)"`],
    ['sh (dash)', ['sh', '-c'], `eval "$(${cli} env -p app --shell sh)"`],
    ['fish', ['fish', '--no-config', '-c'], `${cli} env -p app --shell fish | source`],
  ]
  for (const [name, [file, ...args], load] of shells) {
    it(`${name}: evaluating the output sets and exports ACCESS_TOKEN to the cached token`, async () => {
      const script = `${load}; printf %s "$ACCESS_TOKEN" | sha256sum; printenv ACCESS_TOKEN | wc -c`
      const {stderr, stdout} = await exec(file, [...args, script], {env: world.env()})
      expect(stderr).to.equal('')
      const [hash, length] = stdout.trim().split('\n')
      expect(hash.split(' ')[0]).to.equal(sha256(token))
      expect(Number(length)).to.equal(token.length + 1)
    })
  }

  it('takes the shell from $SHELL, and --env-name the variable', async () => {
    const fish = await world.cli(['env', '-p', 'app'], {extraEnv: {SHELL: '/usr/bin/fish'}})
    expect(fish.code, fish.stderr).to.equal(0)
    expect(fish.stdout).to.equal(`set -gx ACCESS_TOKEN '${token}'\n`)
    const pwsh = await world.cli(['env', '-p', 'app', '--env-name', 'GRAPH_TOKEN'], {
      extraEnv: {SHELL: '/opt/microsoft/powershell/7/pwsh'},
    })
    expect(pwsh.stdout).to.equal(`$env:GRAPH_TOKEN = '${token}'\n`)
    const bash = await world.cli(['env', '-p', 'app'], {extraEnv: {SHELL: '/bin/bash'}})
    expect(bash.stdout).to.equal(`export ACCESS_TOKEN='${token}'\n`)
    expect(bash.stderr).to.equal('')
    const bad = await world.cli(['env', '-p', 'app', '--env-name', '1X'])
    expect(bad.code).to.equal(2)
    expect(bad.stdout).to.equal('')
  })

  it('pwsh: evaluating the output sets $env:ACCESS_TOKEN', async function () {
    try {
      await exec('pwsh', ['-NoProfile', '-Command', 'exit 0'])
    } catch {
      this.skip() // PowerShell is not packaged in Debian; install it from Microsoft to run this test.
    }
    const {stdout} = await exec(
      'pwsh',
      [
        '-NoProfile',
        '-Command',
        `& '${process.execPath}' '${BIN}' env -p app --shell pwsh | Invoke-Expression; [Console]::Out.Write($env:ACCESS_TOKEN.Length)`,
      ],
      {env: world.env()},
    )
    expect(Number(stdout)).to.equal(token.length)
  })
})
