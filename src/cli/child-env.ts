import {UsageError} from '../base/errors.js'

/**
 * The secrets this CLI itself reads from its environment. A command started by `exec` does not inherit them: it asked
 * for a token, not for the passphrase that opens every stored secret or the client secret that mints new tokens.
 * `--keep-env NAME` passes one on when the child really needs it (say, a script that calls entra-auth-cli again).
 */
export const CLI_SECRET_VARIABLES = [
  'ENTRA_AUTH_CLI_PASSPHRASE',
  'ENTRA_AUTH_CLI_EXPORT_PASSPHRASE',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
] as const

export const DEFAULT_TOKEN_VARIABLE = 'ACCESS_TOKEN'

/** A name every shell can export and every program can read back: letters, digits and '_', not starting with a digit. */
export function checkVariableName(name: string, flag: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(
      `Invalid ${flag} '${name}': use letters, digits and '_', not starting with a digit (e.g. ${DEFAULT_TOKEN_VARIABLE}).`,
    )
  }
  return name
}

/** The child's environment: ours, minus the CLI's secrets (unless kept), plus the token under `name`. */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  options: {name: string; token: string; keep?: readonly string[]},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...parent}
  const keep = new Set(options.keep ?? [])
  for (const variable of CLI_SECRET_VARIABLES) if (!keep.has(variable)) delete env[variable]
  env[options.name] = options.token
  return env
}
