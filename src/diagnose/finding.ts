/** One result of `doctor`: what was checked, how it stands, and (for ⚠ and ✗) what to do about it. */
export type FindingStatus = 'ok' | 'warn' | 'fail'

export interface Finding {
  /** Short name of the check: "secret store", "home folder", "proxy", "authority", "TLS", "clock", "profile". */
  check: string
  status: FindingStatus
  message: string
  fix?: string
}

export const ok = (check: string, message: string): Finding => ({check, message, status: 'ok'})
export const warn = (check: string, message: string, fix?: string): Finding => ({check, fix, message, status: 'warn'})
export const fail = (check: string, message: string, fix?: string): Finding => ({check, fix, message, status: 'fail'})
