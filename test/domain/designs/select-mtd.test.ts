import t from 'tap'
import { firstEliminated, overdoseProbability, pava, selectMtd } from '../../../src/domain/designs/select-mtd.js'

t.test('pava', async tt => {
  // textbook example (Barlow et al. 1972): the violating pair is pooled to its weighted mean
  tt.same(pava([0.1, 0.3, 0.2, 0.4], [1, 1, 1, 1]), [0.1, 0.25, 0.25, 0.4])
  // (0.5, 0.2) pool to 0.35 with weight 2, which then pools with 0.1 (weight 2): 0.225
  tt.same(pava([0.5, 0.2, 0.1], [1, 1, 2]).map(v => Number(v.toFixed(12))), [0.225, 0.225, 0.225])
  tt.same(pava([0.1, 0.2], [3, 1]), [0.1, 0.2], 'already monotone')
  tt.same(pava([], []), [])
})

t.test('overdoseProbability and firstEliminated', async tt => {
  // Pr(p > 0.3 | 3/3) under Beta(4, 1): 1 - 0.3^4 = 0.9919
  tt.ok(Math.abs(overdoseProbability(3, 3, 0.3) - (1 - 0.3 ** 4)) < 1e-12)
  // BOIN get.boundary, target 0.3: eliminate 3/3, not 2/3 (Pr = 0.9163)
  tt.equal(firstEliminated([{ n: 3, y: 0 }, { n: 3, y: 3 }, { n: 0, y: 0 }], 0.3, 0.95), 1)
  tt.equal(firstEliminated([{ n: 3, y: 2 }, { n: 2, y: 2 }], 0.3, 0.95), 2, 'n < 3 never eliminates')
})

t.test('selectMtd follows BOIN select.mtd', async tt => {
  // BOIN package documentation example (select.mtd): n = (3, 3, 15, 9, 0), y = (0, 0, 4, 4, 0),
  // target 0.3: the MTD is dose 3. The raw estimates (y + 0.05)/(n + 0.1) are already
  // monotone, so the isotonic ones equal them.
  const data = [[3, 0], [3, 0], [15, 4], [9, 4], [0, 0]].map(([n, y]) => ({ n, y }))
  const sel = selectMtd(data, 0.3)
  tt.equal(sel.index, 2)
  tt.same(sel.estimates, [0.05 / 3.1, 0.05 / 3.1, 4.05 / 15.1, 4.05 / 9.1, null])
  // a violation is pooled: (1/3 at level 1, 0/3 at level 2) both become the weighted mean
  const pooled = selectMtd([{ n: 3, y: 1 }, { n: 3, y: 0 }], 0.3).estimates
  tt.equal(pooled[0], pooled[1])
  // ties below the target go to the higher level (0/3 and 0/3 at target 0.3)
  tt.equal(selectMtd([{ n: 3, y: 0 }, { n: 3, y: 0 }], 0.3).index, 1)
  // ties above the target go to the lower level (2/3 and 2/3, not eliminated)
  tt.equal(selectMtd([{ n: 3, y: 2 }, { n: 3, y: 2 }], 0.3).index, 0)
  tt.equal(selectMtd([{ n: 3, y: 3 }, { n: 3, y: 0 }], 0.3).index, null, 'lowest dose eliminated: no MTD')
  tt.equal(selectMtd([{ n: 0, y: 0 }, { n: 0, y: 0 }], 0.3).index, null, 'nobody treated')
  tt.equal(selectMtd([{ n: 3, y: 0 }, { n: 3, y: 3 }, { n: 3, y: 0 }], 0.3).index, 0, 'levels above an eliminated one are out')
})
