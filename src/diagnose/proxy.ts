import {ok, type Finding} from './finding.js'

const NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const

/** The proxy variables set, credentials hidden: what every request of the CLI goes through. */
export function checkProxyVariables(env: NodeJS.ProcessEnv = process.env): Finding[] {
  const set = NAMES.filter((name) => env[name])
  if (set.length === 0) return [ok('proxy', 'No proxy variables are set: requests go directly.')]
  return [ok('proxy', `In effect: ${set.map((name) => `${name}=${hideCredentials(env[name]!)}`).join(', ')}.`)]
}

/**
 * `http://user:secret@proxy:3128` -> `http://user:***@proxy:3128`; a user without a password may be a token and is
 * hidden whole. Read as undici reads a proxy URL (WHATWG, `http://` added when there is no scheme), so a value
 * without a scheme or with a `/` in the password keeps its secret too: what cannot be parsed loses everything up to
 * its last `@`.
 */
export function hideCredentials(value: string): string {
  const lastAt = value.lastIndexOf('@')
  if (lastAt < 0) return value
  const scheme = /^[a-z][\w+.-]*:\/\//i.exec(value)?.[0] ?? ''
  let url: URL | undefined
  try {
    url = new URL(scheme ? value : `http://${value}`)
  } catch {
    // Not a URL: hidden up to the last '@' below.
  }
  if (url && !url.username && !url.password) return value
  const rest = value.slice(scheme.length)
  const end = rest.search(/[/?#\\]/)
  const authority = end < 0 ? rest : rest.slice(0, end)
  const userinfoEnd = authority.lastIndexOf('@')
  if (url && userinfoEnd >= 0) {
    const user = url.password ? `${authority.slice(0, authority.indexOf(':'))}:` : ''
    return `${scheme}${user}***@${rest.slice(userinfoEnd + 1)}`
  }
  return `${scheme}***@${value.slice(lastAt + 1)}`
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
