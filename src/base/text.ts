/** Text on its way to a person or a stream: made safe for one terminal line, or written somewhere. */

/** Anything text can be written to: process.stderr, or a buffer (the fast path holds output until it is sure). */
export interface TextSink {
  write(text: string): unknown
}

/**
 * A claim or header value made safe for one line on a terminal: control characters (escape sequences, newlines)
 * a token's author chose cannot reach the screen, and a long value is cut.
 */
export function printable(value: unknown, max = 120): string {
  let text: string
  if (typeof value === 'string') text = value
  else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}

/**
 * Text on its way to a terminal with every control character but tab and newline made visible as '?': an escape
 * sequence a server or a file put in a message (an identity provider's error_description, a hand-edited value)
 * can neither recolour the terminal nor rewrite what was printed before.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
}
