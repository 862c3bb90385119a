import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/command-base.js'
import {parseDuration} from '../base/duration.js'
import {formatSpan} from '../base/time.js'
import {unlockSecretsFile} from '../cli/unlock.js'

export default class Unlock extends BaseCommand {
  static override summary =
    'Keep the encrypted-file store unlocked for a while, so get-token does not derive its key every time.'

  static override description = `Asks for the secrets file's passphrase once (or reads ENTRA_AUTH_CLI_PASSPHRASE), checks it by opening the file, and leaves the derived key with a small agent process, in memory only, for --timeout (default 15 minutes). Until then, commands that would ask for the passphrase use the key instead; a passphrase set in ENTRA_AUTH_CLI_PASSPHRASE is always used as given. The agent answers on a Unix socket (0600, in a folder only you can open) and exits when the time is up, on 'lock', or at logout/reboot; the file on disk is unchanged.

Any process running as you can ask the agent for the key while it is unlocked: unlock for as long as you need, and lock when done.`

  static override examples = [
    {command: '<%= config.bin %> unlock', description: 'Unlock for 15 minutes'},
    {command: '<%= config.bin %> unlock --timeout 2h', description: 'Unlock for two hours'},
    {command: '<%= config.bin %> lock', description: 'Forget the key now'},
  ]

  static override flags = {
    timeout: Flags.string({
      description: 'How long the key is kept: seconds (900) or a duration such as 30m, 2h; at most 24h.',
      default: '15m',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Unlock)
    const timeoutMs = parseDuration(flags.timeout, '--timeout')
    const {file} = await unlockSecretsFile(timeoutMs, this.home)
    process.stderr.write(
      `✓ Unlocked ${file} for ${formatSpan(timeoutMs / 1000)}; '${this.config.bin} lock' forgets the key sooner.\n`,
    )
  }
}
