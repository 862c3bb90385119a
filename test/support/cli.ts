import {spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
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

/** What a child wrote to stdout and stderr (each piped, or absent), and how it ended, once it has closed. */
export function outputOf(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolvePromise({code, signal, stderr, stdout}))
  })
}

/** `node ...argv` with this environment and stdin closed: for a bin other than the CLI's, or node options. */
export function runNode(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return outputOf(spawn(process.execPath, argv, {env, stdio: ['ignore', 'pipe', 'pipe']}))
}

/** Runs a shell snippet with `entra-auth-cli` on PATH, as a user's script would. */
export function runShell(script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  const binDir = join(cwd, 'bin')
  mkdirSync(binDir, {recursive: true})
  writeFileSync(join(binDir, 'entra-auth-cli'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
  chmodSync(join(binDir, 'entra-auth-cli'), 0o755)
  return outputOf(spawn('bash', ['-c', script], {cwd, env: {...env, PATH: `${binDir}:${env.PATH ?? ''}`}}))
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runToEnd(spawnCli(args, options), options)
}

/**
 * A CLI process spawned with its stdio piped, run to its end: `input` (or nothing) on stdin, killed after
 * `timeoutMs`; the tokens it printed are registered for the plaintext scan.
 */
export async function runToEnd(
  child: ChildProcess,
  options: Pick<RunOptions, 'input' | 'timeoutMs'> = {},
): Promise<CliResult> {
  const output = outputOf(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  registerSensitive(options.input)
  child.stdin!.end(options.input ?? '')
  try {
    const result = await output
    registerTokensIn(result.stdout)
    return result
  } finally {
    clearTimeout(timer)
  }
}
