import {readFileSync} from 'node:fs'
import {sameStoreName as sameName, STORE_ENV} from '../extensions/secret-stores.js'
import {loadAllStores, type HookSource} from '../extensions/registry.js'
import {fail, ok, warn, type Finding} from './finding.js'

/**
 * Which secret store new secrets go to, and why each other one is not used. The keyring's own reason ("no Secret
 * Service on the D-Bus session bus") is completed with what usually causes it: no D-Bus session at all (SSH,
 * containers, cron), or WSL, which has no Secret Service unless one is installed.
 */
export async function checkSecretStores(hooks: HookSource, env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const findings: Finding[] = []
  const registrations = await loadAllStores(hooks, (message) => findings.push(warn('secret store', message)))
  const chosen = env[STORE_ENV]
  let inUse: string | undefined
  const unusable: Array<{name: string; reason: string}> = []
  for (const registration of registrations) {
    const availability = await registration.isAvailable()
    if (availability.available) {
      if (!inUse && (!chosen || sameName(chosen, registration.name))) inUse = registration.name
      continue
    }
    unusable.push({name: registration.name, reason: availability.reason})
  }
  if (inUse) findings.push(ok('secret store', `'${inUse}' is in use${chosen ? ` (chosen by ${STORE_ENV})` : ''}.`))
  for (const {name, reason} of unusable) {
    const why = explain(name, reason, env)
    const picked = chosen !== undefined && sameName(chosen, name)
    if (picked)
      findings.push(fail('secret store', `'${name}', chosen by ${STORE_ENV}, is not usable: ${why.reason}.`, why.fix))
    else findings.push(warn('secret store', `'${name}' is not usable: ${why.reason}.`, inUse ? undefined : why.fix))
  }
  if (!inUse && !unusable.some((u) => chosen !== undefined && sameName(chosen, u.name))) {
    findings.push(
      fail(
        'secret store',
        chosen
          ? `${STORE_ENV}=${chosen} names no installed store.`
          : 'No secret store is usable: secrets and the token cache cannot be kept.',
        'Start a Secret Service (gnome-keyring) in a D-Bus session, or set ENTRA_AUTH_CLI_PASSPHRASE to use the encrypted-file store.',
      ),
    )
  }
  return findings
}

function explain(name: string, reason: string, env: NodeJS.ProcessEnv): {reason: string; fix: string} {
  if (name !== 'keyring') return {fix: `See '${name}' in the README, or use another store (${STORE_ENV}).`, reason}
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    return {
      fix: `Run inside a desktop or D-Bus session with gnome-keyring (e.g. dbus-run-session -- sh -c 'echo -n "$PW" | gnome-keyring-daemon --unlock; ...'), or use the encrypted-file store: ${STORE_ENV}=encrypted-file with ENTRA_AUTH_CLI_PASSPHRASE.`,
      reason: `no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set: an SSH login, a container or cron), so no Secret Service`,
    }
  }
  if (isWsl()) {
    return {
      fix: `WSL has no Secret Service unless you install one (apt install gnome-keyring) and start it in a D-Bus session; or use ${STORE_ENV}=encrypted-file with ENTRA_AUTH_CLI_PASSPHRASE.`,
      reason: `${reason} (this is WSL)`,
    }
  }
  if (/locked/.test(reason))
    return {fix: 'Unlock the login keyring (log in to the desktop, or gnome-keyring-daemon --unlock).', reason}
  return {
    fix: `Install and start a Secret Service (gnome-keyring or KeePassXC), or use ${STORE_ENV}=encrypted-file with ENTRA_AUTH_CLI_PASSPHRASE.`,
    reason,
  }
}

function isWsl(): boolean {
  if (process.platform !== 'linux') return false
  try {
    return /microsoft|wsl/i.test(readFileSync('/proc/version', 'utf8'))
  } catch {
    return false
  }
}
