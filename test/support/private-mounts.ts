import {spawn, spawnSync} from 'node:child_process'
import {BIN, ROOT, runToEnd, type CliResult} from './cli.js'

/**
 * Runs the built CLI as root inside a private mount namespace (`unshare -m`), so a test can give it a file system
 * the real machine never sees: a fresh /dev on a tmpfs (for `-o /dev/null` as root), or a tiny full tmpfs. Whatever
 * the CLI does there (even replacing /dev/null) dies with the namespace.
 *
 * `setup` is shell code run first inside the namespace; `check` after the CLI, its output appended to stderr after a
 * line `--- check`. Tests call `privateMountsUnavailable()` first and skip with its reason.
 */
export function privateMountsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (CI runs as root) to mount in a private namespace'
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --make-rprivate / && mount -t tmpfs none /mnt'], {
    encoding: 'utf8',
  })
  if (probe.status !== 0)
    return `unshare -m is not available here: ${(probe.stderr || probe.error?.message || '').trim()}`
  return undefined
}

/** A /dev of our own: the usual character devices and the links to this process's descriptors. */
export const PRIVATE_DEV = [
  'mount -t tmpfs -o size=1m,mode=755 tmpfs /dev',
  'mknod -m 666 /dev/null c 1 3',
  'mknod -m 666 /dev/zero c 1 5',
  'mknod -m 666 /dev/full c 1 7',
  'mknod -m 666 /dev/random c 1 8',
  'mknod -m 666 /dev/urandom c 1 9',
  'ln -s /proc/self/fd /dev/fd',
  'ln -s /proc/self/fd/0 /dev/stdin',
  'ln -s /proc/self/fd/1 /dev/stdout',
  'ln -s /proc/self/fd/2 /dev/stderr',
].join(' && ')

export function runCliInPrivateMounts(
  args: string[],
  options: {env: NodeJS.ProcessEnv; setup: string; check?: string; timeoutMs?: number},
): Promise<CliResult> {
  const script = `set -e; mount --make-rprivate /; ${options.setup}; set +e; "$@"; rc=$?; echo '--- check' >&2; ${options.check ?? 'true'} >&2; exit $rc`
  const child = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', process.execPath, BIN, ...args], {
    cwd: ROOT,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return runToEnd(child, options)
}
