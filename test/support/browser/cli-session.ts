/**
 * A CLI process a test talks to while it runs: read what it printed so far, wait for a line, interrupt it. Spawned
 * asynchronously: the identity provider answers from the test process's event loop.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {connect} from 'node:net'
import {readFileSync} from 'node:fs'
import {BIN, ROOT, spawnCli, type CliResult} from '../cli.js'

export interface CliSession {
  readonly stdout: string
  readonly stderr: string
  /** Resolves with the first match of `pattern` in stderr (waits for it). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  interrupt(): void
  readonly done: Promise<CliResult>
}

/** `launcher`: run the CLI through this command line (e.g. `setpriv ...`), which then execs node. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: {timeoutMs?: number; launcher?: string[]} = {},
): CliSession {
  const {launcher} = options
  const child = launcher
    ? spawn(launcher[0], [...launcher.slice(1), process.execPath, BIN, ...args], {
        cwd: ROOT,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawnCli(args, {env})
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
    for (const l of listeners) l()
  })
  child.stdin!.end()
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000)
  const done = once(child, 'close').then(([code, signal]) => {
    clearTimeout(killer)
    for (const l of listeners) l()
    return {code: code as number | null, signal: signal as NodeJS.Signals | null, stderr, stdout}
  })
  let exited = false
  void done.then(() => (exited = true))
  return {
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    done,
    interrupt: () => child.kill('SIGINT'),
    waitForStderr(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stderr.match(pattern)
          if (match) {
            finish()
            resolve(match)
          } else if (exited) {
            finish()
            reject(new Error(`the CLI exited before printing ${pattern}; stderr:\n${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          finish()
          reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; stderr so far:\n${stderr}`))
        }, timeoutMs)
        const finish = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
  }
}

/** True when a TCP connection to host:port is accepted. */
export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port})
    socket.setTimeout(1000, () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Local addresses of listening TCP sockets on `port`, from /proc/net/tcp and tcp6 (e.g. `127.0.0.1`, `::`). */
export function listeningAddresses(port: number): string[] {
  const found: string[] = []
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 4 || cols[3] !== '0A') continue
      const [addrHex, portHex] = cols[1].split(':')
      if (Number.parseInt(portHex, 16) !== port) continue
      found.push(v6 ? decodeV6(addrHex) : decodeV4(addrHex))
    }
  }
  return found
}

function decodeV4(hex: string): string {
  const bytes = Buffer.from(hex, 'hex')
  return [...bytes].reverse().join('.')
}

function decodeV6(hex: string): string {
  const words: string[] = []
  for (let i = 0; i < 32; i += 8) {
    const bytes = Buffer.from(hex.slice(i, i + 8), 'hex').reverse()
    words.push(bytes.toString('hex').slice(0, 4), bytes.toString('hex').slice(4))
  }
  const full = words.map((w) => w.replace(/^0+(?=.)/, '')).join(':')
  return full === '0:0:0:0:0:0:0:0' ? '::' : full === '0:0:0:0:0:0:0:1' ? '::1' : full
}

/** A port nothing listens on right now (bind 127.0.0.1:0, read it, close). */
export async function freePort(): Promise<number> {
  const {createServer} = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 0}, resolve))
  const port = (server.address() as {port: number}).port
  await new Promise((resolve) => server.close(resolve))
  return port
}
