import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, mkdirSync, rmSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {findPlaintext, registerSensitive, registerTokensIn} from './plaintext-scan.js'

/** The built CLI, exactly as users run it. Tests never import command classes: they drive this binary. */
export const ROOT = resolve(__dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  cwd?: string
}

/**
 * A private world for one test: its own HOME, XDG folders and ENTRA_AUTH_CLI_HOME, so nothing leaks between tests
 * or into the developer's real profile. The D-Bus session (and so the test keyring) is inherited from the runner.
 */
export class TestHome {
  readonly root: string
  readonly home: string
  readonly cliHome: string

  constructor(prefix = 'entra-test-') {
    const base = join(ROOT, '.test-tmp')
    mkdirSync(base, {recursive: true})
    this.root = mkdtempSync(join(base, prefix))
    this.home = join(this.root, 'home')
    this.cliHome = join(this.home, '.entra-auth-cli')
    mkdirSync(this.home, {recursive: true})
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ENTRA_AUTH_CLI_HOME: this.cliHome,
      HOME: this.home,
      NO_COLOR: '1',
      XDG_CACHE_HOME: join(this.home, '.cache'),
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local', 'share'),
      ...extra,
    }
    // Never let the developer's or the machine's settings leak into a test.
    for (const name of [
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'https_proxy',
      'http_proxy',
      'AZURE_CLIENT_SECRET',
      'AZURE_CLIENT_ID',
      'AZURE_TENANT_ID',
      'DEBUG',
    ]) {
      if (!(name in extra)) delete env[name]
    }
    for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key]
    return env
  }

  /** Fails the test if any secret or token it used is readable in a file under HOME, then removes everything. */
  cleanup(): void {
    const leaks = findPlaintext(this.home)
    rmSync(this.root, {force: true, recursive: true})
    if (leaks.length > 0) throw new Error(`Plaintext secrets or tokens at rest:\n${leaks.join('\n')}`)
  }
}

export function spawnCli(args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, options)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      registerTokensIn(stdout)
      resolvePromise({code, signal, stderr, stdout})
    })
    registerSensitive(options.input)
    child.stdin!.end(options.input ?? '')
  })
}
