/**
 * Fails when a module imports from a higher layer (or a sibling folder of its own layer). The layers are the ones
 * ARCHITECTURE.md describes; a folder not listed here is an error too, so a new folder must be placed on purpose.
 *   node --import tsx scripts/check-layers.ts
 */
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve, sep} from 'node:path'

/** Bottom to top. Folders in one row are siblings: they may not import each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ['contract'],
  ['base'],
  ['net'],
  ['jwt'],
  ['extensions'],
  ['profile'],
  ['token', 'flows', 'stores', 'completion'],
  ['config', 'diagnose'],
  ['cli'],
  ['commands', 'fast', 'hooks', '.'],
]

const src = resolve(__dirname, '..', 'src')

function layerOf(folder: string): number {
  const index = LAYERS.findIndex((row) => row.includes(folder))
  if (index === -1)
    throw new Error(`src/${folder} is in no layer: add it to LAYERS in scripts/check-layers.ts and to ARCHITECTURE.md`)
  return index
}

/** The top folder of a file under src ('.' for src itself). */
function folderOf(file: string): string {
  const parts = relative(src, file).split(sep)
  return parts.length === 1 ? '.' : parts[0]
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sources(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}

// Static imports and re-exports, `import type` included (a type import still couples the layers), and import().
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g

export function violations(): string[] {
  const found: string[] = []
  for (const file of sources(src)) {
    const from = folderOf(file)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? match[2])
      const to = folderOf(target)
      if (to === from) continue
      const [a, b] = [layerOf(from), layerOf(to)]
      if (b > a)
        found.push(
          `src/${relative(src, file)} imports ${match[1] ?? match[2]}: ${from} may not use the higher layer ${to}`,
        )
      else if (a === b)
        found.push(`src/${relative(src, file)} imports ${match[1] ?? match[2]}: ${from} and ${to} are siblings`)
    }
  }
  return found
}

const problems = violations()
if (problems.length > 0) {
  process.stderr.write(`Layering broken (see ARCHITECTURE.md):\n${problems.map((p) => `  ${p}`).join('\n')}\n`)
  process.exit(1)
}
process.stdout.write('Layering: no module imports a higher layer.\n')
