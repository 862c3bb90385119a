import {statSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {ConfigError} from './errors.js'

export const HOME_ENV = 'ENTRA_AUTH_CLI_HOME'

/**
 * Where everything the CLI keeps lives. `ENTRA_AUTH_CLI_HOME` moves all of it (tests, CI, several identities); a
 * relative value is resolved against the working directory, so every path in messages, locks and keyring entry
 * names is absolute.
 */
export function cliHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env[HOME_ENV] || join(homedir(), '.entra-auth-cli'))
}

/**
 * The home, refused when other users could write to it (group/world-writable, or owned by someone else): whoever can create files there can plant a profiles.json
 * that sends a client secret to their server, or a lock that stalls every run. A folder the CLI creates is 0700; an
 * existing folder is never re-permissioned (`ENTRA_AUTH_CLI_HOME=/tmp` must not take /tmp's sticky bit away).
 */
export function privateCliHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = cliHome(env)
  let mode: number
  let uid: number
  try {
    ;({mode, uid} = statSync(home))
  } catch {
    // Missing: created 0700 on the first write. Anything else (EACCES, ENOTDIR) is reported where it is used.
    return home
  }
  if ((mode & 0o022) !== 0) {
    const octal = (mode & 0o7777).toString(8).padStart(4, '0')
    const setting = env[HOME_ENV] ? `${HOME_ENV} (${home})` : home
    throw new ConfigError(
      `${setting} is writable by other users (mode ${octal}), who could plant profiles or locks in it; point ${HOME_ENV} at a folder only you can write, e.g. a new one (created with mode 0700), or run 'chmod go-w ${home}'.`,
      'HOME_NOT_PRIVATE',
    )
  }
  // Another user's folder, even 0755: its owner can write there whatever the mode says (getuid is POSIX only).
  const me = process.getuid?.()
  if (me !== undefined && uid !== me) {
    const setting = env[HOME_ENV] ? `${HOME_ENV} (${home})` : home
    throw new ConfigError(
      `${setting} belongs to another user (uid ${uid}), who could plant profiles or locks in it; point ${HOME_ENV} at a folder you own, e.g. a new one (created with mode 0700).`,
      'HOME_NOT_PRIVATE',
    )
  }
  return home
}

export const paths = {
  profiles: (home: string) => join(home, 'profiles.json'),
  secretsFile: (home: string) => join(home, 'secrets.enc'),
  cacheDir: (home: string) => join(home, 'cache'),
  tokenCache: (home: string, profile: string) => join(home, 'cache', `${profile}.cache`),
  tokenCacheLock: (home: string, profile: string) => join(home, 'cache', `${profile}.lock`),
  authorityMetadata: (home: string, key: string) => join(home, 'cache', 'authority', `${key}.json`),
}
