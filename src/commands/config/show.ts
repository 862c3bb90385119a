import {access} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/command-base.js'
import {paths} from '../../base/paths.js'
import {ProfileService} from '../../config/service.js'
import {profileSummary} from '../../cli/profile-view.js'
import {writeStdout} from '../../base/output-target.js'

export default class ConfigShow extends BaseCommand {
  static override summary = 'Show a profile and where its secrets are stored (never the secrets).'
  static override description =
    'Prints every setting of the profile as "key: value" lines, where its secrets live (and whether they are there), and whether tokens are cached for it. --json prints the profile as one JSON object.'
  static override examples = [
    {command: '<%= config.bin %> config show -p myapp', description: 'Settings, one per line'},
    {
      command: '<%= config.bin %> config show -p myapp --json | jq -r .authority',
      description: 'One setting, for scripts',
    },
  ]
  static override flags = {
    json: Flags.boolean({description: 'Print the profile as JSON.'}),
    profile: Flags.string({char: 'p', description: 'Profile name.', required: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigShow)
    const service = new ProfileService(this.home, this.hooks, (m) => process.stderr.write(`Warning: ${m}\n`))
    const profile = await service.profiles.get(flags.profile)
    const summary = profileSummary(profile, await service.secretStatus(profile))
    if (flags.json) {
      await writeStdout(JSON.stringify(summary, null, 2) + '\n', 'the profile')
      return
    }
    const lines = Object.entries(summary).flatMap(([key, value]) => {
      if (key === 'secrets') return Object.entries(value as Record<string, string>).map(([k, v]) => `${k}: ${v}`)
      return [
        `${key}: ${Array.isArray(value) ? value.join(' ') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
      ]
    })
    const cached = await access(paths.tokenCache(this.home, profile.name)).then(
      () => 'yes (encrypted)',
      () => 'none',
    )
    lines.push(`cachedTokens: ${cached}`)
    await writeStdout(lines.join('\n') + '\n', 'the profile')
  }
}
