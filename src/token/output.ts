import type {TextSink} from '../base/text.js'
import {UsageError} from '../base/errors.js'
import {writeFileAtomic} from '../base/fs-atomic.js'
import type {Reporter, TokenResult} from '../contract/index.js'

/** How a token leaves the program. Shared by the get-token/refresh commands and the get-token fast path. */
export interface TokenOutputOptions {
  json: boolean
  /** Write to this file (0600, atomically) instead of stdout. */
  output?: string
}

export function tokenJson(result: TokenResult): string {
  // Key order is part of the documented output: {accessToken, expiresOn, tokenType, scopes}.
  const json = {accessToken: result.accessToken, expiresOn: result.expiresOn.toISOString(), tokenType: result.tokenType, scopes: result.scopes}
  return JSON.stringify(json, null, 2)
}

export async function emitToken(result: TokenResult, options: TokenOutputOptions, reporter: Reporter, stdout: TextSink = process.stdout): Promise<void> {
  const text = options.json ? tokenJson(result) : result.accessToken
  if (options.output) {
    try {
      await writeFileAtomic(options.output, `${text}\n`)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message
      throw new UsageError(`Cannot write the token to ${options.output}: ${why}.`)
    }
    reporter.status(`✓ Token saved to ${options.output}`)
    return
  }
  stdout.write(`${text}\n`)
}

export const messages = {
  authenticating: (profile: string) => `Authenticating with profile '${profile}'...`,
  acquired: '✓ Token acquired successfully',
  cached: '✓ Token acquired successfully (from cache)',
}
