import {ok, type Finding} from './finding.js'

const NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const

/** The proxy variables set, credentials hidden: what every request of the CLI goes through. */
export function checkProxyVariables(env: NodeJS.ProcessEnv = process.env): Finding[] {
  const set = NAMES.filter((name) => env[name])
  if (set.length === 0) return [ok('proxy', 'No proxy variables are set: requests go directly.')]
  return [ok('proxy', `In effect: ${set.map((name) => `${name}=${hideCredentials(env[name]!)}`).join(', ')}.`)]
}

/** `http://user:secret@proxy:3128` -> `http://user:***@proxy:3128`. */
export function hideCredentials(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/)([^/@:]*):[^/@]*@/i, '$1$2:***@')
}

/**
 * The proxy a request to `url` goes through, by undici's EnvHttpProxyAgent rules (the HTTP client's): https_proxy,
 * else http_proxy, unless NO_PROXY names the host (suffix match, optional port, `*` for all).
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const https = url.protocol === 'https:'
  const proxy = (https ? env.https_proxy || env.HTTPS_PROXY : undefined) || env.http_proxy || env.HTTP_PROXY
  if (!proxy) return undefined
  const noProxy = (env.no_proxy || env.NO_PROXY || '').split(/[\s,]+/).filter(Boolean)
  const host = url.hostname.toLowerCase()
  const port = url.port || (https ? '443' : '80')
  for (const entry of noProxy) {
    if (entry === '*') return undefined
    const [name, entryPort] = entry
      .toLowerCase()
      .replace(/^\*?\./, '.')
      .split(':')
    if (entryPort && entryPort !== port) continue
    const bare = name.replace(/^\./, '')
    if (host === bare || host.endsWith(`.${bare}`)) return undefined
  }
  try {
    return new URL(proxy.includes('://') ? proxy : `http://${proxy}`)
  } catch {
    return undefined
  }
}
