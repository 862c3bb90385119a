import {printable} from '../base/text.js'
import {expiryPhrase, formatLocalTime} from '../base/time.js'
import type {WhoamiReport, WhoamiToken} from '../token/whoami.js'

const NO_PERMISSIONS =
  'none: the usual cause of "Insufficient privileges" (403); grant the app permissions on this API (and admin consent), then get a new token with --force'

/** whoami for people: one block per profile, a label per line; never a token. */
export function renderWhoami(report: WhoamiReport, bin: string, now = new Date()): string {
  const lines: Array<[string, string]> = []
  const row = (label: string, value: string) => lines.push([label, value])
  row('Tenant', printable(report.tenantId))
  row('Client', printable(report.clientId))
  row('Authority', printable(report.authority))
  row('Flow', printable(report.flow))
  if (report.cache === 'unreadable') {
    row('Cache', `unreadable: ${printable(report.reason ?? 'unknown reason', 300)}`)
  } else if (report.cache === 'empty' || (report.accounts.length === 0 && report.tokens.length === 0)) {
    row('Cache', `empty: not signed in, no token yet (run '${bin} get-token -p ${report.profile}')`)
  } else {
    if (report.accounts.length === 0) row('Account', 'none (app-only tokens)')
    for (const account of report.accounts) {
      const who = account.username ? printable(account.username) : `home account ${printable(account.homeAccountId)}`
      const notes = [
        account.lastUsed ? 'last used' : undefined,
        account.refreshToken ? 'refresh token: yes' : 'refresh token: no',
      ].filter(Boolean)
      row('Account', `${who}${account.name ? ` (${printable(account.name)})` : ''}; ${notes.join(', ')}`)
    }
    if (report.tokens.length === 0) row('Token', 'none cached')
    for (const token of report.tokens) {
      row('Token', tokenLine(token, now))
      row('  Permissions', permissionsLine(token))
    }
  }
  const width = Math.max(...lines.map(([label]) => label.length)) + 2
  return [
    `Profile '${report.profile}'`,
    ...lines.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`),
  ].join('\n')
}

function tokenLine(token: WhoamiToken, now: Date): string {
  const expires = new Date(token.expiresOn)
  const scopes = printable(token.scopes.join(' ') || 'no scopes', 200)
  const who = token.account ? ` for ${printable(token.account)}` : ' (app-only)'
  return `${scopes}${who}; ${expiryPhrase(expires, now)} (${formatLocalTime(expires)})`
}

function permissionsLine(token: WhoamiToken): string {
  if (!token.readable) return 'unknown: the token is opaque or encrypted, only its API can read it'
  const parts = [
    token.roles.length > 0 ? `roles ${printable(token.roles.join(', '), 300)}` : undefined,
    token.scp.length > 0 ? `scp ${printable(token.scp.join(' '), 300)}` : undefined,
  ]
  const found = parts.filter(Boolean)
  return found.length > 0 ? found.join('; ') : NO_PERMISSIONS
}
