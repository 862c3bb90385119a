import {Flags} from '@oclif/core'
import {TokenCommand} from '../cli/token-command.js'
import {parseDuration} from '../base/duration.js'
import {parseScopes} from '../profile/model.js'
import {createReporter} from '../cli/reporter.js'
import {tokenOutputFlags} from '../cli/token-flags.js'
import {emitToken, outputFormat} from '../token/output.js'

export default class Refresh extends TokenCommand {
  static override summary = "Redeem a profile's cached refresh token for a new access token."

  static override description = `Always asks the identity provider: a cached access token is never served, the refresh token is redeemed (and replaced by the new one it returns). Works for profiles whose users signed in with InteractiveBrowser, AuthorizationCode or DeviceCode. ClientCredentials has no refresh token: use 'get-token --force' there; when a user signed in on such a profile with 'get-token -f FLOW', refresh with the same -f FLOW.

Output is the same as get-token's: the token alone on stdout, or --json, or -o FILE.`

  static override examples = [
    {command: '<%= config.bin %> refresh -p me', description: 'New access token for the account that signed in last'},
    {
      command: '<%= config.bin %> refresh -p me --scope "api://my-api/Data.Read" --json',
      description: 'For another consented scope, as JSON',
    },
    {
      command: '<%= config.bin %> refresh -p me --account alice@contoso.com',
      description: 'For one of several signed-in accounts',
    },
  ]

  static override flags = {
    ...tokenOutputFlags,
    account: Flags.string({
      description:
        'Account (UPN) whose refresh token to redeem; default: the last used. Naming an account makes it the last used.',
    }),
    flow: Flags.string({
      char: 'f',
      description: "Flow the account signed in with, when not the profile's default.",
      helpValue: 'FLOW',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Refresh)
    const reporter = createReporter({silent: flags.silent})
    const service = this.tokenService(reporter)
    const {result} = await service.getToken({
      account: flags.account,
      flow: flags.flow,
      mode: 'refresh',
      profile: flags.profile,
      scopes: parseScopes(flags.scope),
      timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout'),
    })
    reporter.status('✓ Token refreshed successfully')
    await emitToken(result, {format: outputFormat(flags), output: flags.output}, reporter)
  }
}
