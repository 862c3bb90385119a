import {ConfigError} from './errors.js'

/** Asks for a passphrase on the terminal (masked, on stderr) or explains which variable to set when there is none. */
export async function askPassphrase(message: string, envName = 'ENTRA_AUTH_CLI_PASSPHRASE'): Promise<string> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new ConfigError(`A passphrase is needed and there is no terminal to ask for it; set ${envName}.`, 'NO_PASSPHRASE')
  }
  const {password} = await import('@inquirer/prompts')
  const answer = await password({mask: '*', message, validate: (v) => (v.length >= 8 ? true : 'Use at least 8 characters')}, {output: process.stderr})
  return answer
}
