import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Hook} from '@oclif/core'

/**
 * oclif reads package.json files through a cache filled at start-up, so reinstalling a plugin over another version
 * makes plugin-plugins announce the version that was there before ("installed v0.1.0" after installing 0.2.0).
 * The files on disk are right; this says which version is really installed when the two differ.
 */
const hook: Hook<'plugins:postinstall'> = async function () {
  // The plugin just installed is not marked 'user' in this process, so every plugin is checked (the others agree).
  for (const plugin of this.config.getPluginsList()) {
    let version: string | undefined
    try {
      version = (JSON.parse(readFileSync(join(plugin.root, 'package.json'), 'utf8')) as {version?: string}).version
    } catch {
      continue
    }
    if (version && version !== plugin.version) {
      process.stderr.write(
        `${plugin.name} v${version} is installed (oclif's next line names v${plugin.version}, the version it read before the install).\n`,
      )
    }
  }
}

export default hook
