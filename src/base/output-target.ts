// fs.promises rather than node:fs/promises: it loads on first use, and a cached get-token never uses it (~1 ms).
import {constants, fstatSync, promises as fs, writeSync} from 'node:fs'
import {CliError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import {describeFileError, writeFileAtomic} from './fs-atomic.js'

/**
 * Where the product of a command (a token, claims, JSON) goes: stdout, or the file named by `-o`. A write that fails
 * is an error (exit non-zero), never a silent success: a script would go on with no token.
 */

export {describeFileError} from './fs-atomic.js'

/** A failed write of the product (`what`: 'the token', 'the claims'...) to `target` ('stdout' or the path). */
export class OutputError extends CliError {
  constructor(
    what: string,
    target: string,
    why: string,
    exitCode: typeof ExitCode.Failure | typeof ExitCode.Usage = ExitCode.Failure,
  ) {
    super(`Cannot write ${what} to ${target}: ${why}.`, exitCode, 'OUTPUT_FAILED')
  }
}

/**
 * Writes to stdout (descriptor 1, past process.stdout: a failed stream write surfaces as an 'error' event that
 * oclif rethrows as an uncaught exception) and resolves once the text is handed to the OS. A reader that went away
 * (EPIPE: `| head -c 0`) is the reader's choice and stays quiet; any other failure (a full disk, /dev/full) throws
 * OutputError.
 *
 * A stdout closed by the caller (`>&-`) cannot be told apart: Node reopens it as /dev/null at start-up, exactly as
 * Python's DEVNULL or Node's `stdio: 'ignore'` open it, so such a run writes to /dev/null and succeeds.
 */
export async function writeStdout(text: string, what = 'the output'): Promise<void> {
  try {
    await writeDescriptor(1, Buffer.from(text))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return
    throw new OutputError(what, 'stdout', describeFileError(error))
  }
}

/**
 * Status lines held back until a command is sure of its answer (the fast path), written to descriptor 2 directly:
 * process.stderr would first build a stream (~1 ms) and, on Windows, write to a pipe asynchronously. A stderr
 * nobody reads any more is not an error of the command.
 */
export async function writeStderr(text: string): Promise<void> {
  if (text === '') return
  try {
    await writeDescriptor(2, Buffer.from(text))
  } catch {
    // EPIPE, EBADF: the status is lost, the product is not.
  }
}

/** `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, `/proc/<our pid>/fd/N`: a descriptor of this process, by name. */
export function ownDescriptor(path: string): number | undefined {
  const named: Record<string, number> = {'/dev/stderr': 2, '/dev/stdout': 1}
  if (path in named) return named[path]
  const match = /^\/(?:dev\/fd|proc\/(self|\d+)\/fd)\/(\d+)$/.exec(path)
  if (!match) return undefined
  if (match[1] !== undefined && match[1] !== 'self' && Number(match[1]) !== process.pid) return undefined
  return Number(match[2])
}

/**
 * `-o PATH`: a new or regular file is replaced atomically (temp file 0600 + rename), and so is a symbolic link (the
 * link is replaced, its target never written through: a link planted in a shared folder cannot redirect the token).
 * What is not a file is written in place, as a shell's `>` would: a descriptor of ours by name (`/dev/stdout`,
 * `-o >(cmd)`'s `/dev/fd/63`) is written directly, a device or FIFO is opened for writing without creating or
 * replacing anything (`-o /dev/null` as root must not turn /dev/null into a file holding the token).
 */
export async function writeOutputFile(path: string, data: string, what = 'the output'): Promise<void> {
  try {
    const fd = ownDescriptor(path)
    if (fd !== undefined) return await writeDescriptor(fd, Buffer.from(data))
    const info = await fs.lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (!info || info.isFile() || info.isSymbolicLink()) return await writeFileAtomic(path, data)
    if (info.isDirectory()) throw Object.assign(new Error('folder'), {code: 'EISDIR'})
    // No O_CREAT, no O_TRUNC: if the device or FIFO went away meanwhile, fail rather than create a file in its place.
    const handle = await fs.open(path, constants.O_WRONLY | constants.O_NOFOLLOW)
    try {
      await handle.writeFile(data)
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw new OutputError(what, path, describeFileError(error), ExitCode.Usage)
  }
}

/** Writes all of `data` to an inherited descriptor, waiting out a non-blocking pipe that is full. */
async function writeDescriptor(fd: number, data: Buffer): Promise<void> {
  // A descriptor that is not open fails here (EBADF), before anything is written.
  fstatSync(fd)
  let offset = 0
  while (offset < data.length) {
    try {
      // Synchronous, as Node writes to stdio pipes and files itself: a token fits a pipe at once, and an
      // asynchronous write would start libuv's thread pool, ~1 ms of a cached get-token.
      offset += writeSync(fd, data, offset, data.length - offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}
