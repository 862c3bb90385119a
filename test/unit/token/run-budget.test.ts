import {expect} from 'chai'
import {mock} from 'node:test'
import {MAX_EXTENSION_MS, RunBudget} from '../../../src/token/run-budget.js'

describe('run budget: the deadline a flow may extend', () => {
  // A mocked clock (Date and setTimeout): the deadlines are checked to the millisecond, and no test waits for them.
  beforeEach(() => mock.timers.enable({apis: ['Date', 'setTimeout'], now: 1_000_000}))
  afterEach(() => mock.timers.reset())

  it('moves a default deadline later (the signal fires then, not before), never earlier, at most 15 minutes', () => {
    const budget = new RunBudget(60, false)
    expect(budget.extend(400)).to.equal(400)
    mock.timers.tick(399)
    expect(budget.signal.aborted, 'the first deadline was moved').to.equal(false)
    expect(budget.left()).to.equal(1)
    mock.timers.tick(1)
    expect(budget.signal.aborted).to.equal(true)
    expect(budget.totalMs).to.equal(400)
    expect(budget.extend(1000), 'an aborted run stays aborted').to.equal(0)

    const long = new RunBudget(10_000, false)
    mock.timers.tick(1000)
    expect(long.extend(100), 'never earlier').to.equal(9000)
    expect(long.extend(60 * 60_000), 'capped').to.equal(MAX_EXTENSION_MS)
    expect(long.totalMs).to.equal(1000 + MAX_EXTENSION_MS)
    expect(long.longestMs).to.equal(10_000 + MAX_EXTENSION_MS)
  })

  it('leaves a --timeout the user gave alone', () => {
    const budget = new RunBudget(60, true)
    expect(budget.extend(400)).to.equal(60)
    expect(budget.longestMs).to.equal(60)
    mock.timers.tick(59)
    expect(budget.signal.aborted).to.equal(false)
    mock.timers.tick(1)
    expect(budget.signal.aborted).to.equal(true)
  })

  it('an app-only run (not extendable) keeps its deadline and holds the lock no longer than its timeout', () => {
    const budget = new RunBudget(60, false, undefined, false)
    expect(budget.extend(400)).to.be.at.most(60)
    expect(budget.longestMs).to.equal(60)
    mock.timers.tick(59)
    expect(budget.signal.aborted).to.equal(false)
    mock.timers.tick(1)
    expect(budget.signal.aborted).to.equal(true)
  })
})
