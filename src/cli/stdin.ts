import {UsageError} from '../base/errors.js'
import {BIN} from '../base/product.js'

/** Reads all of stdin (for --client-secret-stdin and piped tokens); one trailing newline is not part of the value. */
export async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(`${what} is read from stdin; pipe it in, e.g. printf '%s' "$SECRET" | ${BIN} ...`)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (!text) throw new UsageError(`${what} was expected on stdin, but stdin was empty.`)
  return text
}
