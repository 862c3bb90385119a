/** The profile model and the rules for its fields. Pure: no I/O, so the fast path and validation share it. */

import type {AuthMethod, Cloud, Profile} from '../contract/profile.js'

export type {AuthMethod, Cloud, Profile} from '../contract/profile.js'

export const CLOUDS: Readonly<Record<Cloud, string>> = {
  AzureChina: 'https://login.chinacloudapi.cn',
  AzurePublic: 'https://login.microsoftonline.com',
  AzureUSGovernment: 'https://login.microsoftonline.us',
}

/**
 * Hosts of Microsoft's own sign-in service (the clouds and their aliases; B2C and External ID tenants live under
 * the two suffixes). A credential from the environment is only sent to one of these, or to AZURE_AUTHORITY_HOST;
 * an imported profile that names another host is pointed out.
 */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  ...Object.values(CLOUDS).map((url) => new URL(url).hostname),
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.partner.microsoftonline.cn',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
])
const MICROSOFT_AUTHORITY_SUFFIXES = ['.b2clogin.com', '.ciamlogin.com']

export function isMicrosoftAuthority(authority: string): boolean {
  let url: URL
  try {
    url = new URL(authority)
  } catch {
    return false
  }
  const host = url.hostname.toLowerCase()
  if (url.protocol !== 'https:' || url.port !== '') return false
  return MICROSOFT_AUTHORITY_HOSTS.has(host) || MICROSOFT_AUTHORITY_SUFFIXES.some((suffix) => host.endsWith(suffix))
}

/** Both name the same authority host (scheme, host and port), whatever the path. */
export function sameAuthorityHost(a: string, b: string): boolean {
  try {
    return new URL(a).origin.toLowerCase() === new URL(b).origin.toLowerCase()
  } catch {
    return false
  }
}

export const AUTH_METHODS: readonly AuthMethod[] = ['ClientSecret', 'Certificate', 'None']

export const DEFAULT_SCOPE = 'https://graph.microsoft.com/.default'
export const DEFAULT_FLOW = 'ClientCredentials'
export const DEFAULT_REDIRECT_URI = 'http://localhost:8080'

export const secretKeys = {
  clientSecret: (profile: string) => `profile:${profile}:client-secret`,
  certificatePassword: (profile: string) => `profile:${profile}:certificate-password`,
  tokenCacheKey: (profile: string) => `profile:${profile}:token-cache-key`,
  /** A secret option a flow declares (FlowRegistration.options with `secret: true`). */
  option: (profile: string, option: string) => `profile:${profile}:option:${option}`,
}

const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
const DOMAIN = /^(?=.{1,253}$)([a-z\d]([a-z\d-]{0,61}[a-z\d])?\.)+[a-z]{2,63}$/i
const PROFILE_NAME = /^[A-Za-z\d][\w.-]{0,63}$/

export function isGuid(value: string): boolean {
  return GUID.test(value)
}

/** Returns an error message, or undefined when the value is fine. Messages say how to fix, not only what is wrong. */
export const validate = {
  name(value: string): string | undefined {
    return PROFILE_NAME.test(value)
      ? undefined
      : `Invalid profile name '${value}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.`
  },
  tenantId(value: string): string | undefined {
    if (isGuid(value) || DOMAIN.test(value) || ['common', 'organizations', 'consumers'].includes(value))
      return undefined
    return `Invalid tenant id '${value}': use the directory (tenant) GUID or a verified domain such as contoso.onmicrosoft.com.`
  },
  clientId(value: string): string | undefined {
    return isGuid(value)
      ? undefined
      : `Invalid client id '${value}': use the application (client) GUID from the app registration.`
  },
  redirectUri(value: string): string | undefined {
    try {
      const url = new URL(value)
      if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return undefined
      if (url.protocol === 'https:') return undefined
    } catch {
      // Not a URL at all: the message below says what to use.
    }
    return `Invalid redirect URI '${value}': use http://localhost:PORT (loopback) or an https URL registered on the app.`
  },
  scope(value: string): string | undefined {
    return value && !/\s/.test(value) ? undefined : `Invalid scope '${value}'.`
  },
}

/**
 * Accepts either the authority host (`https://login.microsoftonline.us`) or the full authority that already ends in
 * the tenant (`https://host/<tenant>`); both mean the same, and the host is what is stored.
 */
export function normalizeAuthority(input: string, tenantId: string): {host?: string; error?: string} {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return {error: `Invalid authority '${input}': give an https URL such as https://login.microsoftonline.us.`}
  }
  if (url.protocol !== 'https:') {
    return {error: `Invalid authority '${input}': it must use https (MSAL refuses http authorities).`}
  }
  if (url.search || url.hash) return {error: `Invalid authority '${input}': remove the query string.`}
  const segments = url.pathname.split('/').filter(Boolean)
  if (segments.length > 1)
    return {error: `Invalid authority '${input}': expected https://host or https://host/<tenant>.`}
  if (segments.length === 1 && segments[0].toLowerCase() !== tenantId.toLowerCase()) {
    return {
      error: `The authority '${input}' names tenant '${segments[0]}' but --tenant-id is '${tenantId}'; make them agree.`,
    }
  }
  return {host: url.origin}
}

export function authorityHost(profile: Profile): string {
  if (profile.authority) return profile.authority.replace(/\/+$/, '')
  return CLOUDS[profile.cloud ?? 'AzurePublic'] ?? CLOUDS.AzurePublic
}

export function authorityUrl(profile: Profile): string {
  return `${authorityHost(profile)}/${profile.tenantId}`
}

/** `--scope` takes space- or comma-separated scopes, repeated or not. */
export function parseScopes(values: string[] | string | undefined): string[] {
  const list = Array.isArray(values) ? values : values ? [values] : []
  return [...new Set(list.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean))]
}

export function effectiveScopes(profile: Profile, requested?: string[]): string[] {
  if (requested && requested.length > 0) return requested
  if (profile.scopes && profile.scopes.length > 0) return profile.scopes
  return [DEFAULT_SCOPE]
}
