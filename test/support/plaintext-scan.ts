import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Every secret a test hands the CLI and every token it gets back is registered here; before a test home is removed,
 * every file under it is searched for them (as text and base64), so "nothing in plaintext at rest" is checked after
 * every test, not just in one.
 */
const sensitive = new Set<string>()

export function registerSensitive(...values: Array<string | undefined>): void {
  for (const value of values) if (value && value.length >= 8) sensitive.add(value)
}

/** Collects JWT-looking strings from CLI output. */
export function registerTokensIn(text: string): void {
  for (const match of text.matchAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g)) registerSensitive(match[0])
}

export function findPlaintext(root: string): string[] {
  const needles = [...sensitive].flatMap((s) => [s, Buffer.from(s).toString('base64')])
  const hits: string[] = []
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const name of entries) {
      const path = join(dir, name)
      const info = statSync(path, {throwIfNoEntry: false})
      if (!info) continue
      if (info.isDirectory()) walk(path)
      else if (info.isFile()) {
        const content = readFileSync(path).toString('latin1')
        for (const needle of needles) if (content.includes(needle)) hits.push(`${path} contains ${needle.slice(0, 6)}…`)
      }
    }
  }
  walk(root)
  return hits
}
