/**
 * Tokens and secrets may only ever be shown as a short prefix, enough to recognise which one it was
 * (`eyJ0eX…`), never enough to use it.
 */
export function redact(value: string | undefined, keep = 6): string {
  if (!value) return ''
  return value.length <= keep ? '…' : `${value.slice(0, keep)}…`
}

const JWT_LIKE = /eyJ[\w-]{4,}\.[\w-]{4,}\.?[\w-]*/g

/** Scrubs anything that looks like a JWT out of free text (error descriptions from libraries, for example). */
export function scrubTokens(text: string): string {
  return text.replace(JWT_LIKE, (m) => redact(m))
}

/**
 * Variables holding the CLI's secrets (or the pipeline's, which it may use). A process the CLI starts that may live
 * on after the run (a browser, a clipboard owner such as xclip) and hands its environment to whatever it starts
 * gets the environment without these.
 */
export const SECRET_ENV_VARS = [
  'ENTRA_AUTH_CLI_PASSPHRASE',
  'ENTRA_AUTH_CLI_EXPORT_PASSPHRASE',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_PASSWORD',
] as const

export function withoutSecretEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean = {...env}
  for (const name of SECRET_ENV_VARS) delete clean[name]
  return clean
}
