/**
 * `get-token --clipboard`: the token goes to the platform's clipboard tool on its stdin (never its argv, never
 * stdout), or over SSH to the terminal's clipboard with OSC 52; where there is neither, a clear error (exit 3).
 * The tools are real programs on PATH that keep what they were given in a file outside the test HOME.
 */
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {BIN} from '../support/cli.js'
import type {Idp} from '../support/idp/index.js'
import {Terminal} from '../support/pty.js'
import {useWorld, type World} from '../support/world.js'

const NO_SESSION = {
  DISPLAY: undefined,
  SSH_CLIENT: undefined,
  SSH_CONNECTION: undefined,
  SSH_TTY: undefined,
  WAYLAND_DISPLAY: undefined,
  WSL_DISTRO_NAME: undefined,
}

describe('get-token --clipboard', function () {
  this.timeout(60_000)
  const suite = useWorld({cached: true, profile: 'app'})
  let idp: Idp
  let world: World
  let token: string
  let bin: string
  let kept: string
  beforeEach(() => {
    ;({idp, world, token} = suite)
    // Outside HOME: the plaintext scan of the test home must not find the copied token there.
    bin = join(world.home.root, 'bin')
    kept = join(world.home.root, 'clipboard')
    mkdirSync(bin)
    mkdirSync(kept)
  })

  /** A clipboard tool that stores its stdin and its arguments, then exits with `status`. */
  function tool(name: string, status = 0, message = ''): void {
    const script = `#!/bin/sh\nprintf '%s\\n' "$@" > '${kept}/${name}.args'\ncat > '${kept}/${name}.stdin'\n${message ? `echo ${JSON.stringify(message)} >&2\n` : ''}exit ${status}\n`
    writeFileSync(join(bin, name), script)
    chmodSync(join(bin, name), 0o755)
  }

  const cases: Array<[string, NodeJS.ProcessEnv, string[]]> = [
    ['wl-copy', {WAYLAND_DISPLAY: 'wayland-test'}, []],
    ['xclip', {DISPLAY: ':99'}, ['-selection', 'clipboard', '-in']],
    ['xsel', {DISPLAY: ':99'}, ['--clipboard', '--input']],
  ]
  for (const [name, session, args] of cases) {
    it(`${name}: the token on its stdin, not in its arguments; nothing on stdout`, async () => {
      tool(name)
      const result = await world.cli(['get-token', '-p', 'app', '--clipboard'], {
        extraEnv: {...NO_SESSION, ...session, PATH: `${bin}:/usr/bin:/bin`},
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.equal(
        `Authenticating with profile 'app'...\n✓ Token acquired successfully (from cache)\n✓ Token copied to the clipboard (${name})\n`,
      )
      expect(readFileSync(join(kept, `${name}.stdin`), 'utf8')).to.equal(token)
      expect(readFileSync(join(kept, `${name}.args`), 'utf8')).to.equal(args.map((a) => `${a}\n`).join('') || '\n')
    })
  }

  it('no graphical session and no SSH: exit 3 naming why, before any token request, nothing on stdout', async () => {
    idp.resetCounts()
    const result = await world.cli(['get-token', '-p', 'app', '--clipboard', '--force'], {
      extraEnv: {...NO_SESSION, PATH: bin},
    })
    expect(result.code).to.equal(3)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.equal(
      'Error: No clipboard: no graphical session (WAYLAND_DISPLAY and DISPLAY are unset) and not over SSH; print the token or use exec/env instead.\n',
    )
    expect(idp.requestCount()).to.equal(0)
  })

  it('a display but no tool installed: exit 3 naming what to install', async () => {
    const result = await world.cli(['get-token', '-p', 'app', '--clipboard'], {
      extraEnv: {...NO_SESSION, DISPLAY: ':99', PATH: bin},
    })
    expect(result.code).to.equal(3)
    expect(result.stderr).to.equal(
      'Error: No clipboard tool found (tried xclip, xsel): install wl-clipboard (Wayland), or xclip or xsel (X11).\n',
    )
  })

  it('a tool that fails: exit 3 with what it said', async () => {
    tool('xclip', 1, "Error: Can't open display: :99")
    const result = await world.cli(['get-token', '-p', 'app', '--clipboard'], {
      extraEnv: {...NO_SESSION, DISPLAY: ':99', PATH: `${bin}:/usr/bin:/bin`},
    })
    expect(result.code).to.equal(3)
    expect(result.stdout).to.equal('')
    expect(result.stderr, result.stderr).to.include(
      "Error: The clipboard tool xclip failed: Error: Can't open display: :99.\n",
    )
  })

  it('--clipboard with -o, --json or --output-format is a usage error', async () => {
    for (const extra of [['-o', join(kept, 'x')], ['--json'], ['--output-format', 'json']]) {
      const result = await world.cli(['get-token', '-p', 'app', '--clipboard', ...extra])
      expect(result.code, extra.join(' ')).to.equal(2)
    }
    expect(existsSync(join(kept, 'x'))).to.equal(false)
  })

  it("over SSH: the terminal's clipboard through OSC 52 (tmux with set-clipboard on), nothing on the screen", async () => {
    const ssh = {
      ...NO_SESSION,
      PATH: `${bin}:/usr/bin:/bin`,
      SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
      SSH_TTY: '/dev/pts/99',
    }
    // A display tool on PATH too: over SSH it would copy on the remote machine, so OSC 52 wins.
    tool('xclip')
    const terminal = await Terminal.start(['get-token', '-p', 'app', '--clipboard'], {
      env: world.env({...ssh, DISPLAY: ':99'}),
      tmuxConf: ['set -s set-clipboard on'],
    })
    try {
      const {code, screen} = await terminal.waitForExit()
      expect(code, screen).to.equal(0)
      expect(screen).to.include("✓ Token copied to your terminal's clipboard (OSC 52)")
      expect(screen).not.to.include(token)
      expect(await terminal.pasteBuffer()).to.equal(token)
      expect(existsSync(join(kept, 'xclip.stdin'))).to.equal(false)
    } finally {
      await terminal.close()
    }
  })

  it('over SSH without a terminal: exit 3 saying so', async () => {
    // A new session (setsid, through detached) has no controlling terminal, as under a CI runner or cron.
    const child = spawn(process.execPath, [BIN, 'get-token', '-p', 'app', '--clipboard'], {
      detached: true,
      env: world.env({...NO_SESSION, SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22'}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).to.equal(3)
    expect(stdout).to.equal('')
    expect(stderr).to.equal(
      'Error: No clipboard: over SSH the token would go to your terminal (OSC 52), but this process has no terminal; run it in an interactive SSH session (ssh -t).\n',
    )
  })
})
