import {access, constants} from 'node:fs/promises'
import {resolve} from 'node:path'

import {CLOUDS, parseScopes, validate} from '../profile/model.js'

/** The answer of the cloud question that means "ask for a custom authority URL next". */
export const CUSTOM_AUTHORITY = '__custom__'

/** The cloud question's choices, the same in the create wizard and the edit menu. */
export const CLOUD_CHOICES = [
  {description: CLOUDS.AzurePublic, name: 'Azure public cloud', value: 'AzurePublic'},
  {description: CLOUDS.AzureUSGovernment, name: 'Azure US Government', value: 'AzureUSGovernment'},
  {description: CLOUDS.AzureChina, name: 'Azure China (21Vianet)', value: 'AzureChina'},
  {description: 'Any https authority host', name: 'Custom authority URL…', value: CUSTOM_AUTHORITY},
]

/**
 * inquirer `validate` functions shared by the create wizard and the edit menu: `true` accepts the answer, a string
 * is shown under the prompt and the question is asked again.
 */
export async function readableFile(value: string): Promise<true | string> {
  const path = value.trim()
  if (!path) return 'Enter a path'
  try {
    await access(resolve(path), constants.R_OK)
    return true
  } catch {
    return `Cannot read ${resolve(path)}`
  }
}

/** Scopes typed at a prompt: each must be valid, and there must be at least one. */
export function scopeList(value: string): true | string {
  const scopes = parseScopes(value)
  return scopes.map((s) => validate.scope(s)).find(Boolean) ?? (scopes.length > 0 ? true : 'Enter at least one scope')
}
