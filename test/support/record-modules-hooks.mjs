// Module-resolution hook (runs on Node's loader thread): records each resolved ESM URL.
import {appendFileSync} from 'node:fs'

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.RECORD_MODULES_FILE, `${result.url}\n`)
  return result
}
