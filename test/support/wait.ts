/**
 * Waiting on the thing itself instead of a fixed sleep: a condition the test can read (a request the identity
 * provider counted, a line in a file), or another process trying to take a lock.
 */
import {watch} from 'node:fs'
import {basename, dirname} from 'node:path'

/** Resolves once `ready()` holds (checked every 20 ms); rejects after `timeoutMs`, naming `what`. */
export async function until(ready: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Watches for other processes trying to take the lock at `lockPath` (src/base/file-lock.ts): each try writes a
 * temp file `<lock>.<pid>.<nonce>.tmp` next to the lock and links it into place, so two tries by another process
 * mean its first one found the lock taken and it is waiting. Start watching before the other process starts.
 */
export function watchLockAttempts(lockPath: string): {
  attempts(count: number, timeoutMs?: number): Promise<void>
  close(): void
} {
  const prefix = `${basename(lockPath)}.`
  const own = `${prefix}${process.pid}.`
  const seen = new Set<string>()
  const watcher = watch(dirname(lockPath), (_event, file) => {
    if (file && file.startsWith(prefix) && file.endsWith('.tmp') && !file.startsWith(own)) seen.add(file)
  })
  return {
    attempts: (count, timeoutMs) => until(() => seen.size >= count, `${count} tries to take ${lockPath}`, timeoutMs),
    close: () => watcher.close(),
  }
}
