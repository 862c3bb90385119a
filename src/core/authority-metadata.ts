import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from './fs-atomic.js'
import {NetworkError} from './errors.js'
import {adviceForEntraError} from './entra-errors.js'
import type {HttpClient} from './network.js'
import {paths} from './paths.js'

/**
 * OpenID metadata of an authority, kept on disk so that msal-node makes no discovery request on warm calls and a
 * cache hit works with the identity provider unreachable. msal needs two strings: the authority's
 * openid-configuration and a cloud-discovery document naming the host (without it msal asks
 * login.microsoftonline.com about every custom or sovereign host, which fails offline).
 */
export interface AuthorityMetadata {
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  knownAuthorities: string[]
}

interface StoredMetadata extends AuthorityMetadata {
  authority: string
  fetchedAt: number
}

/** Entra rotates nothing in this document often; a day keeps warm calls to one request without going stale. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000

export async function resolveAuthorityMetadata(home: string, authority: string, http: HttpClient): Promise<AuthorityMetadata> {
  const key = createHash('sha256').update(authority.toLowerCase()).digest('hex').slice(0, 24)
  const file = paths.authorityMetadata(home, key)
  const stored = await readStored(file, authority)
  if (stored && Date.now() - stored.fetchedAt < MAX_AGE_MS) return stored

  const url = `${authority}/v2.0/.well-known/openid-configuration`
  const response = await http.getJson<Record<string, unknown>>(url)
  if (response.status !== 200 || typeof response.body.token_endpoint !== 'string') {
    const advice = adviceForEntraError(response.body as {error?: string; error_description?: string})
    throw advice ?? new NetworkError(`Could not read the OpenID metadata of ${authority} (HTTP ${response.status}); check the profile's authority and tenant.`, 'METADATA')
  }
  const host = new URL(authority).host
  const metadata: StoredMetadata = {
    authority,
    authorityMetadata: JSON.stringify(response.body),
    cloudDiscoveryMetadata: JSON.stringify({
      'api-version': '1.1',
      metadata: [{aliases: [host], preferred_cache: host, preferred_network: host}],
      tenant_discovery_endpoint: url,
    }),
    fetchedAt: Date.now(),
    knownAuthorities: [host],
  }
  await writeFileAtomic(file, JSON.stringify(metadata), {privateDir: true})
  return metadata
}

async function readStored(file: string, authority: string): Promise<StoredMetadata | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as StoredMetadata
    return data.authority === authority && typeof data.authorityMetadata === 'string' ? data : undefined
  } catch {
    return undefined
  }
}
