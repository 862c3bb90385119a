/**
 * `exec`: the token reaches the command through its environment only (never argv, a file or the terminal), the
 * command's exit status comes back as a shell reports it, and signals sent to the CLI reach the command.
 */
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {BIN, spawnCli} from '../support/cli.js'
import {Terminal} from '../support/pty.js'
import {useWorld, type World} from '../support/world.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** pid -> argv of every process on the machine we may read. */
function allCommandLines(): Map<number, string> {
  const lines = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      lines.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'latin1'))
    } catch {
      // The process ended since readdir, or is not ours to read.
    }
  }
  return lines
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

describe('exec: a command with the token in its environment', function () {
  this.timeout(60_000)
  const suite = useWorld({cached: true, profile: 'app'})
  let world: World
  let token: string
  beforeEach(() => ({world, token} = suite))

  it('gives the command the cached token in ACCESS_TOKEN and prints nothing of its own', async () => {
    const present = await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', 'test -n "$ACCESS_TOKEN"'])
    expect(present.code, present.stderr).to.equal(0)
    const result = await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', 'printf %s "$ACCESS_TOKEN" | sha256sum'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout.split(' ')[0]).to.equal(sha256(token))
    expect(result.stderr).to.equal('')
  })

  it('--env-name names the variable; an invalid name is a usage error', async () => {
    const result = await world.cli([
      'exec',
      '-p',
      'app',
      '--env-name',
      'TF_VAR_token',
      '--',
      'sh',
      '-c',
      'printf %s "$TF_VAR_token" | sha256sum; printf "[%s]" "${ACCESS_TOKEN-unset}"',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.equal(`${sha256(token)}  -\n[unset]`)
    const bad = await world.cli(['exec', '-p', 'app', '--env-name', 'X=Y', '--', 'true'])
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.match(/^Error: Invalid --env-name 'X=Y'/)
  })

  it("passes the command's exit status through: its code, 128+N for signal N, 127 not found, 126 not executable", async () => {
    expect((await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', 'exit 42'])).code).to.equal(42)
    expect((await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', 'kill -TERM $$'])).code).to.equal(143)
    const missing = await world.cli(['exec', '-p', 'app', '--', 'no-such-command-here'])
    expect(missing.code).to.equal(127)
    expect(missing.stderr).to.equal(
      'Error: Command not found: no-such-command-here; check its name, or give its path.\n',
    )
    const script = join(world.home.root, 'not-executable.sh')
    writeFileSync(script, '#!/bin/sh\necho hi\n')
    chmodSync(script, 0o644)
    const denied = await world.cli(['exec', '-p', 'app', '--', script])
    expect(denied.code).to.equal(126)
    expect(denied.stderr).to.include('permission denied')
  })

  it('passes everything after -- untouched, even words that look like its own flags', async () => {
    const result = await world.cli(['exec', '-p', 'app', '--', 'printf', '%s|', '-p', 'app', '--help', '--', 'app'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.equal('-p|app|--help|--|app|')
    const noCommand = await world.cli(['exec', '-p', 'app'])
    expect(noCommand.code).to.equal(2)
    expect(noCommand.stderr).to.match(/^Error: Name the command after --/)
    const stray = await world.cli(['exec', '-p', 'app', 'sh', '--', 'true'])
    expect(stray.code).to.equal(2)
    expect(stray.stderr).to.match(/^Error: Unexpected 'sh' before --/)
  })

  it("keeps the CLI's own secrets from the command unless --keep-env names them", async () => {
    const names = "env | cut -d= -f1 | grep -E '^(ENTRA_AUTH_CLI_|AZURE_|ACCESS_TOKEN)' | sort"
    const extraEnv = {
      AZURE_CLIENT_CERTIFICATE_PASSWORD: 'pfx-password-1',
      AZURE_CLIENT_SECRET: 'env-secret-123',
      ENTRA_AUTH_CLI_EXPORT_PASSPHRASE: 'export-pass-1',
    }
    const stripped = await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', names], {extraEnv})
    expect(stripped.code, stripped.stderr).to.equal(0)
    expect(stripped.stdout.split('\n').filter(Boolean)).to.deep.equal([
      'ACCESS_TOKEN',
      'ENTRA_AUTH_CLI_HOME',
      'ENTRA_AUTH_CLI_STORE',
    ])
    const kept = await world.cli(
      ['exec', '-p', 'app', '--keep-env', 'ENTRA_AUTH_CLI_PASSPHRASE', '--', 'sh', '-c', names],
      {extraEnv},
    )
    expect(kept.stdout.split('\n').filter(Boolean)).to.deep.equal([
      'ACCESS_TOKEN',
      'ENTRA_AUTH_CLI_HOME',
      'ENTRA_AUTH_CLI_PASSPHRASE',
      'ENTRA_AUTH_CLI_STORE',
    ])
  })

  it('forwards SIGTERM to the command and returns its status; the token is in no process command line meanwhile', async () => {
    const script = "trap 'kill $!; echo got-term; exit 7' TERM; sleep 30 & echo started; wait"
    const cli = spawnCli(['exec', '-p', 'app', '--', 'bash', '-c', script], {env: world.env()})
    let stdout = ''
    let stderr = ''
    cli.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)))
    await new Promise<void>((resolve) => {
      cli.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
        if (stdout.includes('started')) resolve()
      })
    })

    const lines = allCommandLines()
    // The processes involved: the CLI, bash and its background job (sleep, or bash just before it execs sleep).
    const involved = [...lines.keys()].filter((pid) => {
      for (let p: number | undefined = pid; p && p > 1; p = parentOf(p)) if (p === cli.pid) return true
      return false
    })
    expect(involved.length).to.be.at.least(3)
    expect(involved.map((pid) => lines.get(pid)!.split('\0')[0])).to.include('bash')
    const holding = [...lines].filter(([, line]) => line.includes(token)).map(([pid]) => pid)
    expect(holding).to.deep.equal([])

    cli.kill('SIGTERM')
    expect(await exited, stderr).to.equal(7)
    expect(stdout).to.equal('started\ngot-term\n')
  })

  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    it(`forwards ${signal} sent to the CLI (no terminal: a CI runner, a supervisor) and returns the command's status`, async () => {
      // A session of its own (setsid through detached): no controlling terminal, so nothing but us can signal the child.
      const script = `trap 'kill $!; echo got-${signal}; exit 9' ${signal.slice(3)}; sleep 30 & echo started; wait`
      const cli = spawn(process.execPath, [BIN, 'exec', '-p', 'app', '--', 'bash', '-c', script], {
        detached: true,
        env: world.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      cli.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)))
      await new Promise<void>((resolve) => {
        cli.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d
          if (stdout.includes('started')) resolve()
        })
      })
      cli.kill(signal)
      expect(await exited, stderr).to.equal(9)
      expect(stdout).to.equal(`started\ngot-${signal}\n`)
    })
  }

  it("the README's curl pattern: the API gets the bearer header, and while curl runs the token is in no argv", async () => {
    let seen: {authorization?: string; holding: number[]} | undefined
    const server = createServer((request, response) => {
      // curl is waiting for this answer right now: its command line, and every other one, must not hold the token.
      const holding = [...allCommandLines()].filter(([, line]) => line.includes(token)).map(([pid]) => pid)
      seen = {authorization: request.headers.authorization, holding}
      response.end('{"ok":true}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0/organization`
      const script = `printf "Authorization: Bearer %s" "$ACCESS_TOKEN" | curl -sf -H @- ${url}`
      const result = await world.cli(['exec', '-p', 'app', '--', 'sh', '-c', script])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.equal('{"ok":true}')
      expect(seen).to.deep.equal({authorization: `Bearer ${token}`, holding: []})
    } finally {
      server.close()
    }
  })

  it('a Ctrl-C at a terminal reaches the command, the CLI waits for it, and its status comes back', async () => {
    // The CLI does not forward this SIGINT (the terminal sent it to the command too), but a repeated SIGINT is often
    // folded into one by the kernel while the first is pending, so the count cannot prove that; it proves the CLI
    // survived the Ctrl-C and waited for the command.
    const child =
      "let n = 0; process.on('SIGINT', () => console.log('sigint ' + ++n)); console.log('started'); process.stdin.once('data', () => { console.log('total ' + n); process.exit(5) })"
    const terminal = await Terminal.start(['exec', '-p', 'app', '--', process.execPath, '-e', child], {
      env: world.env(),
    })
    try {
      await terminal.waitFor('started')
      await terminal.press('C-c')
      await terminal.waitFor('sigint 1')
      await terminal.answer('')
      const {code, screen} = await terminal.waitForExit()
      expect(code, screen).to.equal(5)
      expect(screen).to.match(/total [12]/)
      expect(screen).not.to.include(token)
    } finally {
      await terminal.close()
    }
  })
})
