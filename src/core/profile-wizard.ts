import {AUTH_METHODS, DEFAULT_SCOPE, validate} from './profile.js'
import type {ProfileInput} from './profile-service.js'

/**
 * The questions `config create` asks on a terminal for whatever the flags left out. Each answer is validated where
 * it is typed (re-prompt, never crash); Ctrl-C throws ExitPromptError before anything is written.
 */
export async function askForProfile(known: Partial<ProfileInput>, flows: string[]): Promise<ProfileInput> {
  const {input, password, select} = await import('@inquirer/prompts')
  const ctx = {output: process.stderr}
  const asValidator = (check: (v: string) => string | undefined) => (value: string) => check(value.trim()) ?? true

  const name = known.name ?? (await input({message: 'Profile name', validate: asValidator(validate.name)}, ctx)).trim()
  const clientId = known.clientId ?? (await input({message: 'Application (client) ID', validate: asValidator(validate.clientId)}, ctx)).trim()
  const tenantId = known.tenantId ?? (await input({message: 'Directory (tenant) ID or domain', validate: asValidator(validate.tenantId)}, ctx)).trim()
  const authMethod =
    known.authMethod ??
    (await select(
      {
        choices: AUTH_METHODS.map((value) => ({
          description: {Certificate: 'A certificate (.pfx/.p12 or .pem) uploaded to the app registration', ClientSecret: 'A client secret from the app registration', None: 'No credential: sign in as a user (public client)'}[value],
          name: {Certificate: 'Certificate', ClientSecret: 'Client Secret', None: 'None (user sign-in)'}[value],
          value,
        })),
        message: 'Authentication method',
      },
      ctx,
    ))
  const answers: ProfileInput = {...known, authMethod, clientId, name, tenantId}
  if (authMethod === 'ClientSecret' && !known.clientSecret) {
    answers.clientSecret = await password({mask: '*', message: 'Client secret (input hidden)', validate: (v) => (v ? true : 'Enter the secret value')}, ctx)
  }
  if (authMethod === 'Certificate' && !known.certificatePath) {
    answers.certificatePath = (await input({message: 'Certificate file (.pfx, .p12 or .pem)', validate: (v) => (v.trim() ? true : 'Enter a path')}, ctx)).trim()
    if (!known.certificatePassword) {
      const certPassword = await password({mask: '*', message: 'Certificate password (empty if none)'}, ctx)
      if (certPassword) answers.certificatePassword = certPassword
    }
  }
  if (!known.scopes?.length) {
    const scope = (await input({default: DEFAULT_SCOPE, message: 'Scope(s), space-separated'}, ctx)).trim()
    answers.scopes = scope.split(/[\s,]+/).filter(Boolean)
  }
  if (!known.flow) {
    const preferred = authMethod === 'None' ? 'InteractiveBrowser' : 'ClientCredentials'
    answers.flow = await select({choices: flows.map((value) => ({value})), default: flows.includes(preferred) ? preferred : flows[0], message: 'Default flow'}, ctx)
  }
  return answers
}
