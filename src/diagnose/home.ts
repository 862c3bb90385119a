import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {fail, ok, warn, type Finding} from './finding.js'

/**
 * The home folder must be 0700 and every file in it 0600: profiles.json names tenants and apps, secrets.enc and the
 * caches are encrypted but still nobody else's business, and a group-writable folder lets others swap files.
 */
export async function checkHomeModes(home: string): Promise<Finding[]> {
  if (process.platform === 'win32') return [ok('home folder', `${home} (modes are not checked on Windows).`)]
  let info
  try {
    info = await stat(home)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return [ok('home folder', `${home} does not exist yet; it is created 0700 when first needed.`)]
    return [
      fail(
        'home folder',
        `Cannot read ${home}: ${(error as Error).message}.`,
        `Check the permissions of ${home} and its parent.`,
      ),
    ]
  }
  const findings: Finding[] = []
  const loose: string[] = []
  if ((info.mode & 0o077) !== 0) loose.push(`${home} is ${mode(info.mode)}`)
  for (const file of await filesUnder(home)) {
    const s = await stat(file).catch(() => undefined)
    if (s && (s.mode & 0o077) !== 0) loose.push(`${file} is ${mode(s.mode)}`)
  }
  if (loose.length === 0) findings.push(ok('home folder', `${home} is 0700 and its files 0600.`))
  else {
    findings.push(
      fail(
        'home folder',
        `Others can read or change these files: ${loose.slice(0, 5).join(', ')}${loose.length > 5 ? ` and ${loose.length - 5} more` : ''}.`,
        `chmod -R go-rwx ${shellQuote(home)}`,
      ),
    )
  }
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    findings.push(
      warn(
        'home folder',
        `${home} belongs to another user (uid ${info.uid}).`,
        `Use a home of your own (ENTRA_AUTH_CLI_HOME), or chown it.`,
      ),
    )
  }
  return findings
}

async function filesUnder(dir: string, depth = 0): Promise<string[]> {
  if (depth > 3) return []
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => [])
  const files: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(path, ...(await filesUnder(path, depth + 1)))
    else if (entry.isFile()) files.push(path)
  }
  return files
}

function mode(value: number): string {
  return `0${(value & 0o777).toString(8)}`
}

function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}
