import {expect} from 'chai'
import {MAX_DURATION_MS, parseDuration} from '../../../src/base/duration.js'

describe('durations', () => {
  it('reads seconds and unit sums', () => {
    expect(parseDuration('90', '--timeout')).to.equal(90_000)
    expect(parseDuration('1h30m', '--timeout')).to.equal(5_400_000)
    expect(parseDuration('250ms', '--timeout')).to.equal(250)
  })

  it('accepts up to 24 days, which Node timers can hold (2^31-1 ms), and refuses more with the longest named', () => {
    expect(parseDuration('24d', '--timeout')).to.equal(MAX_DURATION_MS)
    expect(MAX_DURATION_MS).to.be.below(2 ** 31 - 1)
    for (const text of ['25d', '24d1s', '2592000', '600h']) {
      expect(() => parseDuration(text, '--timeout'), text).to.throw(
        `Invalid --timeout '${text}': the longest is 24 days (24d).`,
      )
    }
  })
})
