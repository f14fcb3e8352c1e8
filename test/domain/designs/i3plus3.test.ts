import t from 'tap'
import { decideI3plus3, i3plus3DecisionTable } from '../../../src/domain/designs/i3plus3.js'
import { designInput } from '../../helpers/design-input.js'

const p = { startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 }

// i3+3 decisions for pT = 0.3, EI = [0.25, 0.35] (Liu, Wang & Ji 2020, J Biopharm Stat 30(2):294-304,
// decision table; rules of Section 2): per n, E for y <= first, D (or DU) for y >= second, DU for y >= third.
//   n=1: E S        n=2: E S D        n=3: E S D DU       n=4: E S D DU DU
//   n=5: E E S D DU DU                n=6: E E S D DU DU DU
//   n=7: E E S D D DU DU DU           n=8: E E S D D DU DU DU DU
//   n=9: E E E S D DU DU DU DU DU
const published = [
  [1, 0, null, null], [2, 0, 2, null], [3, 0, 2, 3], [4, 0, 2, 3], [5, 1, 3, 4],
  [6, 1, 3, 4], [7, 1, 3, 5], [8, 1, 3, 5], [9, 2, 4, 5]
]

t.test('decision table for pT = 0.3, epsilon 0.05, n <= 9', async tt => {
  const rows = i3plus3DecisionTable(p, 9)
  tt.same(rows.map(r => [r.n, r.escalateIfDltsAtMost, r.deEscalateIfDltsAtLeast, r.eliminateIfDltsAtLeast]), published)
  tt.same(i3plus3DecisionTable({ ...p, epsilon1: 0.05, epsilon2: 0.05, eliminationCutoff: 0.95 }, 9), rows)
  tt.throws(() => i3plus3DecisionTable({ ...p, epsilon1: 0.3 }, 3), RangeError)
  tt.throws(() => i3plus3DecisionTable({ ...p, epsilon2: 0.7 }, 3), RangeError)
})

t.test('decisions and reasons', async tt => {
  const e = decideI3plus3(p, designInput(1, [[3, 0], [0, 0]]))
  tt.same([e.action, e.nextDoseLevel], ['escalate', 2])
  tt.match(e.reasons[0], /y\/n = 0.000 below the equivalence interval \[0.250, 0.350\]: escalate/)
  const s = decideI3plus3(p, designInput(2, [[3, 0], [3, 1], [0, 0]]))
  tt.match(s.reasons[0], /inside the equivalence interval/)
  // 2/5 = 0.4 is above the EI but 1/5 = 0.2 is below it: stay (where mTPI-2 de-escalates)
  const s2 = decideI3plus3({ ...p, cohortSize: 1 }, designInput(2, [[3, 0], [5, 2], [0, 0]]))
  tt.same([s2.action, s2.nextDoseLevel], ['stay', 2])
  tt.match(s2.reasons[0], /\(y-1\)\/n = 0.200 is below it: stay/)
  const d = decideI3plus3(p, designInput(2, [[3, 0], [3, 2], [0, 0]]))
  tt.same([d.action, d.nextDoseLevel], ['de_escalate', 1])
  tt.match(d.reasons[0], /is not below it: de-escalate/)
})
