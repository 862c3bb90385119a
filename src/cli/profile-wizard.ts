import {CLOUD_CHOICES, CUSTOM_AUTHORITY, readableFile, scopeList} from './prompt-checks.js'
import {
  DEFAULT_FLOW,
  DEFAULT_REDIRECT_URI,
  DEFAULT_SCOPE,
  normalizeAuthority,
  parseScopes,
  validate,
  type AuthMethod,
} from '../profile/model.js'
import type {ProfileInput} from '../config/service.js'
import {nameClash} from '../profile/store.js'
import {canonicalName} from '../extensions/registry.js'
import {needsOf, userFlows, type RuleContext} from '../profile/rules.js'
import type {FieldUse} from '../contract/index.js'

/** What the wizard needs besides the flags already given; the command supplies it from ProfileService. */
export interface WizardContext {
  /** The installed flows and which are app-only (a profile without a credential needs a sign-in flow). */
  rules: RuleContext
  existingNames: string[]
  /** Resolves when the certificate opens with the password; rejects with the reason otherwise. */
  checkCertificate(path: string, password: string | undefined): Promise<unknown>
  /** Every id came as a flag: ask only for the credential (method, secret, certificate), nothing else. */
  credentialOnly?: boolean
}

/**
 * The questions `config create` asks on a terminal for whatever the flags left out. Each answer is validated where
 * it is typed (re-prompt, never crash), every question has the usual answer as its default, and nothing is written
 * until the last answer is in: Ctrl-C throws ExitPromptError with nothing on disk or in the secret store.
 */
export async function askForProfile(known: Partial<ProfileInput>, ctx: WizardContext): Promise<ProfileInput> {
  const {input, password, select} = await import('@inquirer/prompts')
  const io = {output: process.stderr}
  const asValidator = (check: (v: string) => string | undefined) => (value: string) => check(value.trim()) ?? true
  const signInFlows = userFlows(ctx.rules)

  const name =
    known.name ??
    (
      await input(
        {
          default: ctx.existingNames.includes('default') ? undefined : 'default',
          message: 'Profile name',
          validate: (v) => {
            const clash = nameClash(v.trim(), ctx.existingNames)
            return clash ? `${clash}; pick another name` : (validate.name(v.trim()) ?? true)
          },
        },
        io,
      )
    ).trim()
  // A flow given as a flag says which standard fields it uses: no question about one it does without.
  const needs = needsOf(ctx.rules, known.flow)
  const askId = async (use: FieldUse, message: string, check: (v: string) => string | undefined) => {
    if (use === 'unused') return undefined
    const optional = use === 'optional'
    const answer = await input(
      {
        message: optional ? `${message} (optional)` : message,
        validate: (v) => (optional && !v.trim()) || (check(v.trim()) ?? true),
      },
      io,
    )
    return answer.trim() || undefined
  }
  const tenantId = known.tenantId ?? (await askId(needs.tenant, 'Directory (tenant) ID or domain', validate.tenantId))
  const clientId = known.clientId ?? (await askId(needs.clientId, 'Application (client) ID', validate.clientId))

  const answers: ProfileInput = {...known, clientId, name, tenantId}
  if (!ctx.credentialOnly && !known.authority && !known.cloud && needs.tenant !== 'unused') {
    const cloud = await select(
      {
        choices: CLOUD_CHOICES,
        default: 'AzurePublic',
        message: 'Cloud',
      },
      io,
    )
    if (cloud === CUSTOM_AUTHORITY) {
      answers.authority = (
        await input(
          {
            message: 'Authority URL (https://host or https://host/<tenant>)',
            validate: (v) => normalizeAuthority(v.trim(), tenantId ?? '').error ?? true,
          },
          io,
        )
      ).trim()
    } else if (cloud !== 'AzurePublic') {
      answers.cloud = cloud
    }
  }

  const authMethod: string =
    known.authMethod ??
    (known.certificatePath ? 'Certificate' : known.clientSecret ? 'ClientSecret' : undefined) ??
    (needs.credential === 'unused' ? 'None' : undefined) ??
    (await select<AuthMethod>(
      {
        choices: [
          {description: 'A client secret from the app registration', name: 'Client secret', value: 'ClientSecret'},
          {
            description: 'A certificate (.pfx/.p12, or .pem with its key) uploaded to the app registration',
            name: 'Certificate',
            value: 'Certificate',
          },
          {
            description: 'No credential: a person signs in (public client)',
            disabled: signInFlows.length === 0 ? '(no sign-in flow installed)' : false,
            name: 'None (user sign-in)',
            value: 'None',
          },
        ],
        default: 'ClientSecret',
        message: 'How does the app authenticate?',
      },
      io,
    ))
  answers.authMethod = authMethod

  if (authMethod === 'ClientSecret' && !known.clientSecret) {
    answers.clientSecret = await password(
      {mask: '*', message: 'Client secret', validate: (v) => (v ? true : 'Enter the secret value (Ctrl-C to cancel)')},
      io,
    )
  }
  if (authMethod === 'Certificate') {
    const path =
      known.certificatePath ??
      (
        await input(
          {
            message: 'Certificate file (.pfx, .p12 or .pem with its key)',
            validate: readableFile,
          },
          io,
        )
      ).trim()
    answers.certificatePath = path
    if (known.certificatePassword === undefined) {
      const opens = async (pw: string | undefined) => {
        try {
          await ctx.checkCertificate(path, pw)
          return true
        } catch {
          return false
        }
      }
      // Ask for a password only when the file needs one.
      if (!(await opens(undefined))) {
        answers.certificatePassword = await password(
          {
            mask: '*',
            message: 'Certificate password',
            validate: async (v) =>
              (await opens(v)) ? true : 'That password does not open the certificate; try again (Ctrl-C to cancel)',
          },
          io,
        )
      }
    }
  }

  if (!ctx.credentialOnly && !known.flow) {
    const flows = authMethod === 'None' ? signInFlows : ctx.rules.flows
    const preferred = authMethod === 'None' ? 'InteractiveBrowser' : DEFAULT_FLOW
    answers.flow =
      flows.length === 1
        ? flows[0]
        : await select(
            {
              choices: flows.map((value) => ({value})),
              default: flows.includes(preferred) ? preferred : flows[0],
              message: 'Default flow',
              pageSize: 10,
            },
            io,
          )
  }

  // The flow's own settings: every declared option the flags left out (secret ones masked, optional ones may stay empty).
  const options = {...known.options}
  for (const option of needsOf(ctx.rules, answers.flow ?? known.flow).options) {
    if (options[option.name] !== undefined) continue
    const message = `${option.description} (${option.name}${option.required ? '' : ', optional'})`
    const validateOption = (v: string) => (v || !option.required ? true : 'This option is required (Ctrl-C to cancel)')
    const value = option.secret
      ? await password({mask: '*', message, validate: validateOption}, io)
      : (await input({message, validate: (v) => validateOption(v.trim())}, io)).trim()
    if (value) options[option.name] = value
  }
  if (Object.keys(options).length > 0) answers.options = options

  if (!ctx.credentialOnly && !known.scopes?.length) {
    const scope = await input(
      {
        default: DEFAULT_SCOPE,
        message: 'Scope(s), space-separated',
        validate: scopeList,
      },
      io,
    )
    answers.scopes = parseScopes(scope)
  }

  if (
    !ctx.credentialOnly &&
    !known.redirectUri &&
    answers.flow &&
    canonicalName(answers.flow) === 'authorizationcode'
  ) {
    answers.redirectUri = (
      await input(
        {default: DEFAULT_REDIRECT_URI, message: 'Redirect URI', validate: asValidator(validate.redirectUri)},
        io,
      )
    ).trim()
  }
  return answers
}
