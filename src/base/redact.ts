/**
 * Tokens and secrets may only ever be shown as a short prefix, enough to recognise which one it was
 * (`eyJ0eX…`), never enough to use it.
 */
export function redact(value: string | undefined, keep = 6): string {
  if (!value) return ''
  return value.length <= keep ? '…' : `${value.slice(0, keep)}…`
}

const JWT_LIKE = /eyJ[\w-]{4,}\.[\w-]{4,}\.?[\w-]*/g

/** Scrubs anything that looks like a JWT out of free text (error descriptions from libraries, for example). */
export function scrubTokens(text: string): string {
  return text.replace(JWT_LIKE, (m) => redact(m))
}
