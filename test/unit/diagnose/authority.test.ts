import {expect} from 'chai'
import {clockFinding} from '../../../src/diagnose/authority.js'

describe('diagnose/authority: clock skew against the Date header', () => {
  const now = Date.parse('2026-03-04T05:06:07Z')
  const date = (offsetSeconds: number) => new Date(now + offsetSeconds * 1000).toUTCString()

  it('agrees within a minute, warns beyond, fails beyond 5 minutes (Entra refuses assertions then)', () => {
    expect(clockFinding(date(0), now - 200, now + 200, 'h')).to.deep.include({
      message: "This machine's clock agrees with h (within 1 s).",
      status: 'ok',
    })
    expect(clockFinding(date(-90), now, now, 'h')).to.deep.include({
      message: "This machine's clock is 90 s ahead of h.",
      status: 'warn',
    })
    const behind = clockFinding(date(400), now, now, 'h')
    expect(behind.status).to.equal('fail')
    expect(behind.message).to.match(/^This machine's clock is 400 s behind h\. /)
    expect(behind.fix).to.match(/timedatectl set-ntp true/)
  })

  it('says so when there is no Date header to compare with', () => {
    expect(clockFinding(undefined, now, now, 'h').status).to.equal('warn')
  })
})
