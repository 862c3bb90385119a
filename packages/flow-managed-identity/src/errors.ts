/**
 * Which identity a profile names, and what a failure means to the person running get-token: one line, with the
 * kind that sets the exit code (3 configuration, 4 refused, 5 network), never a secret.
 */
import {PluginError, type FlowContext} from 'entra-auth-cli-plugin-api'
import type {RecordingNetwork} from './network.js'

export interface SelectedIdentity {
  params: {userAssignedClientId?: string; userAssignedObjectId?: string; userAssignedResourceId?: string}
  /** For messages: `the user-assigned identity with client id …`. */
  label: string
}

const SELECTORS = [
  {key: 'userAssignedClientId', name: 'client-id', what: 'client id'},
  {key: 'userAssignedObjectId', name: 'object-id', what: 'object id'},
  {key: 'userAssignedResourceId', name: 'resource-id', what: 'resource id'},
] as const

/** The user-assigned identity the profile names, or undefined for the system-assigned one. */
export async function selectIdentity(context: FlowContext): Promise<SelectedIdentity | undefined> {
  const given: Array<{key: (typeof SELECTORS)[number]['key']; name: string; what: string; value: string}> = []
  for (const selector of SELECTORS) {
    const value = (await context.option(selector.name))?.trim()
    if (value) given.push({...selector, value})
  }
  if (given.length > 1) {
    throw new PluginError(
      'config',
      `Profile '${context.profile.name}' names its user-assigned identity ${given.length} ways (${given.map((g) => g.name).join(', ')}); keep one with: config edit -p ${context.profile.name}.`,
      {code: 'MI_AMBIGUOUS_IDENTITY'},
    )
  }
  const [one] = given
  return one && {label: `the user-assigned identity with ${one.what} ${one.value}`, params: {[one.key]: one.value}}
}

/** msal's source names, as people know them. */
export function sourceLabel(source: string): string {
  const labels: Record<string, string> = {
    AppService: 'App Service',
    AzureArc: 'Azure Arc',
    CloudShell: 'Cloud Shell',
    DefaultToImds: 'IMDS',
    Imds: 'IMDS',
    MachineLearning: 'Azure Machine Learning',
    ServiceFabric: 'Service Fabric',
  }
  return labels[source] ?? source
}

interface Situation {
  identity: SelectedIdentity | undefined
  network: RecordingNetwork
  resource: string
  source: string
}

/** msal-node's ManagedIdentityError codes for Azure Arc's key-file challenge, and what each means here. */
const ARC_KEY_FILE: Record<string, string> = {
  invalid_file_extension: 'named a key file that is not a .key file',
  invalid_file_path: 'named a key file outside /var/opt/azcmagent/tokens/, where the Arc agent keeps them',
  invalid_secret: 'named a key file larger than 4096 bytes',
  platform_not_supported: 'is only supported on Linux and Windows',
  www_authenticate_header_missing: 'answered 401 without naming a key file',
  www_authenticate_header_unsupported_format: 'answered 401 with a challenge that is not Basic realm=<key file>',
}

const ENDPOINT_VARIABLES: Record<string, string> = {
  azure_pod_identity_authority_host_url_malformed: 'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  identity_endpoint_url_malformed: 'IDENTITY_ENDPOINT',
  imds_endpoint_url_malformed: 'IMDS_ENDPOINT',
  msi_endpoint_url_malformed: 'MSI_ENDPOINT',
}

export function explain(error: unknown, situation: Situation): PluginError {
  const {network, source} = situation
  const code =
    typeof (error as {errorCode?: unknown}).errorCode === 'string' ? (error as {errorCode: string}).errorCode : ''
  const last = network.last
  const where = last ? `${source} at ${origin(last.url)}` : source

  if (code in ARC_KEY_FILE) {
    return new PluginError(
      'config',
      `Azure Arc ${ARC_KEY_FILE[code]}; refusing to read it. Check that IDENTITY_ENDPOINT and IMDS_ENDPOINT point at this machine's Arc agent.`,
      {cause: error, code: 'MI_ARC_CHALLENGE'},
    )
  }
  if (code === 'unable_to_read_secret_file') {
    return new PluginError(
      'config',
      `Cannot read the key file Azure Arc named: run as root or as a member of the himds group.`,
      {cause: error, code: 'MI_ARC_KEY_UNREADABLE'},
    )
  }
  if (code in ENDPOINT_VARIABLES) {
    return new PluginError('config', `${ENDPOINT_VARIABLES[code]} is not a valid URL; fix or unset it.`, {
      cause: error,
      code: 'MI_BAD_ENDPOINT',
    })
  }
  if (code === 'user_assigned_managed_identity_not_confirmed') {
    return new PluginError(
      'auth',
      `Azure Arc did not confirm ${situation.identity?.label ?? 'the user-assigned identity'}: this agent supports only the system-assigned identity. Update the Arc agent or drop the identity from the profile.`,
      {cause: error, code: 'MI_NOT_CONFIRMED'},
    )
  }
  if (last && last.status === 0) {
    return new PluginError(
      'network',
      `Cannot reach ${where}: ${last.failure ?? 'no answer'}. Run this on an Azure resource with a managed identity (or check the endpoint variables).`,
      {cause: error, code: 'MI_UNREACHABLE'},
    )
  }
  const description = describe(error)
  if (last && (last.status === 429 || last.status >= 500 || last.status === 404 || last.status === 410)) {
    return new PluginError(
      'network',
      `${where} answered ${last.status} after ${network.exchanges.length} tries${description ? `: ${description}` : ''}. Try again later.`,
      {cause: error, code: 'MI_UNAVAILABLE'},
    )
  }
  if (last && last.status >= 400) {
    return new PluginError(
      'auth',
      `${where} refused a token for ${situation.resource} (${statusWord(last.status)} for ${situation.identity?.label ?? 'the system-assigned identity'})${description ? `: ${description}` : ''}.`,
      {cause: error, code: 'MI_REFUSED'},
    )
  }
  if (code === 'network_error' || code === 'network_unavailable') {
    return new PluginError('network', `Cannot reach ${where}${description ? `: ${description}` : ''}.`, {
      cause: error,
      code: 'MI_UNREACHABLE',
    })
  }
  return new PluginError('auth', `${where} gave no usable token${description ? `: ${description}` : ''}.`, {
    cause: error,
    code: 'MI_FAILED',
  })
}

function origin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

function statusWord(status: number): string {
  return status === 400
    ? '400 Bad Request'
    : status === 401
      ? '401 Unauthorized'
      : status === 403
        ? '403 Forbidden'
        : String(status)
}

/**
 * The server's own words from msal's error: its `errorMessage` reads "Error(s): … - Timestamp: … - Description:
 * Identity not found - Correlation ID: …"; keep the description, one line, bounded.
 */
function describe(error: unknown): string {
  const message = (error as {errorMessage?: unknown}).errorMessage
  const text = typeof message === 'string' && message ? message : error instanceof Error ? error.message : ''
  const described = /Description: (.*?)(?: - Correlation ID:|$)/s.exec(text)?.[1] ?? text
  return described.replace(/\s+/g, ' ').trim().slice(0, 300).replace(/\.+$/, '')
}
