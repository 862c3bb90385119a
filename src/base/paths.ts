import {homedir} from 'node:os'
import {join} from 'node:path'

/** Where everything the CLI keeps lives. `ENTRA_AUTH_CLI_HOME` moves all of it (tests, CI, several identities). */
export function cliHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ENTRA_AUTH_CLI_HOME || join(homedir(), '.entra-auth-cli')
}

export const paths = {
  profiles: (home: string) => join(home, 'profiles.json'),
  secretsFile: (home: string) => join(home, 'secrets.enc'),
  cacheDir: (home: string) => join(home, 'cache'),
  tokenCache: (home: string, profile: string) => join(home, 'cache', `${profile}.cache`),
  tokenCacheLock: (home: string, profile: string) => join(home, 'cache', `${profile}.lock`),
  authorityMetadata: (home: string, key: string) => join(home, 'cache', 'authority', `${key}.json`),
}
