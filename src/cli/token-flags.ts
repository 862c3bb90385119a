import {Flags} from '@oclif/core'
import {OUTPUT_FORMATS} from '../token/output.js'

/** -p: every command that gets a token names its profile the same way. */
export const profileFlag = Flags.string({
  char: 'p',
  description: 'Profile to use (see: <%= config.bin %> config list).',
  required: true,
})

/** -s: the scopes to ask for, as get-token, refresh, env and exec take them. */
export const scopeFlag = Flags.string({
  char: 's',
  description:
    "Scope(s) to request, space- or comma-separated; repeatable. Default: the profile's scopes, else https://graph.microsoft.com/.default.",
  multiple: true,
})

/** Output flags shared by get-token and refresh: the token alone on stdout unless told otherwise. */
export const tokenOutputFlags = {
  json: Flags.boolean({
    description: 'Print {accessToken, expiresOn, tokenType, scopes} as JSON instead of the bare token.',
  }),
  'output-format': Flags.string({
    description:
      'token (default): the bare token; json: the same as --json; exec-credential: a client.authentication.k8s.io ExecCredential for kubectl (see: kubeconfig --help).',
    exclusive: ['json'],
    helpValue: 'FORMAT',
    options: [...OUTPUT_FORMATS],
  }),
  output: Flags.string({
    char: 'o',
    description: 'Write the token to this file (mode 0600, atomically) instead of stdout.',
    helpValue: 'FILE',
  }),
  profile: profileFlag,
  scope: scopeFlag,
  silent: Flags.boolean({
    description: 'Print nothing but the token (errors and what you must act on still go to stderr).',
  }),
  timeout: Flags.string({
    description:
      'Give up after this long: seconds or a duration such as 90s, 5m. Default 120 s; DeviceCode waits up to 15 min, as long as its code lives.',
    helpValue: 'DURATION',
  }),
}
