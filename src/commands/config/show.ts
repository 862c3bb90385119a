import {Flags} from '@oclif/core'
import {BaseCommand} from '../../command-base.js'
import {ProfileService} from '../../core/profile-service.js'
import {profileSummary} from '../../core/profile-view.js'

export default class ConfigShow extends BaseCommand {
  static override summary = 'Show a profile and where its secrets are stored (never the secrets).'
  static override examples = ['<%= config.bin %> config show -p myapp', '<%= config.bin %> config show -p myapp --json']
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
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
      return
    }
    const lines = Object.entries(summary).flatMap(([key, value]) => {
      if (key === 'secrets') return Object.entries(value as Record<string, string>).map(([k, v]) => `${k}: ${v}`)
      return [`${key}: ${Array.isArray(value) ? value.join(' ') : String(value)}`]
    })
    process.stdout.write(lines.join('\n') + '\n')
  }
}
