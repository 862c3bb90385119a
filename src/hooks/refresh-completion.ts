import type {Hook} from '@oclif/core'
import {refreshInstalledScripts} from '../completion/setup.js'

/**
 * Keeps installed tab-completion scripts current: after an upgrade (or over @oclif/plugin-autocomplete's old static
 * scripts) the first command run rewrites them, so start-up files need no change. A few small reads per command;
 * any failure is ignored, since completion must never stop a command.
 */
const hook: Hook<'init'> = async function ({config}) {
  try {
    await refreshInstalledScripts(config.cacheDir, config.bin)
  } catch {
    // A read-only or odd cache folder: the scripts stay as they are; `autocomplete` reports real problems.
  }
}

export default hook
