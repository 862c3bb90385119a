import {access, constants} from 'node:fs/promises'
import {resolve} from 'node:path'

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
