import {existsSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'
import {UsageError} from '../base/errors.js'

/** What @oclif/plugin-plugins made of the `plugins install` argument (its parsePlugin), before it installs it. */
export type PluginSource = {type: 'npm'; name: string; tag: string} | {type: 'repo'; url: string}

const GITHUB = 'https://github.com/'
const TARBALL = /\.(tgz|tar\.gz)$/i

/**
 * A local tarball or folder given to `plugins install` as a plain path: plugin-plugins reads `/abs/x.tgz` or
 * `./x.tgz` as a GitHub repository (and fails after a minute offline) and `x.tgz` as an npm package name, and npm
 * resolves a relative `file:` against the CLI's data folder, not where the user stands. Returns the source as a
 * `file:` URL with an absolute path, or undefined when the argument is no local path. Throws when it names a
 * tarball that is not there.
 */
export function localPluginSource(source: PluginSource, cwd: string): PluginSource | undefined {
  const asFile = (path: string): PluginSource => {
    const absolute = resolve(cwd, path)
    if (!existsSync(absolute))
      throw new UsageError(
        `No plugin at ${absolute}; give the path of a packed plugin (npm pack) or of its folder, e.g. 'plugins install file:${absolute}'.`,
      )
    return {type: 'repo', url: `file:${absolute}`}
  }
  if (source.type === 'npm') {
    // `x.tgz` passes as a package name; a file of that name here is what was meant.
    return TARBALL.test(source.name) && existsSync(resolve(cwd, source.name)) ? asFile(source.name) : undefined
  }
  const {url} = source
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '')
    return isAbsolute(path) ? undefined : asFile(path)
  }
  if (!url.startsWith(GITHUB)) return undefined
  const rest = url.slice(GITHUB.length)
  const looksLocal =
    rest.startsWith('/') ||
    rest.startsWith('./') ||
    rest.startsWith('../') ||
    rest.startsWith('~/') ||
    TARBALL.test(rest)
  if (!looksLocal) return undefined
  return asFile(rest.startsWith('~/') ? resolve(process.env.HOME ?? '~', rest.slice(2)) : rest)
}
