import {resolve} from 'node:path'
import {UsageError} from '../base/errors.js'
import {cliHome, paths} from '../base/paths.js'
import {EncryptedFileStore, PASSPHRASE_ENV} from '../stores/encrypted-file.js'
import {startAgent, stopAgent} from '../stores/unlock-agent-server.js'
import {askPassphrase} from './passphrase.js'
import {BIN} from '../base/product.js'

/** `unlock --timeout` (default 15m): at most a day, the point is a bounded window, not a login session. */
export const MAX_UNLOCK_MS = 24 * 3_600_000

/**
 * `unlock`: asks for the secrets file's passphrase (or takes ENTRA_AUTH_CLI_PASSPHRASE), proves it by opening the
 * file, and leaves the derived key with an agent process for `timeoutMs`. Returns the agent's pid.
 */
export async function unlockSecretsFile(timeoutMs: number, home = cliHome()): Promise<{file: string; pid: number}> {
  if (!(timeoutMs >= 1000 && timeoutMs <= MAX_UNLOCK_MS))
    throw new UsageError('Invalid --timeout: use between 1s and 24h (e.g. 15m, 2h).')
  const file = resolve(paths.secretsFile(home))
  const store = new EncryptedFileStore(file, async () => {
    const fromEnv = process.env[PASSPHRASE_ENV]
    if (fromEnv) return fromEnv
    return askPassphrase({
      confirm: false,
      envName: PASSPHRASE_ENV,
      message: `Passphrase for the ${BIN} secrets file (or set ${PASSPHRASE_ENV})`,
    })
  })
  const {kdf, key} = await store.verifiedKey()
  try {
    const {pid} = await startAgent({file, kdf, key: key.toString('base64'), timeoutMs})
    return {file, pid}
  } finally {
    key.fill(0)
  }
}

/** `lock`: the agent forgets the key now. False when nothing was unlocked. */
export async function lockSecretsFile(home = cliHome()): Promise<{file: string; wasUnlocked: boolean}> {
  const file = resolve(paths.secretsFile(home))
  return {file, wasUnlocked: await stopAgent(file)}
}
