import {spawn, type ChildProcess} from 'node:child_process'
import {accessSync, constants, readFileSync, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {SECRET_ENV_VARS, withoutSecretEnv} from '../base/redact.js'

/**
 * Opening the user's browser from a terminal, or knowing that we cannot:
 *
 * - `$BROWSER` first (the usual Unix convention, also how WSL and headless setups point at a browser): a
 *   colon-separated list of commands, tried in order. An entry that is an executable file as a whole is run as is
 *   (`/mnt/c/Program Files/Google/Chrome/Application/chrome.exe`); otherwise it is split into words the way a shell
 *   would, honouring quotes and backslashes (as Python's webbrowser does). The URL replaces `%s`, else it is added
 *   as the last argument. No shell ever runs: the URL is one argument of its own.
 * - WSL: `wslview` (wslu) when installed, otherwise the `open` package, which starts the Windows default browser
 *   through PowerShell. WSL 2 forwards the Windows side's `localhost` to our loopback listener.
 * - An SSH session without a forwarded display, or Linux without DISPLAY/WAYLAND_DISPLAY: no browser here, and a
 *   browser on the user's own computer could not reach this machine's loopback address, so we say so.
 * - Otherwise the `open` package (macOS `open`, Windows `start`, Linux `xdg-open`).
 *
 * A launch counts as failed when the command cannot be started or exits non-zero within a few seconds; a command
 * that exits 0 or keeps running (a browser in the foreground) counts as opened.
 */
export type BrowserPlan =
  | {kind: 'commands'; commands: string[]; via: string}
  | {kind: 'wslview'; via: string}
  | {kind: 'open'; via: string}
  | {kind: 'none'; reason: string}

export type LaunchOutcome = {ok: true} | {ok: false; reason: string}

/** How long a launcher may take to report failure before we assume the browser is up. */
const LAUNCH_GRACE_MS = 3000

export function isWsl(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform !== 'linux') return false
  if (env.WSL_DISTRO_NAME || env.WSL_INTEROP) return true
  try {
    return /microsoft/i.test(readFileSync('/proc/sys/kernel/osrelease', 'utf8'))
  } catch {
    return false
  }
}

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      // Not there or not executable: look in the next folder.
    }
  }
  return false
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Words of a command line as a POSIX shell splits them: whitespace separates; '...' is literal; "..." keeps all
 * but \" \\ \$ \` escapes; a backslash outside quotes takes the next character literally. Nothing is expanded.
 * Undefined when a quote is left open.
 */
export function shellWords(text: string): string[] | undefined {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i]
      else word += c
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      inWord = true
      if (c === "'" || c === '"') quote = c
      else if (c === '\\' && i + 1 < text.length) word += text[++i]
      else word += c
    }
  }
  if (quote) return undefined
  if (inWord) words.push(word)
  return words
}

/** The program and arguments one `$BROWSER` entry runs to open `url`, or why it cannot be run. */
export function browserCommand(
  entry: string,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): {file: string; args: string[]} | {error: string} {
  // A path with spaces (Windows programs under WSL) names the program as a whole.
  if (entry.includes('/') ? isExecutableFile(entry) : onPath(entry, env)) return {args: [url], file: entry}
  const words = shellWords(entry)
  if (!words) return {error: `$BROWSER entry '${entry}' has a quote that is never closed`}
  if (words.length === 0 || !words[0]) return {error: `$BROWSER entry '${entry}' names no program`}
  const [file, ...args] = words
  return {args: args.some((a) => a.includes('%s')) ? args.map((a) => a.replaceAll('%s', url)) : [...args, url], file}
}

export function browserPlan(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): BrowserPlan {
  const commands = (env.BROWSER ?? '')
    .split(':')
    .map((c) => c.trim())
    .filter(Boolean)
  if (commands.length > 0) {
    const first = browserCommand(commands[0], '', env)
    return {commands, kind: 'commands', via: `$BROWSER (${'file' in first ? first.file : commands[0]})`}
  }
  if (isWsl(env, platform))
    return onPath('wslview', env)
      ? {kind: 'wslview', via: 'wslview'}
      : {kind: 'open', via: 'the Windows default browser'}
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY)
  const display = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY)
  if (ssh && !(platform === 'linux' && display)) {
    return {
      kind: 'none',
      reason:
        "this is an SSH session: a browser here has no screen, and one on your computer cannot reach this machine's loopback address",
    }
  }
  if (platform !== 'darwin' && platform !== 'win32' && !display) {
    return {
      kind: 'none',
      reason: 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset) and $BROWSER is not set',
    }
  }
  return {kind: 'open', via: 'the default browser'}
}

/**
 * The `open` package spawns with process.env and takes no environment: the secret variables are left out of
 * process.env while it starts the launcher, and put back at once (nothing else reads them meanwhile: the flow
 * has its credential already, and the launcher is spawned synchronously within the call).
 */
async function withProcessEnvWithoutSecrets<T>(start: () => Promise<T>): Promise<T> {
  const saved: Array<[string, string]> = []
  for (const name of SECRET_ENV_VARS) {
    const value = process.env[name]
    if (value === undefined) continue
    saved.push([name, value])
    delete process.env[name]
  }
  try {
    return await start()
  } finally {
    for (const [name, value] of saved) process.env[name] = value
  }
}

export async function launchBrowser(url: string, plan: Exclude<BrowserPlan, {kind: 'none'}>): Promise<LaunchOutcome> {
  switch (plan.kind) {
    case 'commands': {
      const reasons: string[] = []
      for (const entry of plan.commands) {
        const command = browserCommand(entry, url)
        if ('error' in command) {
          reasons.push(command.error)
          continue
        }
        const outcome = await watch(
          () => spawn(command.file, command.args, {detached: true, env: withoutSecretEnv(), stdio: 'ignore'}),
          `$BROWSER command '${command.file}'`,
        )
        if (outcome.ok) return outcome
        reasons.push(outcome.reason)
      }
      return {ok: false, reason: reasons.join('; ')}
    }
    case 'wslview':
      return watch(() => spawn('wslview', [url], {detached: true, env: withoutSecretEnv(), stdio: 'ignore'}), 'wslview')
    case 'open': {
      let child: ChildProcess
      try {
        const {default: open} = await import('open')
        child = await withProcessEnvWithoutSecrets(() => open(url, {wait: false}))
      } catch (error) {
        return {ok: false, reason: `the 'open' package could not start a browser (${(error as Error).message})`}
      }
      return watch(() => child, 'the system browser launcher')
    }
  }
}

function watch(start: () => ChildProcess, what: string): Promise<LaunchOutcome> {
  return new Promise((resolve) => {
    let child: ChildProcess
    let timer: NodeJS.Timeout | undefined
    const finish = (outcome: LaunchOutcome) => {
      if (timer) clearTimeout(timer)
      resolve(outcome)
    }
    try {
      child = start()
    } catch (error) {
      finish({ok: false, reason: `${what} could not be started (${(error as Error).message})`})
      return
    }
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        reason: `${what} could not be started (${error.code === 'ENOENT' ? 'not found' : error.message})`,
      }),
    )
    child.once('exit', (code, signal) => {
      if (code === 0) finish({ok: true})
      else finish({ok: false, reason: `${what} exited with ${code === null ? `signal ${signal}` : `code ${code}`}`})
    })
    // Still running after the grace period: a browser in the foreground. Never wait for it to end.
    timer = setTimeout(() => finish({ok: true}), LAUNCH_GRACE_MS)
    timer.unref()
    child.unref()
  })
}
