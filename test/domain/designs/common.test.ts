import t from 'tap'
import { currentIndex, decideOverOutcomes, dlt, unfilledPlaces } from '../../../src/domain/designs/common.js'
import type { DesignDecision } from '../../../src/domain/designs/types.js'
import { designInput } from '../../helpers/design-input.js'

t.test('currentIndex validates the input', async tt => {
  tt.equal(currentIndex(designInput(2, [[3, 0], [0, 0]])), 1)
  tt.throws(() => currentIndex({ doseLevels: [], currentDoseLevel: 1, counts: [] }), /at least one dose level/)
  tt.throws(() => currentIndex({ ...designInput(1, [[0, 0]]), doseLevels: [1, 2] }), /1 entries for 2 dose levels/)
  const bad = designInput(1, [[0, 0], [0, 0]])
  tt.throws(() => currentIndex({ ...bad, doseLevels: [1, 1] }), /strictly ascending/)
  tt.throws(() => currentIndex({ ...bad, doseLevels: [1, 3] }), /counts\[1\] is for level 2, expected 3/)
  tt.throws(() => currentIndex(designInput(1, [[-1, 0]])), /non-negative integers/)
  tt.throws(() => currentIndex(designInput(1, [[1.5, 0]])), /non-negative integers/)
  tt.throws(() => currentIndex(designInput(1, [[1, 2]])), /inconsistent/)
  tt.throws(() => currentIndex(designInput(1, [[3, 0, 1, 3]])), /inconsistent/)
  tt.throws(() => currentIndex(designInput(3, [[0, 0]])), /current dose level 3 is not one of 1/)
})

t.test('unfilledPlaces counts the open places of the current cohort', async tt => {
  tt.equal(unfilledPlaces(0, 3), 3, 'nobody yet: a whole cohort')
  tt.equal(unfilledPlaces(1, 3), 2)
  tt.equal(unfilledPlaces(3, 3), 0)
  tt.equal(unfilledPlaces(7, 3), 2)
  tt.equal(dlt(1), '1 DLT')
  tt.equal(dlt(2), '2 DLTs')
})

const d = (action: DesignDecision['action'], next: number | null): DesignDecision =>
  ({ action, nextDoseLevel: next, eliminated: [], reasons: [`${action} ${next}`] })
const ctx = { currentLevel: 3, pending: 2, unfilled: 1, eliminated: [5], summary: 'known so far' }

t.test('decideOverOutcomes', async tt => {
  const same = decideOverOutcomes([d('escalate', 4), d('escalate', 4)], ctx)
  tt.equal(same.action, 'escalate')
  tt.equal(same.nextDoseLevel, 4)
  tt.same(same.eliminated, [5], 'elimination is from the observed data')
  tt.match(same.reasons.join('|'), /same whichever of the 3 outstanding/)

  const fill = decideOverOutcomes([d('escalate', 4), d('de_escalate', 2)], ctx)
  tt.same([fill.action, fill.nextDoseLevel], ['stay', 3], 'fill the cohort at the current level')
  const expand = decideOverOutcomes([d('stay', 3), d('stop_escalation', null)], { ...ctx, fillAction: 'expand_cohort' })
  tt.same([expand.action, expand.nextDoseLevel], ['expand_cohort', 3])
  const lower = decideOverOutcomes([d('de_escalate', 2), d('de_escalate', 1), d('stop_escalation', null)], ctx)
  tt.same([lower.action, lower.nextDoseLevel], ['de_escalate', 2], 'every outcome leads at most to level 2')
  const terminal = decideOverOutcomes([d('mtd_reached', null), d('stop_escalation', null)], ctx)
  tt.same([terminal.action, terminal.nextDoseLevel], ['stay', 3], 'terminal outcomes that disagree: fill the cohort')
  // Storer's top-dose confirmation: 0/3 + 1 enrolled at the top is the MTD with at most 1 DLT in 6, else the level below
  const confirm = decideOverOutcomes([{ ...d('mtd_reached', null), mtdDoseLevel: 3 }, d('de_escalate', 2)], ctx)
  tt.same([confirm.action, confirm.nextDoseLevel], ['stay', 3], 'an outcome that makes the current level the MTD keeps filling it')

  const wait = decideOverOutcomes([d('escalate', 4), d('stay', 3)], { ...ctx, unfilled: 0 })
  tt.same([wait.action, wait.nextDoseLevel], ['stay', null])
  tt.match(wait.reasons[1], /^wait: the outcome of 2 pending/)
})
