import {spawn} from 'node:child_process'
import {accessSync, constants, openSync, readFileSync, writeSync, closeSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {ConfigError} from '../base/errors.js'
import {printable} from '../base/text.js'
import {withoutSecretEnv} from '../base/redact.js'

/**
 * `get-token --clipboard`: the token goes to the clipboard, never to stdout or a tool's argv. Over SSH the clipboard
 * that matters is the one of the terminal in front of the user, reached with the OSC 52 escape sequence written to
 * the controlling terminal; elsewhere the platform's tool gets the token on its stdin.
 */
export type ClipboardTarget = {kind: 'tool'; command: string; args: string[]} | {kind: 'osc52'}

interface Environment {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** Whether /dev/tty (the controlling terminal) can be opened. */
  hasTerminal: boolean
}

const TOOL_TIMEOUT_MS = 5000

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      // Not in this folder.
    }
  }
  return false
}

function isWsl(env: NodeJS.ProcessEnv): boolean {
  if (env.WSL_DISTRO_NAME) return true
  try {
    return /microsoft/i.test(readFileSync('/proc/version', 'utf8'))
  } catch {
    return false
  }
}

export function overSsh(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.SSH_TTY || env.SSH_CONNECTION || env.SSH_CLIENT)
}

/** Where the token goes, or a ConfigError that says why there is nowhere and what to install or do. */
export function chooseClipboard({env, hasTerminal, platform}: Environment): ClipboardTarget {
  if (overSsh(env)) {
    if (hasTerminal) return {kind: 'osc52'}
    throw new ConfigError(
      'No clipboard: over SSH the token would go to your terminal (OSC 52), but this process has no terminal; run it in an interactive SSH session (ssh -t).',
      'NO_CLIPBOARD',
    )
  }
  const tools: Array<[string, string[]]> = []
  if (platform === 'darwin') tools.push(['pbcopy', []])
  else if (platform === 'win32') tools.push(['clip.exe', []], ['clip', []])
  else {
    if (isWsl(env)) tools.push(['clip.exe', []])
    if (env.WAYLAND_DISPLAY) tools.push(['wl-copy', []])
    if (env.DISPLAY) tools.push(['xclip', ['-selection', 'clipboard', '-in']], ['xsel', ['--clipboard', '--input']])
  }
  const found = tools.find(([command]) => onPath(command, env))
  if (found) return {args: found[1], command: found[0], kind: 'tool'}
  if (platform === 'darwin') throw new ConfigError('No clipboard: pbcopy is not on PATH.', 'NO_CLIPBOARD')
  if (platform === 'win32') throw new ConfigError('No clipboard: clip.exe is not on PATH.', 'NO_CLIPBOARD')
  if (tools.length === 0) {
    throw new ConfigError(
      'No clipboard: no graphical session (WAYLAND_DISPLAY and DISPLAY are unset) and not over SSH; print the token or use exec/env instead.',
      'NO_CLIPBOARD',
    )
  }
  throw new ConfigError(
    `No clipboard tool found (tried ${tools.map(([c]) => c).join(', ')}): install wl-clipboard (Wayland), or xclip or xsel (X11).`,
    'NO_CLIPBOARD',
  )
}

export function canOpenTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'w'))
    return true
  } catch {
    return false
  }
}

/** Copies `text` and says where it went (for the status line). */
export async function copyToClipboard(text: string, target: ClipboardTarget): Promise<string> {
  if (target.kind === 'osc52') {
    // OSC 52 ("set selection c to this base64"), ended by BEL, which tmux, xterm, iTerm2, kitty, WezTerm and
    // Windows Terminal understand. Written to the terminal itself, so stdout stays clean even when redirected.
    const fd = openSync('/dev/tty', 'w')
    try {
      writeSync(fd, `\u001B]52;c;${Buffer.from(text).toString('base64')}\u0007`)
    } finally {
      closeSync(fd)
    }
    return "your terminal's clipboard (OSC 52)"
  }
  await pipeTo(target.command, target.args, text)
  return `the clipboard (${target.command})`
}

/**
 * The text goes on the tool's stdin. Only its exit is awaited, not the end of its output: xclip and wl-copy fork a
 * process that keeps serving the selection (and holds the inherited descriptors) long after the copy.
 */
function pipeTo(command: string, args: string[], text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // xclip and wl-copy stay behind as the selection's owner: without the CLI's secrets in their environment.
    const child = spawn(command, args, {env: withoutSecretEnv(), stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true})
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new ConfigError(
          `The clipboard tool ${command} did not finish within ${TOOL_TIMEOUT_MS / 1000} s.`,
          'CLIPBOARD_FAILED',
        ),
      )
    }, TOOL_TIMEOUT_MS)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(
        new ConfigError(`Cannot run the clipboard tool ${command}: ${printable(error.message)}.`, 'CLIPBOARD_FAILED'),
      )
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      child.stderr!.destroy()
      if (code === 0) resolve()
      else {
        const why = printable(
          stderr.trim().split('\n')[0] || (signal ? `killed by ${signal}` : `exit status ${code}`),
          200,
        )
        reject(new ConfigError(`The clipboard tool ${command} failed: ${why}.`, 'CLIPBOARD_FAILED'))
      }
    })
    // A tool that exits before reading everything (a broken one) must not crash us with EPIPE.
    child.stdin!.on('error', () => {})
    child.stdin!.end(text)
  })
}
