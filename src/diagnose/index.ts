import {cliHome} from '../base/paths.js'
import type {HookSource} from '../extensions/registry.js'
import {authorityUrl, CLOUDS} from '../profile/model.js'
import {ProfileStore} from '../profile/store.js'
import {checkAuthority} from './authority.js'
import {checkExtraCaCerts} from './extra-ca.js'
import type {Finding} from './finding.js'
import {checkHomeModes} from './home.js'
import {checkProfileCredential} from './profile.js'
import {checkProxyVariables} from './proxy.js'
import {checkSecretStores} from './secret-stores.js'

export type {Finding, FindingStatus} from './finding.js'

/**
 * Every check of `doctor`, in the order a person would look: where secrets go, the files, the network path to the
 * authority (proxy, TLS, clock), and the profile's own credential. With a profile, its authority is checked;
 * without one, every profile's authority (the public cloud when there are none).
 */
export async function diagnose(options: {
  hooks: HookSource
  bin: string
  profile?: string
  env?: NodeJS.ProcessEnv
}): Promise<Finding[]> {
  const env = options.env ?? process.env
  const home = cliHome(env)
  const store = new ProfileStore(home)
  const profile = options.profile === undefined ? undefined : await store.get(options.profile)
  const findings: Finding[] = [
    ...(await checkSecretStores(options.hooks, env)),
    ...(await checkHomeModes(home)),
    ...checkProxyVariables(env),
    ...(await checkExtraCaCerts(env)),
  ]
  const authorities = profile ? [authorityUrl(profile)] : await everyAuthority(store)
  for (const authority of authorities) findings.push(...(await checkAuthority(authority, env)))
  if (profile) findings.push(...(await checkProfileCredential(profile, options.hooks, options.bin, env)))
  return findings
}

async function everyAuthority(store: ProfileStore): Promise<string[]> {
  // Each profile's own authority (host and tenant): a custom host need not serve /organizations.
  const authorities = new Set((await store.list()).map((p) => authorityUrl(p)))
  if (authorities.size === 0) authorities.add(`${CLOUDS.AzurePublic}/organizations`)
  return [...authorities]
}
