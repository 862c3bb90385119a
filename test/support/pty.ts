/**
 * A real pseudo-terminal for end-to-end tests of the prompts, built on tmux (Debian's `tmux`; no native node
 * module). The built CLI runs in a detached tmux session on a private server socket, so stdin, stdout and stderr
 * are all TTYs exactly as for a person at a terminal; the test types text and keys with `send-keys` and reads the
 * screen with `capture-pane`.
 *
 * Every Terminal has its own tmux server (`-S <socket>` in its own temp folder) and never touches the user's
 * tmux. All tmux calls are asynchronous: an identity provider running in the mocha process keeps answering.
 */
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {BIN, ROOT} from './cli.js'

const exec = promisify(execFile)

/**
 * The pane runs the CLI under a small shell that prints its exit status as a marker line and then stays, so the
 * last screen can be read. (tmux 3.3's own pane_dead/pane_dead_status proved unreliable here: now and then the
 * server never reaps the exited CLI and the pane never turns dead.) `trap : INT` keeps the shell alive through a
 * Ctrl-C that reaches it as a signal, while the CLI still gets SIGINT's default disposition.
 */
const WRAPPER = `trap : INT; "$@"; printf '\\n[[entra-exit:%s]]\\n' "$?"; exec sleep 600`
const EXIT_MARKER = /^\[\[entra-exit:(\d+)\]\]$/m

export interface TerminalOptions {
  env: NodeJS.ProcessEnv
  cols?: number
  rows?: number
  cwd?: string
  /** Extra tmux.conf lines, e.g. 'set -s set-clipboard on' (then an OSC 52 sequence fills a paste buffer). */
  tmuxConf?: string[]
}

/** tmux key names: 'Enter', 'Up', 'Down', 'Left', 'Right', 'Tab', 'BSpace', 'Escape', 'C-c', 'Space', ... */
export type KeyName = string

export class Terminal {
  private closed = false
  private constructor(
    private readonly dir: string,
    private readonly socket: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts `entra-auth-cli <args>` (the built bin) in a fresh terminal of cols x rows. */
  static async start(args: string[], options: TerminalOptions): Promise<Terminal> {
    return Terminal.startProgram([process.execPath, BIN, ...args], options)
  }

  /** Starts any program (an interactive shell, say) in a fresh terminal of cols x rows, under the same wrapper. */
  static async startProgram(argv: string[], options: TerminalOptions): Promise<Terminal> {
    // A short path: unix socket paths are limited to ~107 bytes.
    const dir = mkdtempSync(join(tmpdir(), 'entra-pty-'))
    const socket = join(dir, 'sock')
    const conf = join(dir, 'tmux.conf')
    writeFileSync(conf, ['set -g status off', 'set -g history-limit 5000', ...(options.tmuxConf ?? []), ''].join('\n'))
    const env: NodeJS.ProcessEnv = {...options.env, TERM: 'xterm-256color'}
    delete env.TMUX
    delete env.TMUX_PANE
    const terminal = new Terminal(dir, socket, env)
    await terminal.tmux([
      '-f',
      conf,
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      String(options.cols ?? 120),
      '-y',
      String(options.rows ?? 40),
      '-c',
      options.cwd ?? ROOT,
      '--',
      'sh',
      '-c',
      WRAPPER,
      'sh',
      ...argv,
    ])
    return terminal
  }

  private async tmux(args: string[]): Promise<string> {
    const {stdout} = await exec('tmux', ['-S', this.socket, ...args], {cwd: this.dir, env: this.env, timeout: 10_000})
    return stdout
  }

  /** The newest tmux paste buffer (what a program put there with OSC 52), or undefined when there is none. */
  async pasteBuffer(): Promise<string | undefined> {
    try {
      return await this.tmux(['show-buffer'])
    } catch {
      return undefined
    }
  }

  /** Types text literally (no key-name interpretation). */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', 'cli', '-l', '--', text])
  }

  /** Presses keys by tmux name, e.g. press('Down', 'Down', 'Enter'), one at a time as a person would. */
  async press(...keys: KeyName[]): Promise<void> {
    for (const key of keys) {
      await this.tmux(['send-keys', '-t', 'cli', key])
      await sleep(40)
    }
  }

  /** Types a line and presses Enter. */
  async answer(text: string): Promise<void> {
    if (text) await this.type(text)
    await this.press('Enter')
  }

  /** The whole terminal: scrollback and screen, wrapped lines joined, trailing blanks trimmed (without the exit marker). */
  async screen(): Promise<string> {
    return (await this.rawScreen()).replace(EXIT_MARKER, '').trimEnd()
  }

  private async rawScreen(): Promise<string> {
    const text = await this.tmux(['capture-pane', '-p', '-J', '-t', 'cli', '-S', '-', '-E', '-'])
    return text
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trimEnd()
  }

  /** Waits until the screen matches; on timeout fails with the screen in the message. */
  async waitFor(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const screen = await this.screen()
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(pattern)} on the terminal:\n${screen}`)
      await sleep(50)
    }
  }

  /** Waits for the new text to show after `count` occurrences already on screen (a prompt asked a second time). */
  async waitForCount(text: string, count: number, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const screen = await this.screen()
      if (screen.split(text).length - 1 >= count) return screen
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${count} x ${JSON.stringify(text)} on the terminal:\n${screen}`)
      await sleep(50)
    }
  }

  /**
   * In an open select menu (the cursor is drawn as '❯'), moves with the arrow keys to the item whose text starts
   * with `label`, then presses Enter: down first, then up when the end of the list is reached.
   */
  async choose(label: string): Promise<void> {
    let before = pointerLine(await this.screen())
    for (const direction of ['Down', 'Up']) {
      for (let moves = 0; moves < 30; moves++) {
        if (before.startsWith(`❯ ${label}`)) {
          await this.press('Enter')
          return
        }
        await this.press(direction)
        // Wait for the menu to redraw; a cursor that stays put means the end of the list.
        const deadline = Date.now() + 1000
        let now = pointerLine(await this.screen())
        while (now === before && Date.now() < deadline) now = pointerLine(await this.screen())
        if (now === before) break
        before = now
      }
    }
    throw new Error(`No menu item '${label}' in the open menu:\n${await this.screen()}`)
  }

  /** The CLI's exit status once it has exited (128 + n when killed by signal n), and the screen it left. */
  async waitForExit(timeoutMs = 20_000): Promise<{code: number; screen: string}> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const raw = await this.rawScreen()
      const match = EXIT_MARKER.exec(raw)
      if (match) return {code: Number(match[1]), screen: raw.replace(EXIT_MARKER, '').trimEnd()}
      if (Date.now() > deadline) throw new Error(`The CLI did not exit in ${timeoutMs} ms:\n${raw}`)
      await sleep(50)
    }
  }

  /** Kills the tmux server (and with it the CLI if still running) and removes the socket folder. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.tmux(['kill-server']).catch(() => {})
    rmSync(this.dir, {force: true, recursive: true})
  }
}

/** The line of the last open select menu that the cursor is on. */
export function pointerLine(screen: string): string {
  return (
    screen
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('❯')) ?? ''
  )
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
