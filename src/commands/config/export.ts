import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {EXPORT_PASSPHRASE_ENV, sealBundle, writePrivateFile} from '../../profile/bundle.js'
import {ProfileService} from '../../config/service.js'
import {askExportPassphrase} from '../../cli/passphrase.js'
import {collectExport} from '../../config/transfer.js'

export default class ConfigExport extends BaseCommand {
  static override summary = 'Export profiles to an encrypted file, to move them to another machine.'

  static override description = `Writes a versioned JSON bundle encrypted with AES-256-GCM under a key derived from a passphrase (scrypt). The passphrase is asked twice on the terminal, or read from ${EXPORT_PASSPHRASE_ENV} in scripts. The file is created with mode 0600.

Secrets (client secrets, certificate passwords and the certificate files themselves) are included only with --include-secrets; without it the other machine adds them with 'config edit'. Cached tokens are never exported.`

  static override examples = [
    {command: '<%= config.bin %> config export -o profiles.entra', description: 'All profiles, without secrets'},
    {
      command: '<%= config.bin %> config export -p myapp -p gov -o team.entra --include-secrets',
      description: 'Two profiles with their secrets',
    },
    {
      command: `${EXPORT_PASSPHRASE_ENV}=... <%= config.bin %> config export -o backup.entra --include-secrets --force`,
      description: 'In a script, replacing an older file',
    },
  ]

  static override flags = {
    force: Flags.boolean({description: 'Replace FILE if it exists.'}),
    'include-secrets': Flags.boolean({
      description:
        "Also export client secrets, certificate passwords, certificate files and the flow's secret options.",
    }),
    output: Flags.string({char: 'o', description: 'File to write (mode 0600).', helpValue: 'FILE', required: true}),
    profile: Flags.string({
      char: 'p',
      description: 'Profile to export; repeatable. Default: all profiles.',
      multiple: true,
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigExport)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    const includeSecrets = Boolean(flags['include-secrets'])
    const {payload, warnings} = await collectExport(service, {
      exportedBy: `${this.config.name} ${this.config.version}`,
      includeSecrets,
      names: flags.profile,
    })
    for (const warning of warnings) process.stderr.write(`Warning: ${warning}\n`)
    const passphrase = await askExportPassphrase()
    const path = await writePrivateFile(flags.output, await sealBundle(payload, passphrase), Boolean(flags.force))
    const names = payload.profiles.map((e) => e.profile.name)
    process.stderr.write(
      `✓ Exported ${names.length} profile${names.length === 1 ? '' : 's'} (${names.join(', ')}) to ${path}${includeSecrets ? ', secrets included' : ', without secrets'}.\n`,
    )
    if (includeSecrets)
      process.stderr.write('  The file holds secrets: send the passphrase by another channel than the file.\n')
    process.stderr.write(`  Next, on the other machine: ${this.config.bin} config import ${path}\n`)
  }
}
