import type {Hook} from '@oclif/core'
import {ExitCode} from '../base/exit-codes.js'

/**
 * `config show sf` reaches oclif as the command `config:show:sf`. When the words before the unknown one name a
 * command that takes -p, the word was almost surely a profile name: say so instead of "command not found".
 */
const hook: Hook<'command_not_found'> = async function ({id}) {
  const words = id.split(':')
  const {bin} = this.config
  let message = `command '${words.join(' ')}' not found; see '${bin} --help'.`
  const parent = words.slice(0, -1).join(':')
  if (words.length > 1 && this.config.findCommand(parent)?.flags.profile) {
    const shown = words.slice(0, -1).join(' ')
    message = `'${shown}' takes the profile with -p: ${bin} ${shown} -p ${words.at(-1)}`
  }
  // One line, as every command of this CLI says it; a hook that returns would make oclif report success.
  process.stderr.write(`Error: ${message}\n`)
  this.exit(ExitCode.Usage)
}

export default hook
