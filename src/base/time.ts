/**
 * Times as people read them in a terminal: local wall-clock time with its UTC offset (unambiguous when pasted into
 * a ticket) and coarse relative phrases ("expires in 42 min", "expired 3 h ago").
 */

/** `2026-11-26 17:30:05 +01:00` in the machine's time zone. */
export function formatLocalTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  return `${day} ${time} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** A span of seconds, rounded down to the unit that matters at its size: `45 s`, `42 min`, `2 h 5 min`, `3 h`, `12 d`. */
export function formatSpan(seconds: number): string {
  const s = Math.floor(Math.abs(seconds))
  if (s < 60) return `${s} s`
  const minutes = Math.floor(s / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  // Below three hours the minutes still matter ("1 h 50 min" is not "1 h"); above, they are noise.
  if (hours < 3) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  if (hours < 48) return `${hours} h`
  return `${Math.floor(hours / 24)} d`
}

/** "expires in 42 min" / "expired 3 h ago", relative to `now`. */
export function expiryPhrase(expiresOn: Date, now: Date): string {
  const left = (expiresOn.getTime() - now.getTime()) / 1000
  return left > 0 ? `expires in ${formatSpan(left)}` : `expired ${formatSpan(left)} ago`
}
