import {randomBytes} from 'node:crypto'
import {access, chmod, link, mkdir, open, rename, unlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/** Creates `dir` (and parents) readable by the owner only; tightens an existing folder we own. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, {mode: PRIVATE_DIR_MODE, recursive: true})
  await chmod(dir, PRIVATE_DIR_MODE)
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
 * `exclusive` never replaces an existing file, not even one that appears while we write: link(2) fails on a taken
 * name where rename(2) would clobber it.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: {privateDir?: boolean; exclusive?: boolean} = {},
): Promise<void> {
  if (options.privateDir) await ensurePrivateDir(dirname(path))
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', PRIVATE_FILE_MODE)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await unlink(tmp).catch(() => {})
    throw error
  }
  await handle.close()
  try {
    if (options.exclusive) await linkExclusive(tmp, path)
    else await rename(tmp, path)
  } finally {
    await unlink(tmp).catch(() => {})
  }
}

async function linkExclusive(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new FileExistsError(path)
    // A filesystem without hard links: fall back to a rename after a last check.
    if (await access(path).then(() => true, () => false)) throw new FileExistsError(path)
    await rename(tmp, path)
  }
}
