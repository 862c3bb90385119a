import {open} from 'node:fs/promises'
import {UsageError} from '../base/errors.js'
import {printable} from '../base/text.js'
import {TokenUnreadableError} from '../jwt/read.js'
import {BIN} from '../base/product.js'

/**
 * Where `inspect` and `discover` get the token from (an argument, -t, -f FILE, or stdin) and how what a user pasted
 * or piped is cleaned up into the bare token. The cleaning is pure, so the property test can feed it anything.
 */
export interface TokenSources {
  /** The positional TOKEN argument; `-` means stdin. */
  argument?: string
  /** -t TOKEN; `-` means stdin. */
  token?: string
  /** -f FILE; `-` means stdin. */
  file?: string
}

/**
 * A token in argv is readable by every local user (`ps`, /proc/PID/cmdline), stays in shell history, and oclif's
 * DEBUG logging prints argv. Returns the one-line warning for a token given as the argument or -t VALUE (not '-'),
 * or undefined when it came through a pipe or a file.
 */
export function commandLineTokenWarning(sources: TokenSources, command: string): string | undefined {
  const inArgv = (value: string | undefined) => value !== undefined && value !== '-'
  if (!inArgv(sources.argument) && !inArgv(sources.token)) return undefined
  return `Warning: a token on the command line can be read by other local users (ps) and is kept in shell history; pipe it in (echo "$TOKEN" | ${BIN} ${command}) or use -f FILE.`
}

/**
 * Entra tokens are a few KiB (up to ~16 KiB with many groups). Reading stops well past that, so that
 * `cat /dev/urandom | entra-auth-cli inspect` ends with a message instead of filling memory.
 */
export const MAX_INPUT_BYTES = 1024 * 1024

const tooLarge = (where: string) =>
  new TokenUnreadableError(`${capitalize(where)} holds more than ${MAX_INPUT_BYTES / 1024} KiB; that is not a token.`)

/**
 * The bare token out of what people actually paste: surrounding whitespace, a byte-order mark, quotes, a leading
 * `Bearer ` or `Authorization: Bearer `, a token wrapped over several lines by a terminal (a JWT has no whitespace,
 * so any inside it is an artefact), or the JSON that `get-token --json` and token endpoints print.
 */
export function normalizeToken(text: string, where = 'the input'): string {
  let token = text.replace(/^\uFEFF/, '').trim()
  token = fromJson(token) ?? token
  token = token.replace(/^authorization\s*:\s*/i, '').replace(/^bearer\s+/i, '')
  if (token.length >= 2 && /^(["'])[^]*\1$/.test(token)) token = token.slice(1, -1)
  token = token.replace(/\s+/g, '')
  if (!token) throw new TokenUnreadableError(`No token in ${where}: it is empty.`, 'TOKEN_MISSING')
  return token
}

/** `{"accessToken": ...}` (get-token --json) or `{"access_token": ...}` (a token endpoint response). */
function fromJson(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const value = JSON.parse(text) as Record<string, unknown> | null
    const token = value?.accessToken ?? value?.access_token
    return typeof token === 'string' ? token.trim() : undefined
  } catch {
    return undefined
  }
}

/** Bytes from a file or a pipe → the token. Invalid UTF-8 survives as U+FFFD and is then reported as unreadable. */
export function tokenFromBytes(bytes: Uint8Array, where: string): string {
  if (bytes.length > MAX_INPUT_BYTES) throw tooLarge(where)
  return normalizeToken(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'), where)
}

/**
 * The token from exactly one source; stdin when none is named. Problems with the *content* (missing file, empty,
 * not a token) are TokenUnreadableErrors (exit 8), so `discover` reports them like any unusable token; giving two
 * sources, or none with a terminal on stdin, is a usage error.
 */
export async function readToken(sources: TokenSources, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const given = [sources.argument, sources.token, sources.file].filter((s) => s !== undefined)
  if (given.length > 1)
    throw new UsageError('Give the token one way only: as an argument, with -t TOKEN, with -f FILE, or on stdin.')
  if (sources.argument !== undefined && sources.argument !== '-')
    return normalizeToken(sources.argument, 'the token argument')
  if (sources.token !== undefined && sources.token !== '-') return normalizeToken(sources.token, 'the -t value')
  if (sources.file !== undefined && sources.file !== '-')
    return tokenFromBytes(await readFileCapped(sources.file), `file ${printable(sources.file, 200)}`)
  if (stdin.isTTY) {
    throw new UsageError(
      `No token given: pass it as an argument, with -t TOKEN or -f FILE, or pipe it in (e.g. ${BIN} get-token -p NAME --silent | ${BIN} inspect).`,
    )
  }
  return tokenFromBytes(await readStreamCapped(stdin, 'stdin'), 'stdin')
}

async function readStreamCapped(stream: NodeJS.ReadableStream, where: string): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > MAX_INPUT_BYTES) throw tooLarge(where)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

/** Reads through a handle rather than readFile, so a FIFO or /dev/stdin works and a huge file is not slurped. */
async function readFileCapped(path: string): Promise<Uint8Array> {
  const where = `file ${printable(path, 200)}`
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new TokenUnreadableError(`No token in ${where}: ${fileProblem(error)}.`, 'TOKEN_MISSING')
  }
  try {
    return await readStreamCapped(handle.createReadStream({autoClose: false}), where)
  } catch (error) {
    if (error instanceof TokenUnreadableError) throw error
    throw new TokenUnreadableError(`Cannot read ${where}: ${fileProblem(error)}.`, 'TOKEN_MISSING')
  } finally {
    await handle.close()
  }
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'it does not exist'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return code ?? printable((error as Error).message ?? error)
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
