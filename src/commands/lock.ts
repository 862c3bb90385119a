import {BaseCommand} from '../cli/command-base.js'
import {lockSecretsFile} from '../cli/unlock.js'

export default class Lock extends BaseCommand {
  static override summary = "Forget the key that 'unlock' keeps for the encrypted-file store."

  static override description =
    'The unlock agent forgets the key and exits; the next command that needs a secret from the encrypted-file store asks for the passphrase again (or reads ENTRA_AUTH_CLI_PASSPHRASE). Locking when nothing is unlocked is not an error.'

  static override examples = [{command: '<%= config.bin %> lock', description: 'Forget the key now'}]

  async run(): Promise<void> {
    await this.parse(Lock)
    const {file, wasUnlocked} = await lockSecretsFile(this.home)
    process.stderr.write(
      wasUnlocked ? `✓ Locked: the key of ${file} is forgotten.\n` : `Nothing to lock: ${file} was not unlocked.\n`,
    )
  }
}
