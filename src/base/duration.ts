import {UsageError} from './errors.js'

/** "90", "90s", "5m", "1h30m" → milliseconds. Plain numbers are seconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
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
