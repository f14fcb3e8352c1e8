import t from 'tap'
import { decideRolling6, rolling6DecisionTable } from '../../../src/domain/designs/rolling6.js'
import { designInput, type LevelTuple } from '../../helpers/design-input.js'

// Skolnik et al. 2008, J Clin Oncol 26:190-195, Table 1 (rolling six decision rules):
// enrolled | with DLT | without DLT | pending | decision
const table1: Array<[number, number, number, number, 'same' | 'escalate' | 'de-escalate' | 'suspend']> = [
  [2, 0, 0, 2, 'same'], [2, 0, 2, 0, 'same'], [2, 1, 1, 0, 'same'], [2, 1, 0, 1, 'same'], [2, 2, 0, 0, 'de-escalate'],
  [3, 0, 2, 1, 'same'], [3, 0, 0, 3, 'same'], [3, 1, 2, 0, 'same'], [3, 1, 0, 2, 'same'], [3, 0, 3, 0, 'escalate'],
  [3, 2, 1, 0, 'de-escalate'], [3, 2, 0, 1, 'de-escalate'],
  [4, 0, 2, 2, 'same'], [4, 1, 3, 0, 'same'], [4, 1, 0, 3, 'same'], [4, 0, 3, 1, 'escalate'], [4, 0, 4, 0, 'escalate'],
  [4, 2, 2, 0, 'de-escalate'], [4, 2, 0, 2, 'de-escalate'],
  [5, 0, 2, 3, 'same'], [5, 1, 4, 0, 'same'], [5, 1, 0, 4, 'same'], [5, 0, 3, 2, 'escalate'], [5, 0, 5, 0, 'escalate'],
  [5, 2, 3, 0, 'de-escalate'], [5, 3, 0, 2, 'de-escalate'],
  [6, 0, 2, 4, 'suspend'], [6, 0, 0, 6, 'suspend'], [6, 1, 4, 1, 'suspend'], [6, 1, 0, 5, 'suspend'],
  [6, 0, 3, 3, 'escalate'], [6, 0, 6, 0, 'escalate'], [6, 1, 5, 0, 'escalate'],
  [6, 2, 4, 0, 'de-escalate'], [6, 2, 0, 4, 'de-escalate']
]
const expected = { same: ['stay', 2], escalate: ['escalate', 3], 'de-escalate': ['de_escalate', 1], suspend: ['stay', null] }

t.test('Table 1 at a middle level (3 enrolled at the level below)', async tt => {
  for (const [enrolled, dlts, free, pending, decision] of table1) {
    const d = decideRolling6(designInput(2, [[3, 0], [dlts + free, dlts, pending, enrolled], [0, 0]]))
    tt.same([d.action, d.nextDoseLevel], expected[decision], `${enrolled} enrolled, ${dlts} DLT, ${free} without, ${pending} pending: ${decision}`)
  }
})

const run = (current: number, levels: LevelTuple[]) => {
  const d = decideRolling6(designInput(current, levels))
  return [d.action, d.nextDoseLevel, d.mtdDoseLevel ?? null]
}

t.test('footnotes: MTD defined when six were already entered at the next lower level', async tt => {
  tt.same(run(2, [[6, 1], [3, 2], [0, 0]]), ['mtd_reached', null, 1])
  tt.same(run(2, [[5, 1, 1], [3, 2], [0, 0]]), ['stay', null, null], 'six entered below, one still pending: wait')
  tt.same(run(1, [[3, 2], [0, 0]]), ['stop_escalation', null, null], 'the lowest level is too toxic')
  tt.same(run(3, [[3, 0], [3, 2], [0, 0, 2]]), ['de_escalate', 1, null], 'current level above an eliminated one')
})

t.test('at the highest admissible level the dose needs six evaluated', async tt => {
  tt.same(run(2, [[3, 0], [3, 0]]), ['expand_cohort', 2, null], '0/3 at the top: enrol up to six')
  tt.same(run(2, [[3, 0], [3, 0, 3]]), ['stay', null, null], 'six enrolled at the top, three pending: suspend')
  tt.same(run(2, [[3, 0], [6, 1]]), ['mtd_reached', null, 2])
  tt.same(run(1, [[4, 0], [3, 2]]), ['expand_cohort', 1, null], 'below an eliminated level')
  tt.same(run(1, [[1, 0, 1], [0, 0]]), ['stay', 1, null], 'fewer than two enrolled: same level')
})

t.test('decision table with all outcomes known', async tt => {
  tt.same(rolling6DecisionTable().map(r => [r.n, r.escalateIfDltsAtMost, r.deEscalateIfDltsAtLeast, r.eliminateIfDltsAtLeast]),
    [[2, null, 2, 2], [3, 0, 2, 2], [4, 0, 2, 2], [5, 0, 2, 2], [6, 1, 2, 2]])
})
