import type {Hook} from '@oclif/core'
import {CliError} from '../base/errors.js'
import {localPluginSource, type PluginSource} from '../extensions/plugin-source.js'

/**
 * `plugins install /path/x.tgz` (or ./x.tgz, x.tgz, file:./x.tgz) installs that local file, offline, instead of
 * being read as a GitHub repository or an npm name. plugin-plugins installs whatever this hook leaves in `plugin`.
 */
const hook: Hook<'plugins:preinstall'> = async function (options) {
  const plugin = options.plugin as PluginSource
  let local: PluginSource | undefined
  try {
    local = localPluginSource(plugin, process.cwd())
  } catch (error) {
    // One line, as every command of this CLI says it; oclif lets a hook stop the command only through an exit.
    process.stderr.write(`Error: ${(error as Error).message}\n`)
    this.exit(error instanceof CliError ? error.exitCode : 1)
  }
  if (!local) return
  for (const key of Object.keys(plugin)) delete (plugin as unknown as Record<string, unknown>)[key]
  Object.assign(plugin, local)
}

export default hook
