import {hostname} from 'node:os'
import {open, readFile, rename, stat, unlink} from 'node:fs/promises'
import {dirname} from 'node:path'
import {ensurePrivateDir} from './fs-atomic.js'
import {CliError} from './errors.js'

/**
 * A cross-process lock on a file path, made with O_EXCL so it works on every local filesystem.
 *
 * The lock file records its owner (pid, host, time). A lock whose owner process is gone (same host, pid dead)
 * or that is older than `staleMs` is taken over at once: a killed `get-token` must not wedge every later call,
 * which is the open bug both msal-node-extensions (#7148) and the az CLI have with lock files.
 */
export interface LockOptions {
  /** Give up after this long. */
  timeoutMs?: number
  /** A lock older than this is presumed abandoned even if its pid looks alive (pid reuse). */
  staleMs?: number
  pollMs?: number
  signal?: AbortSignal
}

interface LockOwner {
  pid: number
  host: string
  createdAt: number
}

export type ReleaseLock = () => Promise<void>

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const {timeoutMs = 180_000, staleMs = 600_000, pollMs = 50, signal} = options
  await ensurePrivateDir(dirname(lockPath))
  const deadline = Date.now() + timeoutMs
  const owner: LockOwner = {pid: process.pid, host: hostname(), createdAt: Date.now()}
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600)
      await handle.writeFile(JSON.stringify(owner))
      await handle.close()
      return async () => {
        // Only remove the lock if it is still ours (it could have been declared stale and taken over).
        const current = await readOwner(lockPath)
        if (current && current.pid === owner.pid && current.createdAt === owner.createdAt) await unlink(lockPath).catch(() => {})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await isStale(lockPath, staleMs)) {
      // Rename first so that two waiters that both saw the stale lock do not both delete a fresh one.
      const grave = `${lockPath}.stale.${process.pid}`
      await rename(lockPath, grave).then(() => unlink(grave), () => {})
      continue
    }
    if (signal?.aborted) throw signal.reason ?? new Error('aborted')
    if (Date.now() > deadline) {
      throw new CliError(`Timed out waiting for the lock ${lockPath}; if no other entra-auth-cli is running, delete that file.`)
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs + Math.floor(Math.random() * pollMs)))
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner
    return typeof owner.pid === 'number' ? owner : undefined
  } catch {
    return undefined
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const owner = await readOwner(lockPath)
  if (!owner) {
    // Half-written (owner crashed between create and write) or unreadable: judge by the file's age.
    const info = await stat(lockPath).catch(() => undefined)
    return info ? Date.now() - info.mtimeMs > 2000 : false
  }
  if (Date.now() - owner.createdAt > staleMs) return true
  if (owner.host !== hostname()) return false
  return !isProcessAlive(owner.pid)
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function withLock<T>(lockPath: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const release = await acquireLock(lockPath, options)
  try {
    return await work()
  } finally {
    await release()
  }
}
