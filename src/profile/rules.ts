/**
 * The profile rules, in one place: apply changes to a profile (or to nothing, for a new one) and say what is wrong.
 * `config create` applies its flags and answers to no profile, `config edit` its flags or menu choices to the stored
 * one (the menu also previews with it), `config import` checks each record as if it were created from its fields.
 *
 * Pure and synchronous: the caller says which flows are installed and which of them are app-only, and opens the
 * certificate the outcome names (that needs the file and maybe a stored password). Problems are listed in the
 * order the fields are checked; callers refuse on the first one, so nothing is written for bad input.
 */

import {resolve} from 'node:path'
import {UsageError} from '../base/errors.js'
import {canonicalName} from '../extensions/registry.js'
import {nameClash} from './store.js'
import {AUTH_METHODS, CLOUDS, DEFAULT_FLOW, normalizeAuthority, validate, type AuthMethod, type Cloud, type Profile} from './model.js'

/** What may change; anything left undefined stays as it is (or, for a new profile, takes its default). */
export interface ProfileChanges {
  /** The profile's name (a rename, when editing). */
  newName?: string
  tenantId?: string
  clientId?: string
  /** Authority host or full authority URL; replaces `cloud`. */
  authority?: string
  /** A national cloud; replaces a custom authority. */
  cloud?: string
  /** An empty list goes back to the default scope. */
  scopes?: string[]
  flow?: string
  redirectUri?: string
  authMethod?: string
  clientSecret?: string
  certificatePath?: string
  /** '' removes the stored certificate password. */
  certificatePassword?: string
}

/**
 * What the rules need to know besides the profile; the caller supplies it from the flow registrations and the
 * profile store. Requirements a flow declares about a profile belong here too.
 */
export interface RuleContext {
  /** The installed flows, in their own spelling (`DeviceCode`). */
  flows: readonly string[]
  /** True for a flow that gets tokens for the app itself, so the profile needs a client credential. */
  isAppOnly(flow: string): boolean
  /** The names of the stored profiles: when given, a new name may not clash with another one. */
  existingNames?: readonly string[]
}

export type SecretKind = 'client-secret' | 'certificate-password'
export const SECRET_KINDS: readonly SecretKind[] = ['client-secret', 'certificate-password']
export type SecretAction = {kind: 'keep'} | {kind: 'set'; value: string} | {kind: 'remove'}

export interface RuleProblem {
  /** The change the problem is about. */
  field: keyof ProfileChanges
  /** One line saying what is wrong and how to fix it. */
  message: string
}

export interface RuleOutcome {
  /** The profile with every valid change applied (a best effort when there are problems). */
  profile: Profile
  /** What happens to each secret of the profile. */
  secrets: Record<SecretKind, SecretAction>
  /**
   * A certificate file that must open before the profile is saved. `password` is the one given ('' for none); when
   * undefined, the caller tries the profile's stored password first (the rule of `config edit`).
   */
  certificate?: {path: string; password?: string}
  problems: RuleProblem[]
}

/** Throws the first problem as a UsageError (exit 2): what callers do before writing anything. */
export function refuseProblems(outcome: RuleOutcome): void {
  const [problem] = outcome.problems
  if (problem) throw new UsageError(problem.message)
}

/** The installed flows that sign a user in (what a profile without a credential can use). */
export function userFlows(context: RuleContext): string[] {
  return context.flows.filter((f) => !context.isAppOnly(f))
}

/** The installed flow's own spelling for what the user typed (`device-code` → `DeviceCode`), or undefined. */
export function matchFlow(context: RuleContext, name: string): string | undefined {
  return context.flows.find((f) => canonicalName(f) === canonicalName(name))
}

export function matchAuthMethod(name: string): AuthMethod | undefined {
  return AUTH_METHODS.find((m) => m.toLowerCase() === name.toLowerCase())
}

/** The default flow of a new profile that names none. */
export const DEFAULT_USER_FLOW = 'InteractiveBrowser'

/** One step of the rules: reads the changes, updates the outcome, reports problems. */
type Step = (state: RuleState) => void

interface RuleState {
  base: Profile | undefined
  changes: ProfileChanges
  context: RuleContext
  outcome: RuleOutcome
  next: Profile
  /** Records a problem when `message` is set; returns true when there was none. */
  ok(field: keyof ProfileChanges, message: string | undefined): boolean
}

/**
 * Applies `changes` to `base` (undefined for a new profile, whose name, tenant and client id are then required)
 * and says what is wrong with the result.
 */
export function applyProfileChanges(base: Profile | undefined, changes: ProfileChanges, context: RuleContext): RuleOutcome {
  const next: Profile = base ? structuredClone(base) : {authMethod: 'ClientSecret', clientId: '', name: '', tenantId: ''}
  const outcome: RuleOutcome = {
    problems: [],
    profile: next,
    secrets: {'certificate-password': {kind: 'keep'}, 'client-secret': {kind: 'keep'}},
  }
  const state: RuleState = {
    base,
    changes,
    context,
    next,
    ok(field, message) {
      if (message) outcome.problems.push({field, message})
      return !message
    },
    outcome,
  }
  for (const step of STEPS) step(state)
  return outcome
}

/** A field a new profile must have: '' (and so a problem) when it is missing. */
const required = (state: RuleState, value: string | undefined) => value ?? (state.base ? undefined : '')

const name: Step = (s) => {
  const value = required(s, s.changes.newName)
  if (value === undefined || value === s.base?.name) return
  if (!s.ok('newName', validate.name(value))) return
  const clash = s.context.existingNames && nameClash(value, s.context.existingNames, s.base?.name)
  if (s.ok('newName', clash ? `${clash}; pick another name or delete that profile first.` : undefined)) s.next.name = value
}

const tenant: Step = (s) => {
  const value = required(s, s.changes.tenantId)
  if (value !== undefined && s.ok('tenantId', validate.tenantId(value))) s.next.tenantId = value
}

const clientId: Step = (s) => {
  const value = required(s, s.changes.clientId)
  if (value !== undefined && s.ok('clientId', validate.clientId(value))) s.next.clientId = value.toLowerCase()
}

const authority: Step = (s) => {
  const {authority, cloud} = s.changes
  if (authority !== undefined && cloud !== undefined) {
    s.ok('authority', 'Give either --authority or --cloud, not both.')
  } else if (authority !== undefined) {
    const {error, host} = normalizeAuthority(authority, s.next.tenantId)
    if (!s.ok('authority', error)) return
    s.next.authority = host
    delete s.next.cloud
  } else if (cloud !== undefined) {
    if (!s.ok('cloud', cloud in CLOUDS ? undefined : `Unknown cloud '${cloud}': use ${Object.keys(CLOUDS).join(', ')}, or --authority URL.`)) return
    s.next.cloud = cloud as Cloud
    delete s.next.authority
  }
}

const scopes: Step = (s) => {
  const {scopes} = s.changes
  if (scopes === undefined) return
  if (!scopes.every((scope) => s.ok('scopes', validate.scope(scope)))) return
  if (scopes.length > 0) s.next.scopes = scopes
  else delete s.next.scopes
}

const redirectUri: Step = (s) => {
  const {redirectUri} = s.changes
  if (redirectUri !== undefined && s.ok('redirectUri', validate.redirectUri(redirectUri))) s.next.redirectUri = redirectUri
}

const flow: Step = (s) => {
  if (s.changes.flow === undefined) return
  const matched = matchFlow(s.context, s.changes.flow)
  if (s.ok('flow', matched ? undefined : `Unknown flow '${s.changes.flow}'. Installed flows: ${s.context.flows.join(', ')}.`)) s.next.defaultFlow = matched
}

/** Which credential the profile ends up with, and what happens to its secrets and certificate. */
const credential: Step = (s) => {
  const {changes, base, next} = s
  const given = changes.authMethod === undefined ? undefined : matchAuthMethod(changes.authMethod)
  if (changes.authMethod !== undefined && !given) {
    s.ok('authMethod', `Unknown auth method '${changes.authMethod}': use ${AUTH_METHODS.join(', ')}.`)
    return
  }
  if (changes.clientSecret !== undefined && changes.certificatePath !== undefined) {
    s.ok('clientSecret', 'Give a client secret or a certificate, not both.')
    return
  }
  if (!s.ok('clientSecret', changes.clientSecret === '' ? 'The client secret is empty.' : undefined)) return
  const method: AuthMethod = given ?? (changes.clientSecret !== undefined ? 'ClientSecret' : changes.certificatePath !== undefined ? 'Certificate' : (base?.authMethod ?? newProfileMethod(s)))
  if (method === 'ClientSecret') clientSecretCredential(s)
  else if (method === 'Certificate') certificateCredential(s)
  else noCredential(s)
  next.authMethod = method
  if (!base && next.defaultFlow === undefined) next.defaultFlow = method === 'None' ? DEFAULT_USER_FLOW : DEFAULT_FLOW
}

/** A new profile without an auth method: a credential if one is given or the flow is app-only, else none. */
function newProfileMethod(s: RuleState): AuthMethod {
  const flow = s.next.defaultFlow
  return flow === undefined || s.context.isAppOnly(flow) ? 'ClientSecret' : 'None'
}

function clientSecretCredential(s: RuleState): void {
  const {changes, base, next, outcome} = s
  if (changes.certificatePath !== undefined || changes.certificatePassword !== undefined) {
    s.ok('certificatePath', '--certificate and --certificate-password-stdin go with auth method Certificate, not ClientSecret.')
    return
  }
  if (changes.clientSecret !== undefined) outcome.secrets['client-secret'] = {kind: 'set', value: changes.clientSecret}
  else if (base && base.authMethod !== 'ClientSecret') {
    s.ok('clientSecret', `Switching '${base.name}' to a client secret needs the secret: add --client-secret-stdin and pipe it in.`)
    return
  }
  if (base?.authMethod === 'Certificate') outcome.secrets['certificate-password'] = {kind: 'remove'}
  delete next.certificatePath
  delete next.useCertificate
}

function certificateCredential(s: RuleState): void {
  const {changes, base, next, outcome} = s
  if (changes.clientSecret !== undefined) {
    s.ok('clientSecret', 'Auth method Certificate takes no client secret; give --certificate PATH instead.')
    return
  }
  const wasCertificate = base?.authMethod === 'Certificate' && typeof base.certificatePath === 'string'
  if (changes.certificatePath === undefined && !wasCertificate) {
    s.ok(
      'certificatePath',
      base
        ? `Switching '${base.name}' to a certificate needs --certificate PATH (.pfx, .p12 or .pem with its key).`
        : 'Auth method Certificate needs --certificate PATH (.pfx, .p12 or .pem with its key).',
    )
    return
  }
  const path = changes.certificatePath ?? String(base!.certificatePath)
  if (changes.certificatePath !== undefined || changes.certificatePassword !== undefined) {
    next.certificatePath = resolve(path)
    outcome.certificate = {password: changes.certificatePassword, path}
    if (changes.certificatePassword !== undefined) {
      outcome.secrets['certificate-password'] = changes.certificatePassword ? {kind: 'set', value: changes.certificatePassword} : {kind: 'remove'}
    }
  }
  next.useCertificate = true
  if (base?.authMethod === 'ClientSecret') outcome.secrets['client-secret'] = {kind: 'remove'}
}

function noCredential(s: RuleState): void {
  const {changes, next, outcome} = s
  if (changes.clientSecret !== undefined || changes.certificatePath !== undefined || changes.certificatePassword !== undefined) {
    s.ok('authMethod', 'Auth method None takes no client secret or certificate.')
    return
  }
  outcome.secrets['client-secret'] = {kind: 'remove'}
  outcome.secrets['certificate-password'] = {kind: 'remove'}
  delete next.certificatePath
  delete next.useCertificate
}

/** An app-only flow gets tokens with the app's credential, so a profile without one must use a sign-in flow. */
const flowHasCredential: Step = (s) => {
  const flow = s.next.defaultFlow ?? DEFAULT_FLOW
  if (s.next.authMethod !== 'None' || !s.context.isAppOnly(flow) || s.outcome.problems.length > 0) return
  const flows = userFlows(s.context)
  s.ok(
    'authMethod',
    `${flow} needs a credential, so auth method None needs a sign-in flow too: add --flow ${flows[0] ?? 'DeviceCode'}${flows.length ? ` (installed: ${flows.join(', ')})` : ''}.`,
  )
}

const STEPS: readonly Step[] = [name, tenant, clientId, authority, scopes, redirectUri, flow, credential, flowHasCredential]
