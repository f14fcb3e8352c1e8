import t from 'tap'
import { decideMtpi2, mtpi2DecisionTable, mtpi2Intervals } from '../../../src/domain/designs/mtpi2.js'
import { designInput } from '../../helpers/design-input.js'

const p = { startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 }

t.test('intervals: Guo et al. 2017, Section 2 (pT = 0.3, EI = [0.25, 0.35], width 0.1)', async tt => {
  const iv = mtpi2Intervals(0.3).map(i => [Number(i.lo.toFixed(2)), Number(i.hi.toFixed(2)), i.step])
  tt.same(iv, [
    [0, 0.05, 'E'], [0.05, 0.15, 'E'], [0.15, 0.25, 'E'], [0.25, 0.35, 'S'],
    [0.35, 0.45, 'D'], [0.45, 0.55, 'D'], [0.55, 0.65, 'D'], [0.65, 0.75, 'D'],
    [0.75, 0.85, 'D'], [0.85, 0.95, 'D'], [0.95, 1, 'D']
  ])
  tt.throws(() => mtpi2Intervals(0.3, 0.3, 0.05), RangeError)
  tt.throws(() => mtpi2Intervals(0.3, 0.05, 0), RangeError)
})

// mTPI-2 decisions for pT = 0.3, EI = [0.25, 0.35] (Guo et al. 2017, Contemp Clin Trials
// 58:23-33, decision table; also tabulated by Liu, Wang & Ji 2020 for comparison with i3+3).
// Per n: E for y <= first, D (or DU) for y >= second, DU for y >= third.
//   n=1: E D        n=2: E D D        n=3: E S D DU       n=4: E S D DU DU
//   n=5: E E D D DU DU                n=6: E E S D DU DU DU
//   n=7: E E S D D DU DU DU           n=8: E E S D D DU DU DU DU
//   n=9: E E E S D DU DU DU DU DU
const published = [
  [1, 0, 1, null], [2, 0, 1, null], [3, 0, 2, 3], [4, 0, 2, 3], [5, 1, 2, 4],
  [6, 1, 3, 4], [7, 1, 3, 5], [8, 1, 3, 5], [9, 2, 4, 5]
]

t.test('decision table for pT = 0.3, epsilon 0.05, n <= 9', async tt => {
  const rows = mtpi2DecisionTable(p, 9)
  tt.same(rows.map(r => [r.n, r.escalateIfDltsAtMost, r.deEscalateIfDltsAtLeast, r.eliminateIfDltsAtLeast]), published)
  tt.same(mtpi2DecisionTable({ ...p, epsilon1: 0.05, epsilon2: 0.05, eliminationCutoff: 0.95 }, 9), rows, 'explicit defaults')
})

t.test('decisions', async tt => {
  const s = decideMtpi2(p, designInput(1, [[3, 1], [0, 0]]))
  tt.same([s.action, s.nextDoseLevel], ['stay', 1])
  tt.match(s.reasons[0], /largest unit probability mass [0-9.]+ in \(0.25, 0.35\), the equivalence interval: stay/)
  const e = decideMtpi2(p, designInput(1, [[3, 0], [0, 0]]))
  tt.match(e.reasons[0], /under-dosing: escalate/)
  const d = decideMtpi2({ ...p, cohortSize: 1 }, designInput(2, [[3, 0], [5, 2], [0, 0]]))
  tt.same([d.action, d.nextDoseLevel], ['de_escalate', 1], '2/5 de-escalates under mTPI-2')
  tt.match(d.reasons[0], /over-dosing: de-escalate/)
})
