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
import {
  AUTH_METHODS,
  CLOUDS,
  DEFAULT_FLOW,
  normalizeAuthority,
  validate,
  type AuthMethod,
  type Cloud,
  type Profile,
} from './model.js'
import type {FieldUse, FlowRegistration, ProfileOption} from '../contract/index.js'

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
  /** Values of options the flow declares (FlowRegistration.options), secret ones included; '' removes one. */
  options?: Record<string, string>
}

/** What a flow declares about the profiles that use it. */
export interface FlowNeeds {
  tenant: FieldUse
  clientId: FieldUse
  credential: FieldUse
  options: readonly ProfileOption[]
}

/** A flow's declared needs, with the contract's defaults: tenant and client id required, a credential optional. */
export function flowNeeds(registration: Pick<FlowRegistration, 'profileFields' | 'options'>): FlowNeeds {
  const fields = registration.profileFields ?? {}
  return {
    clientId: fields.clientId ?? 'required',
    credential: fields.credential ?? 'optional',
    options: registration.options ?? [],
    tenant: fields.tenant ?? 'required',
  }
}

/** What a flow nobody knows is taken to need: everything a standard profile has. */
const STANDARD_NEEDS: FlowNeeds = flowNeeds({})

/**
 * What the rules need to know besides the profile; the caller supplies it from the flow registrations and the
 * profile store. Requirements a flow declares about a profile belong here too.
 */
export interface RuleContext {
  /** The installed flows, in their own spelling (`DeviceCode`). */
  flows: readonly string[]
  /** What the flow declares about profiles (fields it uses, options); undefined for a flow that is not installed. */
  needs(flow: string): FlowNeeds | undefined
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
  /** What happens to each secret option of the flow (stored under `profile:<name>:option:<option>`). */
  optionSecrets: Record<string, SecretAction>
}

/** Throws the first problem as a UsageError (exit 2): what callers do before writing anything. */
export function refuseProblems(outcome: RuleOutcome): void {
  const [problem] = outcome.problems
  if (problem) throw new UsageError(problem.message)
}

/** The installed flows a profile without a credential can use (those that do not require one). */
export function userFlows(context: RuleContext): string[] {
  return context.flows.filter((f) => needsOf(context, f).credential !== 'required')
}

/** The needs of an installed flow; a flow that is not installed is taken to need a standard profile. */
export function needsOf(context: RuleContext, flow: string | undefined): FlowNeeds {
  return (flow === undefined ? undefined : context.needs(matchFlow(context, flow) ?? flow)) ?? STANDARD_NEEDS
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
export function applyProfileChanges(
  base: Profile | undefined,
  changes: ProfileChanges,
  context: RuleContext,
): RuleOutcome {
  const next: Profile = base
    ? structuredClone(base)
    : {authMethod: 'ClientSecret', clientId: '', name: '', tenantId: ''}
  const outcome: RuleOutcome = {
    optionSecrets: {},
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

/** The flow the profile will use, as far as the changes say (before the flow step has checked it). */
const targetFlow = (s: RuleState) => s.changes.flow ?? s.base?.defaultFlow

/** A tenant or client id the flow needs must be there; one it may go without can be left out (or cleared with ''). */
function idField(
  s: RuleState,
  field: 'tenantId' | 'clientId',
  use: FieldUse,
  check: (v: string) => string | undefined,
): string | undefined {
  const given = s.changes[field]
  if (use === 'required') {
    const value = required(s, given)
    // A profile switching to a flow that needs the field must have it by now.
    if (value === undefined && s.base && !s.base[field]) {
      s.ok(field, `The ${targetFlow(s)} flow needs ${field === 'tenantId' ? '--tenant-id' : '--client-id'}.`)
      return undefined
    }
    return value !== undefined && s.ok(field, check(value)) ? value : undefined
  }
  if (given === undefined || given === '') return given
  return s.ok(field, check(given)) ? given : undefined
}

const name: Step = (s) => {
  const value = required(s, s.changes.newName)
  if (value === undefined || value === s.base?.name) return
  if (!s.ok('newName', validate.name(value))) return
  const clash = s.context.existingNames && nameClash(value, s.context.existingNames, s.base?.name)
  if (s.ok('newName', clash ? `${clash}; pick another name or delete that profile first.` : undefined))
    s.next.name = value
}

const tenant: Step = (s) => {
  const value = idField(s, 'tenantId', needsOf(s.context, targetFlow(s)).tenant, validate.tenantId)
  if (value !== undefined) s.next.tenantId = value
}

const clientId: Step = (s) => {
  const value = idField(s, 'clientId', needsOf(s.context, targetFlow(s)).clientId, validate.clientId)
  if (value !== undefined) s.next.clientId = value.toLowerCase()
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
    if (
      !s.ok(
        'cloud',
        cloud in CLOUDS
          ? undefined
          : `Unknown cloud '${cloud}': use ${Object.keys(CLOUDS).join(', ')}, or --authority URL.`,
      )
    )
      return
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
  if (redirectUri !== undefined && s.ok('redirectUri', validate.redirectUri(redirectUri)))
    s.next.redirectUri = redirectUri
}

const flow: Step = (s) => {
  if (s.changes.flow === undefined) return
  const matched = matchFlow(s.context, s.changes.flow)
  if (
    s.ok(
      'flow',
      matched ? undefined : `Unknown flow '${s.changes.flow}'. Installed flows: ${s.context.flows.join(', ')}.`,
    )
  )
    s.next.defaultFlow = matched
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
  const method: AuthMethod =
    given ??
    (changes.clientSecret !== undefined
      ? 'ClientSecret'
      : changes.certificatePath !== undefined
        ? 'Certificate'
        : (base?.authMethod ?? newProfileMethod(s)))
  if (method === 'ClientSecret') clientSecretCredential(s)
  else if (method === 'Certificate') certificateCredential(s)
  else noCredential(s)
  next.authMethod = method
  if (!base && next.defaultFlow === undefined) next.defaultFlow = method === 'None' ? DEFAULT_USER_FLOW : DEFAULT_FLOW
}

/** A new profile without an auth method: a credential if the flow requires one (the default flow does), else none. */
function newProfileMethod(s: RuleState): AuthMethod {
  const flow = s.next.defaultFlow
  return flow === undefined || needsOf(s.context, flow).credential === 'required' ? 'ClientSecret' : 'None'
}

function clientSecretCredential(s: RuleState): void {
  const {changes, base, next, outcome} = s
  if (changes.certificatePath !== undefined || changes.certificatePassword !== undefined) {
    s.ok(
      'certificatePath',
      '--certificate and --certificate-password-stdin go with auth method Certificate, not ClientSecret.',
    )
    return
  }
  if (changes.clientSecret !== undefined) outcome.secrets['client-secret'] = {kind: 'set', value: changes.clientSecret}
  else if (base && base.authMethod !== 'ClientSecret') {
    s.ok(
      'clientSecret',
      `Switching '${base.name}' to a client secret needs the secret: add --client-secret-stdin and pipe it in.`,
    )
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
      outcome.secrets['certificate-password'] = changes.certificatePassword
        ? {kind: 'set', value: changes.certificatePassword}
        : {kind: 'remove'}
    }
  }
  next.useCertificate = true
  if (base?.authMethod === 'ClientSecret') outcome.secrets['client-secret'] = {kind: 'remove'}
}

function noCredential(s: RuleState): void {
  const {changes, next, outcome} = s
  if (
    changes.clientSecret !== undefined ||
    changes.certificatePath !== undefined ||
    changes.certificatePassword !== undefined
  ) {
    s.ok('authMethod', 'Auth method None takes no client secret or certificate.')
    return
  }
  outcome.secrets['client-secret'] = {kind: 'remove'}
  outcome.secrets['certificate-password'] = {kind: 'remove'}
  delete next.certificatePath
  delete next.useCertificate
}

/** A flow that requires the app's credential (ClientCredentials) cannot run without one; one that uses none takes none. */
const flowHasCredential: Step = (s) => {
  const flow = s.next.defaultFlow ?? DEFAULT_FLOW
  if (s.outcome.problems.length > 0) return
  const use = needsOf(s.context, flow).credential
  if (use === 'unused' && s.next.authMethod !== 'None') {
    s.ok(
      'authMethod',
      `The ${flow} flow uses no client secret or certificate: leave out the credential, or use --auth-method None.`,
    )
    return
  }
  if (s.next.authMethod !== 'None' || use !== 'required') return
  const flows = userFlows(s.context)
  s.ok(
    'authMethod',
    `${flow} needs a credential, so auth method None needs a sign-in flow too: add --flow ${flows[0] ?? 'DeviceCode'}${flows.length ? ` (installed: ${flows.join(', ')})` : ''}.`,
  )
}

/**
 * The flow's own options: only the ones it declares; required ones present; secret ones to the secret store (the
 * outcome says which), others into `flowOptions`. Options of a flow the profile leaves are dropped.
 */
const flowOptions: Step = (s) => {
  const {base, changes, next, outcome} = s
  const flow = next.defaultFlow ?? DEFAULT_FLOW
  const declared = needsOf(s.context, flow).options
  const given = changes.options ?? {}
  const flowChanged = base !== undefined && canonicalName(base.defaultFlow ?? DEFAULT_FLOW) !== canonicalName(flow)
  // Secret options of the flow left behind are removed from the store; plain ones go with the record.
  if (flowChanged) {
    for (const option of needsOf(s.context, base.defaultFlow ?? DEFAULT_FLOW).options) {
      if (option.secret && !declared.some((o) => o.name === option.name && o.secret))
        outcome.optionSecrets[option.name] = {kind: 'remove'}
    }
  }
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(next.flowOptions ?? {}))
    if (declared.some((o) => o.name === key && !o.secret)) kept[key] = value
  for (const [key, value] of Object.entries(given)) {
    const option = declared.find((o) => o.name === key)
    if (!option) {
      const names = declared.map((o) => o.name)
      s.ok(
        'options',
        `The ${flow} flow has no option '${key}'${names.length > 0 ? `; its options: ${names.join(', ')}` : '; it takes none'}.`,
      )
      return
    }
    if (option.secret) outcome.optionSecrets[key] = value === '' ? {kind: 'remove'} : {kind: 'set', value}
    else if (value === '') delete kept[key]
    else kept[key] = value
  }
  for (const option of declared.filter((o) => o.required)) {
    const present = option.secret
      ? outcome.optionSecrets[option.name]?.kind === 'set' ||
        (base !== undefined && !flowChanged && outcome.optionSecrets[option.name]?.kind !== 'remove')
      : kept[option.name] !== undefined
    if (!present) {
      s.ok(
        'options',
        `The ${flow} flow needs the option '${option.name}' (${option.description}): add ${option.secret ? `--option-stdin ${option.name}` : `--option ${option.name}=VALUE`}.`,
      )
      return
    }
  }
  if (Object.keys(kept).length > 0) next.flowOptions = kept
  else delete next.flowOptions
}

const STEPS: readonly Step[] = [
  name,
  tenant,
  clientId,
  authority,
  scopes,
  redirectUri,
  flow,
  credential,
  flowHasCredential,
  flowOptions,
]
