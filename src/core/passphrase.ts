import {ConfigError} from './errors.js'
import {isInteractive} from './prompts.js'

/** The shortest passphrase accepted for sealing something new (an export, a new secrets file). */
export const MIN_NEW_PASSPHRASE = 8

export interface PassphraseQuestion {
  message: string
  /** The variable that supplies the passphrase without a terminal; named in the error when there is none. */
  envName: string
  /** Sealing something new: ask twice, and again until both answers match. */
  confirm: boolean
  /**
   * Only for a new secret (export, a new secrets file); never when opening an existing one, which must open with
   * whatever passphrase it was made with. Without it any non-empty answer is taken.
   */
  minLength?: number
}

/**
 * The one passphrase prompt: masked, on stderr (stdout stays clean for the product), @inquirer/prompts loaded only
 * when a question is asked. It never reads the environment: callers take `envName` first when it is set.
 */
export async function askPassphrase(question: PassphraseQuestion): Promise<string> {
  const {confirm, envName, message, minLength} = question
  if (!isInteractive()) {
    throw new ConfigError(`A passphrase is needed and there is no terminal to ask for it; set ${envName}.`, 'NO_PASSPHRASE')
  }
  const {password} = await import('@inquirer/prompts')
  const io = {output: process.stderr}
  const validate = (value: string) =>
    minLength !== undefined && value.length < minLength ? `Use at least ${minLength} characters` : value ? true : 'Enter the passphrase'
  for (;;) {
    const first = await password({mask: '*', message, validate}, io)
    if (!confirm) return first
    const second = await password({mask: '*', message: 'Repeat the passphrase'}, io)
    if (first === second) return first
    process.stderr.write('The two passphrases differ; try again.\n')
  }
}
