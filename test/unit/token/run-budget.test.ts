import {expect} from 'chai'
import {MAX_EXTENSION_MS, RunBudget} from '../../../src/token/run-budget.js'

describe('run budget: the deadline a flow may extend', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('moves a default deadline later (the signal fires then, not before), never earlier, at most 15 minutes', async () => {
    const budget = new RunBudget(60, false)
    expect(budget.extend(400)).to.be.within(350, 400)
    await pause(150)
    expect(budget.signal.aborted, 'the first deadline was moved').to.equal(false)
    await pause(350)
    expect(budget.signal.aborted).to.equal(true)
    expect(budget.totalMs).to.be.within(390, 450)

    const long = new RunBudget(10_000, false)
    expect(long.extend(100), 'never earlier').to.be.above(9000)
    expect(long.extend(60 * 60_000), 'capped').to.be.at.most(MAX_EXTENSION_MS)
    expect(long.longestMs).to.equal(10_000 + MAX_EXTENSION_MS)
  })

  it('leaves a --timeout the user gave alone', async () => {
    const budget = new RunBudget(60, true)
    expect(budget.extend(400)).to.be.at.most(60)
    expect(budget.longestMs).to.equal(60)
    await pause(150)
    expect(budget.signal.aborted).to.equal(true)
  })
})
