import {resolve} from 'node:path'
import {ConfigError, UsageError} from '../base/errors.js'
import {EXPORT_PASSPHRASE_ENV} from '../profile/bundle.js'
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
    throw new ConfigError(
      `A passphrase is needed and there is no terminal to ask for it; set ${envName}.`,
      'NO_PASSPHRASE',
    )
  }
  const {password} = await import('@inquirer/prompts')
  const io = {output: process.stderr}
  const validate = (value: string) =>
    minLength !== undefined && value.length < minLength
      ? `Use at least ${minLength} characters`
      : value
        ? true
        : 'Enter the passphrase'
  for (;;) {
    const first = await password({mask: '*', message, validate}, io)
    if (!confirm) return first
    const second = await password({mask: '*', message: 'Repeat the passphrase'}, io)
    if (first === second) return first
    process.stderr.write('The two passphrases differ; try again.\n')
  }
}

/** The export passphrase: the variable for scripts, else asked twice on the terminal. Both obey one length rule. */
export async function askExportPassphrase(): Promise<string> {
  const fromEnv = process.env[EXPORT_PASSPHRASE_ENV]
  if (fromEnv) {
    if (fromEnv.length < MIN_NEW_PASSPHRASE)
      throw new UsageError(`${EXPORT_PASSPHRASE_ENV} is too short: use at least ${MIN_NEW_PASSPHRASE} characters.`)
    return fromEnv
  }
  return askPassphrase({
    confirm: true,
    envName: EXPORT_PASSPHRASE_ENV,
    message: 'Passphrase to encrypt the export',
    minLength: MIN_NEW_PASSPHRASE,
  })
}

/** The import passphrase: the variable, else asked once on the terminal (no length rule: the bundle already exists). */
export async function askImportPassphrase(file: string): Promise<{passphrase: string; canRetry: boolean}> {
  const fromEnv = process.env[EXPORT_PASSPHRASE_ENV]
  if (fromEnv) return {canRetry: false, passphrase: fromEnv}
  return {
    canRetry: true,
    passphrase: await askPassphrase({
      confirm: false,
      envName: EXPORT_PASSPHRASE_ENV,
      message: `Passphrase of ${resolve(file)}`,
    }),
  }
}
