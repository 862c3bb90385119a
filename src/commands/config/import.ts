import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {CliError} from '../../base/errors.js'
import {EXPORT_PASSPHRASE_ENV, openBundle, readBundleFile, type BundlePayload} from '../../profile/bundle.js'
import {ProfileService} from '../../config/service.js'
import {askImportPassphrase} from '../../cli/passphrase.js'
import {importProfiles} from '../../config/transfer.js'

export default class ConfigImport extends BaseCommand {
  static override summary = "Import profiles from a file made by 'config export'."

  static override description = `Asks for the bundle's passphrase (or reads ${EXPORT_PASSPHRASE_ENV}), checks every profile in it, and only then writes: profiles to profiles.json, secrets to this machine's secret store, certificates under ENTRA_AUTH_CLI_HOME/certificates (0600).

A wrong passphrase, a modified file, an unknown bundle version, an invalid profile, or a name that already exists (without --overwrite or --skip) stops the import with nothing changed.`

  static override examples = [
    {command: '<%= config.bin %> config import profiles.entra', description: 'Import; stop if a name is taken'},
    {
      command: '<%= config.bin %> config import team.entra --skip',
      description: 'Keep profiles that already exist here',
    },
    {
      command: `${EXPORT_PASSPHRASE_ENV}=... <%= config.bin %> config import backup.entra --overwrite`,
      description: 'Restore a backup over the current profiles, in a script',
    },
  ]

  static override args = {
    file: Args.string({description: "Bundle written by 'config export'.", required: true}),
  }

  static override flags = {
    overwrite: Flags.boolean({description: 'Replace profiles that have the same name.', exclusive: ['skip']}),
    skip: Flags.boolean({
      description: 'Keep profiles that have the same name; import the others.',
      exclusive: ['overwrite'],
    }),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ConfigImport)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    const {bundle, path} = await readBundleFile(args.file)
    let payload: BundlePayload | undefined
    for (let attempt = 1; !payload; attempt++) {
      const {canRetry, passphrase} = await askImportPassphrase(path)
      try {
        payload = await openBundle(bundle, passphrase, path)
      } catch (error) {
        if (!(error instanceof CliError && error.code === 'BUNDLE_DECRYPT' && canRetry && attempt < 3)) throw error
        process.stderr.write('Wrong passphrase (or the file was modified); try again.\n')
      }
    }
    const result = await importProfiles(
      service,
      payload,
      path,
      flags.overwrite ? 'overwrite' : flags.skip ? 'skip' : 'error',
    )
    for (const warning of result.warnings) process.stderr.write(`Warning: ${warning}\n`)
    const lines: string[] = []
    const list = (names: string[]) => names.join(', ')
    if (result.imported.length > 0) lines.push(`✓ Imported ${list(result.imported)}.`)
    if (result.overwritten.length > 0) lines.push(`✓ Replaced ${list(result.overwritten)}.`)
    if (result.skipped.length > 0) lines.push(`  Skipped ${list(result.skipped)} (already here).`)
    for (const {authority, name} of result.authorities) lines.push(`  ${name}: signs in at ${authority}`)
    if (result.imported.length + result.overwritten.length === 0) lines.push('Nothing was imported.')
    if (result.secretLocation) lines.push(`  Secrets stored in ${result.secretLocation}.`)
    for (const hint of result.hints) lines.push(`  To do: ${hint}`)
    const first = result.imported[0] ?? result.overwritten[0]
    if (first) lines.push(`  Next: ${this.config.bin} get-token -p ${first}`)
    process.stderr.write(lines.join('\n') + '\n')
  }
}
