import {UsageError} from './errors.js'

/**
 * The longest duration accepted: Node's timers hold at most 2^31-1 ms (~24.8 days) and fire at once past that
 * (with a TimeoutOverflowWarning), so a longer --timeout would mean "no time at all". 24 days leaves room for the
 * grace periods added to a run's timeout.
 */
export const MAX_DURATION_MS = 24 * 86_400_000

/** "90", "90s", "5m", "1h30m" → milliseconds. Plain numbers are seconds. At most 24 days. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim()
  const ms = /^\d+(\.\d+)?$/.test(trimmed) ? Math.round(Number(trimmed) * 1000) : sumOfParts(trimmed, text, flag)
  if (ms > MAX_DURATION_MS) throw new UsageError(`Invalid ${flag} '${text}': the longest is 24 days (24d).`)
  return ms
}

function sumOfParts(trimmed: string, text: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
  let total = 0
  let consumed = 0
  for (const match of trimmed.matchAll(re)) {
    total += Number(match[1]) * {d: 86_400_000, h: 3_600_000, m: 60_000, ms: 1, s: 1000}[match[2] as 'ms']
    consumed += match[0].length
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new UsageError(`Invalid ${flag} '${text}': use seconds (90) or a duration such as 90s, 5m, 1h30m.`)
  }
  return Math.round(total)
}
