import t from 'tap'
import { decideNone, noneDecisionTable } from '../../../src/domain/designs/none.js'

t.test('no escalation design', async tt => {
  tt.same(decideNone(), { action: 'stay', nextDoseLevel: null, eliminated: [], reasons: ['no escalation design: stopping rules only'] })
  const rows = noneDecisionTable(3)
  tt.same(rows, [1, 2, 3].map(n => ({ n, escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null })))
})
