import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {fileSystemProblem, writeFileAtomic} from '../base/fs-atomic.js'
import {ConfigError, NetworkError} from '../base/errors.js'
import {adviceForEntraError} from './entra-errors.js'
import {printable} from '../base/text.js'
import type {HttpClient} from './http-client.js'
import {paths} from '../base/paths.js'

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

/**
 * The endpoints msal sends the user, the code and the refresh token to. Each must be https on the authority's own
 * host: a document that names another host (a typo'd or hostile authority, a tampered metadata file) would have
 * us post credentials there, and the authorization URL is handed to the OS browser launcher.
 */
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint'] as const
const OPTIONAL_ENDPOINTS = new Set<string>(['device_authorization_endpoint'])

/** Whitespace, control characters, and what a shell or PowerShell acts on inside a double-quoted string. */
// eslint-disable-next-line no-control-regex
const UNSAFE_URL_CHARACTERS = /[\s"`$\u0000-\u001f\u007f-\u009f]/

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Why `value` is no URL to use on the authority's behalf (undefined when it is one): it must be https (plain http
 * only for a loopback host, and only with `loopbackHttp`), on the authority's host, and free of whitespace, control
 * characters and `"` `` ` `` `$`. Phrased to follow "it", e.g. "is on evil.example, not on ...".
 */
export function endpointProblem(
  value: unknown,
  authority: string,
  options: {loopbackHttp?: boolean} = {},
): string | undefined {
  if (typeof value !== 'string' || !value) return 'is missing'
  if (UNSAFE_URL_CHARACTERS.test(value)) return 'contains whitespace, a control character, or one of " ` $'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a URL'
  }
  const loopbackHttp = options.loopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
  if (url.protocol !== 'https:' && !loopbackHttp) return `is not https (${url.protocol})`
  const host = new URL(authority).host
  if (url.host !== host) return `is on ${url.host}, not on the authority's host ${host}`
  return undefined
}

/** The first endpoint of an OpenID configuration that is unsafe to use, described; undefined when all are fine. */
export function metadataProblem(document: Record<string, unknown>, authority: string): string | undefined {
  for (const field of ENDPOINTS) {
    if (document[field] === undefined && OPTIONAL_ENDPOINTS.has(field)) continue
    const problem = endpointProblem(document[field], authority)
    if (problem)
      return `its ${field}${typeof document[field] === 'string' ? ` '${printable(document[field], 100)}'` : ''} ${problem}`
  }
  return undefined
}

/** Entra rotates nothing in this document often; a day keeps warm calls to one request without going stale. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000

export async function resolveAuthorityMetadata(
  home: string,
  authority: string,
  http: Pick<HttpClient, 'getJson'>,
): Promise<AuthorityMetadata> {
  const key = createHash('sha256').update(authority.toLowerCase()).digest('hex').slice(0, 24)
  const file = paths.authorityMetadata(home, key)
  const stored = await readStored(file, authority)
  if (stored && Date.now() - stored.fetchedAt < MAX_AGE_MS) return stored

  const url = `${authority}/v2.0/.well-known/openid-configuration`
  const response = await http.getJson<Record<string, unknown>>(url)
  if (response.status !== 200 || typeof response.body.token_endpoint !== 'string') {
    const advice = adviceForEntraError(response.body as {error?: string; error_description?: string})
    throw (
      advice ??
      new NetworkError(
        `Could not read the OpenID metadata of ${authority} (HTTP ${response.status}); check the profile's authority and tenant.`,
        'METADATA',
      )
    )
  }
  const problem = metadataProblem(response.body, authority)
  if (problem) {
    throw new ConfigError(
      `The OpenID metadata of ${authority} cannot be used: ${problem}. Check the profile's authority; it may name the wrong server.`,
      'METADATA_ENDPOINT',
    )
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
  // Only a cache: a home that cannot take it (full, read-only) costs one more request next time, nothing else.
  await writeFileAtomic(file, JSON.stringify(metadata), {privateDir: true}).catch((error: unknown) => {
    if (!fileSystemProblem(error)) throw error
  })
  return metadata
}

async function readStored(file: string, authority: string): Promise<StoredMetadata | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as StoredMetadata
    if (data.authority !== authority || typeof data.authorityMetadata !== 'string') return undefined
    // Written by an older version, or changed on disk: fetch again rather than trust it.
    return metadataProblem(JSON.parse(data.authorityMetadata) as Record<string, unknown>, authority) ? undefined : data
  } catch {
    return undefined
  }
}
