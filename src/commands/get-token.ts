import {Flags} from '@oclif/core'
import {TokenCommand} from '../cli/token-command.js'
import {canOpenTerminal, chooseClipboard, copyToClipboard} from '../cli/clipboard.js'
import {parseDuration} from '../base/duration.js'
import {parseScopes} from '../profile/model.js'
import {createReporter} from '../cli/reporter.js'
import {tokenOutputFlags} from '../cli/token-flags.js'
import {emitToken, outputFormat, messages} from '../token/output.js'

export default class GetToken extends TokenCommand {
  static override summary = 'Get an access token for a profile.'

  static override description = `Serves a cached token when it is valid for at least 5 more minutes, otherwise runs the profile's flow (or -f FLOW) against Microsoft Entra ID and caches the result, encrypted.

The token alone goes to stdout; every status line goes to stderr, so TOKEN=$(<%= config.bin %> get-token -p NAME) works with or without --silent.`

  static override examples = [
    {command: '<%= config.bin %> get-token -p myapp', description: 'Print a token for profile myapp'},
    {command: 'TOKEN=$(<%= config.bin %> get-token -p myapp --silent)', description: 'Capture the token in a script'},
    {
      command: '<%= config.bin %> get-token -p myapp --scope "api://my-api/.default"',
      description: 'Token for another API',
    },
    {
      command: '<%= config.bin %> get-token -p myapp --json',
      description: 'JSON with accessToken, expiresOn, tokenType, scopes',
    },
    {command: '<%= config.bin %> get-token -p myapp -o token.txt', description: 'Save the token to a file (mode 0600)'},
    {
      command: '<%= config.bin %> get-token -p myapp --clipboard',
      description: 'Copy the token to the clipboard (OSC 52 over SSH)',
    },
    {
      command: '<%= config.bin %> get-token -p me -f DeviceCode',
      description: 'Sign in with a device code on a headless machine',
    },
  ]

  static override flags = {
    ...tokenOutputFlags,
    account: Flags.string({
      description:
        'Account (UPN) to use when the profile has signed in several; default: the last used. A sign-in as anyone else fails. Every get-token or refresh that names an account (--account, --login-hint) and succeeds, from the cache or not, makes it the last used.',
    }),
    flow: Flags.string({
      char: 'f',
      description:
        "Flow to use instead of the profile's: ClientCredentials, WorkloadIdentity, AuthorizationCode, DeviceCode, InteractiveBrowser, or one a plugin adds ('<%= config.bin %> flows' lists what is installed).",
      helpValue: 'FLOW',
    }),
    clipboard: Flags.boolean({
      description:
        "Copy the token to the clipboard instead of printing it: wl-copy, xclip or xsel on Linux (clip.exe on WSL), pbcopy on macOS, clip.exe on Windows, or over SSH your terminal's clipboard (OSC 52). The token goes to the tool's stdin, never its arguments.",
      exclusive: ['output', 'json', 'output-format'],
    }),
    force: Flags.boolean({description: 'Skip the cache and get a new token from the identity provider.'}),
    'login-hint': Flags.string({
      description:
        'Pre-fill this account (UPN) on the sign-in page; a cached token of this account is used if there is one (but anyone may sign in, unlike --account).',
    }),
    'no-browser': Flags.boolean({description: 'Do not open a browser; print the sign-in URL instead.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GetToken)
    const reporter = createReporter({silent: flags.silent})
    const service = this.tokenService(reporter)
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout')
    // Where the token will go is settled first: no clipboard is reported before anyone signs in.
    const clipboard = flags.clipboard
      ? chooseClipboard({env: process.env, hasTerminal: canOpenTerminal(), platform: process.platform})
      : undefined
    const {fromCache, result} = await service.getToken({
      account: flags.account,
      flow: flags.flow,
      force: flags.force,
      loginHint: flags['login-hint'],
      noBrowser: flags['no-browser'],
      profile: flags.profile,
      scopes: parseScopes(flags.scope),
      timeoutMs,
    })
    reporter.status(fromCache ? messages.cached : messages.acquired)
    if (clipboard) {
      reporter.status(`✓ Token copied to ${await copyToClipboard(result.accessToken, clipboard)}`)
      return
    }
    await emitToken(result, {format: outputFormat(flags), output: flags.output}, reporter)
  }
}
