// fs.promises rather than node:fs/promises: it loads on first use, and a cached get-token never uses it (~1 ms).
import {promises as fs, readFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname} from 'node:path'
import {randomBytes} from 'node:crypto'
import {sleep} from './abort.js'
import {ensurePrivateDir} from './fs-atomic.js'
import {CliError, ConfigError} from './errors.js'
import {BIN} from './product.js'

/**
 * A cross-process lock on a file path.
 *
 * The lock file appears whole or not at all (the owner record is written to a temp file and fs.link(2)ed into place,
 * which fails when the name is taken), and it says who holds it and until when: pid, host, boot id and `holdUntil`.
 * A lock whose owner is gone (same host and boot, pid dead; or another boot) or whose hold time has passed is taken
 * over at once, so a killed `get-token` never wedges the next one (the open bug of msal-node-extensions #7148 and
 * the az CLI). Taking over is itself serialised by a short-lived `<lock>.takeover` lock and re-checks what it saw,
 * so two waiters that both saw a stale lock cannot both get in.
 */
export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number
  /** How long the holder may keep the lock; past that it is presumed abandoned (pid reuse, frozen process). */
  holdMs?: number
  pollMs?: number
  signal?: AbortSignal
  /** What the lock protects, for the "still busy" message. */
  what?: string
}

interface LockOwner {
  pid: number
  host: string
  bootId?: string
  createdAt: number
  holdUntil: number
  nonce: string
}

export type ReleaseLock = () => Promise<void>

export class LockBusyError extends CliError {
  constructor(what: string, owner: LockOwner | undefined) {
    const who = owner ? ` (held by process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`})` : ''
    super(`${what} is busy${who}: another ${BIN} run is using it; wait for it to finish and try again.`, 1, 'LOCK_BUSY')
  }
}

let cachedBootId: string | undefined | null = null
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    } catch {
      cachedBootId = undefined
    }
  }
  return cachedBootId
}

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const {holdMs = 60_000, pollMs = 50, signal, timeoutMs = 180_000, what = lockPath} = options
  const deadline = Date.now() + timeoutMs
  try {
    await ensurePrivateDir(dirname(lockPath))
  } catch (error) {
    throw lockFileSystemError(what, dirname(lockPath), error)
  }
  for (;;) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted')
    const owner = newOwner(holdMs)
    if (await tryCreate(lockPath, owner, what)) {
      return async () => {
        // Remove the lock only while it is still ours (it could have been declared stale and taken over).
        if ((await readOwner(lockPath))?.nonce === owner.nonce) await fs.unlink(lockPath).catch(() => {})
      }
    }
    const seen = await observe(lockPath, what)
    // Released meanwhile, or a stale lock removed: try again at once. Otherwise wait a little; the deadline is
    // checked on every pass, so nothing at the lock path can keep a run spinning past --timeout.
    const freed = !seen || ((await isStale(seen)) && (await takeOver(lockPath, seen, what)))
    if (Date.now() > deadline) throw new LockBusyError(what, seen?.owner)
    if (!freed) await sleep(pollMs + Math.floor(Math.random() * pollMs), signal)
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

function newOwner(holdMs: number): LockOwner {
  const now = Date.now()
  return {
    bootId: bootId(),
    createdAt: now,
    holdUntil: now + holdMs,
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
    pid: process.pid,
  }
}

/**
 * Creates the lock whole, or reports that the name is taken. A file system that cannot hold it (full, read-only,
 * not ours) is a ConfigError naming the fix, and leaves no temp file behind.
 */
async function tryCreate(lockPath: string, owner: LockOwner, what: string): Promise<boolean> {
  const tmp = `${lockPath}.${owner.pid}.${owner.nonce}.tmp`
  try {
    const handle = await fs.open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(owner))
    } finally {
      await handle.close()
    }
    await fs.link(tmp, lockPath)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw lockFileSystemError(what, lockPath, error)
  } finally {
    await fs.unlink(tmp).catch(() => {})
  }
}

/** The lock cannot be taken because of the file system: exit 3, with what to change. */
function lockFileSystemError(what: string, path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code
  const why =
    code === 'ENOSPC'
      ? 'the disk is full (ENOSPC)'
      : code === 'EROFS'
        ? 'the file system is read-only (EROFS)'
        : code === 'EDQUOT'
          ? 'the disk quota is exceeded (EDQUOT)'
          : code === 'EACCES' || code === 'EPERM'
            ? `permission denied (${code})`
            : (code ?? (error as Error).message)
  return new ConfigError(
    `${what} cannot be locked: cannot write ${path}: ${why}. Free some space or make the folder writable, or point ENTRA_AUTH_CLI_HOME at a writable folder.`,
    'LOCK_FILE_SYSTEM',
  )
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fs.readFile(lockPath, 'utf8')) as LockOwner
    return typeof owner.pid === 'number' && typeof owner.nonce === 'string' ? owner : undefined
  } catch {
    return undefined
  }
}

/** What a lock file held when we looked: its owner record (if readable) and its inode, to recognise it later. */
interface Observation {
  owner?: LockOwner
  ino: number
  mtimeMs: number
}

/**
 * lstat, not stat: a lock is always a regular file. Anything else at its name (a folder, a symbolic link, dangling
 * or not) is never taken over or waited for; it is reported, because no run could ever remove it.
 */
async function observe(lockPath: string, what?: string): Promise<Observation | undefined> {
  const info = await fs.lstat(lockPath).catch(() => undefined)
  if (!info) return undefined
  if (!info.isFile() && what !== undefined) {
    const kind = info.isDirectory() ? 'a folder' : info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'
    throw new ConfigError(
      `${what} cannot be locked: ${lockPath} is ${kind}, not a lock file; remove it (rm -r '${lockPath}') and try again.`,
      'LOCK_FILE_SYSTEM',
    )
  }
  return {ino: info.ino, mtimeMs: info.mtimeMs, owner: await readOwner(lockPath)}
}

async function isStale({mtimeMs, owner}: Observation): Promise<boolean> {
  // Not ours to read (a foreign or damaged file): judge by its age.
  if (!owner) return Date.now() - mtimeMs > 5000
  if (Date.now() > owner.holdUntil) return true
  if (owner.host !== hostname()) return false
  if (owner.bootId && bootId() && owner.bootId !== bootId()) return true
  return !isProcessAlive(owner.pid)
}

/**
 * Removes a stale lock, but only the very file we judged stale (same inode, same owner), and only one waiter at a
 * time: a file created after we looked is someone's fresh lock and is never touched.
 */
async function takeOver(lockPath: string, seen: Observation, what: string): Promise<boolean> {
  const guard = `${lockPath}.takeover`
  const guardOwner = newOwner(30_000)
  if (!(await tryCreate(guard, guardOwner, what))) {
    // Another waiter is taking over. Its guard is cleared only if that waiter died holding it.
    const other = await observe(guard)
    if (other && (await isStale(other)) && (await observe(guard))?.ino === other.ino)
      await fs.unlink(guard).catch(() => {})
    return false
  }
  try {
    const now = await observe(lockPath)
    if (!(now && now.ino === seen.ino && now.owner?.nonce === seen.owner?.nonce && (await isStale(now)))) return false
    return await fs.unlink(lockPath).then(
      () => true,
      () => false,
    )
  } finally {
    if ((await readOwner(guard))?.nonce === guardOwner.nonce) await fs.unlink(guard).catch(() => {})
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
