import {printable} from '../base/text.js'
import {claimDate, type DecodedJwt} from './read.js'
import {expiryPhrase, formatLocalTime, formatSpan} from '../base/time.js'

/**
 * The few facts a person looks for in a token, one per line, for stderr: who issued it, for which API, to which app
 * and user, with what permissions, and until when. Claim names cover Entra v1 and v2 tokens. Every value goes
 * through `printable`: a token's author must not be able to put escape sequences on the reader's terminal.
 */
export function summarizeToken(token: DecodedJwt, now = new Date()): string[] {
  const {claims, header} = token
  const lines: Array<[string, string]> = []
  const headerText = [
    `alg ${printable(header.alg ?? '?')}`,
    `kid ${printable(header.kid ?? 'none')}`,
    `typ ${printable(header.typ ?? 'none')}`,
  ].join(', ')
  lines.push(['Header', token.signed ? headerText : `${headerText} (unsigned: nothing vouches for these claims)`])
  lines.push(['Issuer', claims.iss === undefined ? 'none' : printable(claims.iss)])
  lines.push(['Audience', listOf(claims.aud) ?? 'none'])
  const app = appOf(claims)
  if (app) lines.push(['App', app])
  lines.push(['User', userOf(claims)])
  const scopes = typeof claims.scp === 'string' ? printable(claims.scp, 400) : undefined
  const roles = listOf(claims.roles, 400)
  if (scopes) lines.push(['Scopes', scopes])
  if (roles) lines.push(['Roles', roles])
  if (!scopes && !roles) lines.push(['Scopes', 'none'])
  const issued = claimDate(claims.iat)
  if (issued) lines.push(['Issued', formatLocalTime(issued)])
  const notBefore = claimDate(claims.nbf)
  if (notBefore && notBefore > now)
    lines.push([
      'Not before',
      `${formatLocalTime(notBefore)} (in ${formatSpan((notBefore.getTime() - now.getTime()) / 1000)})`,
    ])
  const expires = claimDate(claims.exp)
  lines.push([
    'Expires',
    expires
      ? `${formatLocalTime(expires)} (${expiryPhrase(expires, now)})`
      : claims.exp === undefined
        ? 'never (no exp claim)'
        : 'unknown (exp is not a time)',
  ])
  return lines.map(([label, value]) => `${`${label}:`.padEnd(12)}${value}`)
}

/** A string or an array of strings (`aud`, `roles`) as one comma-separated line. */
function listOf(value: unknown, max = 200): string | undefined {
  if (typeof value === 'string') return value ? printable(value, max) : undefined
  if (Array.isArray(value) && value.length > 0)
    return printable(value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', '), max)
  return undefined
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? printable(value) : undefined)

/** v2 has `azp`, v1 `appid`; v1 also names the app (`app_displayname`). */
function appOf(claims: Record<string, unknown>): string | undefined {
  const id = text(claims.azp) ?? text(claims.appid)
  const name = text(claims.app_displayname)
  if (name && id) return `${name} (${id})`
  return name ?? id
}

function userOf(claims: Record<string, unknown>): string {
  const name = text(claims.name)
  const login = text(claims.preferred_username) ?? text(claims.upn) ?? text(claims.unique_name) ?? text(claims.email)
  if (name && login) return `${name} <${login}>`
  const either = name ?? login
  if (either) return either
  // Entra marks app-only tokens with idtyp=app (optional claim); without it, roles and no scp say the same.
  if (claims.idtyp === 'app' || (claims.scp === undefined && claims.roles !== undefined)) return 'none (app-only token)'
  const oid = text(claims.oid)
  return oid ? `object id ${oid}` : 'unknown'
}
