/**
 * What the browser shows when the identity provider hands the sign-in back to our loopback listener. Self-contained
 * HTML (no script, no external resources) served with a strict CSP; the message is one line we wrote, escaped.
 */
import {BIN} from '../base/product.js'

export const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Content-Type': 'text/html; charset=utf-8',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'"': '&quot;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;'})[c]!)
}

function page(outcome: 'success' | 'failure', title: string, message: string): string {
  const colour = outcome === 'success' ? '#107c10' : '#a80000'
  const mark = outcome === 'success' ? '&#10003;' : '&#10007;'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(BIN)}: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f3f2f1;color:#323130;margin:0}
main{max-width:30rem;margin:5rem auto;background:#fff;padding:2rem 2.5rem;border-radius:4px;box-shadow:0 1.6px 3.6px rgba(0,0,0,.13)}
h1{font-size:1.4rem;color:${colour};margin-top:0}.mark{font-size:2.5rem;color:${colour}}p{line-height:1.5}</style></head>
<body><main id="result" data-outcome="${outcome}"><div class="mark" aria-hidden="true">${mark}</div>
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`
}

export function successPage(): string {
  return page(
    'success',
    'You are signed in',
    `${BIN} has its token. You can close this tab and return to the terminal.`,
  )
}

export function failurePage(message: string): string {
  return page('failure', 'Sign-in did not complete', `${message} Return to the terminal for details.`)
}
