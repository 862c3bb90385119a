import {randomBytes} from 'node:crypto'
import {chmod, mkdir, open, rename, unlink} from 'node:fs/promises'
import {dirname} from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/** Creates `dir` (and parents) readable by the owner only; tightens an existing folder we own. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, {mode: PRIVATE_DIR_MODE, recursive: true})
  await chmod(dir, PRIVATE_DIR_MODE)
}

/**
 * Writes a file so that a reader sees either the old content or the new one, never half of it, and nobody but the
 * owner can read it at any moment: the temp file is created 0600 in the same folder, synced, then renamed over.
 *
 * `privateDir` creates (and tightens to 0700) the parent folder: only for our own folders under
 * ENTRA_AUTH_CLI_HOME, never for a path the user gave (`-o ./token.txt` must not chmod the working directory).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: {privateDir?: boolean} = {}): Promise<void> {
  if (options.privateDir) await ensurePrivateDir(dirname(path))
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
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
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  }
}
