import {randomBytes} from 'node:crypto'
// fs.promises rather than node:fs/promises: it loads on first use, and a cached get-token never uses it (~1 ms).
import {promises as fs} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/**
 * Creates `dir` (and missing parents) readable by the owner only. Only the folders created here are set to 0700
 * (whatever the umask): an existing folder is the user's, and keeps its mode (a shared /tmp keeps its sticky bit;
 * a read-only mount is not written to).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, {mode: PRIVATE_DIR_MODE, recursive: true})
  if (first === undefined) return
  const created = resolve(first)
  for (let folder = resolve(dir); ; folder = dirname(folder)) {
    await fs.chmod(folder, PRIVATE_DIR_MODE)
    if (folder === created || dirname(folder) === folder) break
  }
}

/** `exclusive` write found the name taken. */
export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`)
    this.name = 'FileExistsError'
  }
}

/**
 * Writes a file so that a reader sees either the old content or the new one, never half of it, and nobody but the
 * owner can read it at any moment: the temp file is created 0600 in the same folder, synced, then renamed over.
 *
 * `privateDir` creates (and tightens to 0700) the parent folder: only for our own folders under
 * ENTRA_AUTH_CLI_HOME, never for a path the user gave (`-o ./token.txt` must not chmod the working directory).
 * `exclusive` never replaces an existing file, not even one that appears while we write: fs.link(2) fails on a taken
 * name where fs.rename(2) would clobber it.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: {privateDir?: boolean; exclusive?: boolean} = {},
): Promise<void> {
  if (options.privateDir) await ensurePrivateDir(dirname(path))
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  // Errors name the file the caller asked for, not our temp file.
  const named = (error: unknown) => Object.assign(error as Error, {path})
  const handle = await fs.open(tmp, 'wx', PRIVATE_FILE_MODE).catch((error) => Promise.reject(named(error)))
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await fs.unlink(tmp).catch(() => {})
    throw named(error)
  }
  await handle.close()
  try {
    if (options.exclusive) await linkExclusive(tmp, path)
    else await fs.rename(tmp, path)
  } catch (error) {
    throw error instanceof FileExistsError ? error : named(error)
  } finally {
    await fs.unlink(tmp).catch(() => {})
  }
}

async function linkExclusive(tmp: string, path: string): Promise<void> {
  try {
    await fs.link(tmp, path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new FileExistsError(path)
    // A filesystem without hard links: fall back to a rename after a last check.
    if (
      await fs.access(path).then(
        () => true,
        () => false,
      )
    )
      throw new FileExistsError(path)
    await fs.rename(tmp, path)
  }
}

const FILE_SYSTEM_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EBADF: 'it is not open (EBADF)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  EIO: 'input/output error (EIO)',
  EISDIR: 'it is a folder',
  ENOENT: 'its folder does not exist',
  ENOSPC: 'no space left on the device (ENOSPC)',
  ENOTDIR: 'a part of its path is not a folder (ENOTDIR)',
  ENXIO: 'nothing can be written there (ENXIO)',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only (EROFS)',
}

/** Why a file could not be written, in words, for an error or warning line. */
export function describeFileError(error: unknown): string {
  const {code, message} = error as NodeJS.ErrnoException
  return (code && FILE_SYSTEM_REASONS[code]) ?? code ?? message
}

/** `cannot write PATH: why` when `error` is the file system refusing a write (full, read-only, a folder in the way). */
export function fileSystemProblem(error: unknown): string | undefined {
  const {code, path} = error as NodeJS.ErrnoException
  if (!code || !(code in FILE_SYSTEM_REASONS)) return undefined
  return `cannot write ${path ?? 'a file'}: ${describeFileError(error)}`
}
