import t from 'tap'
import { boinBoundaries, boinDecisionTable, decideBoin, type BoinParams } from '../../../src/domain/designs/boin.js'
import { designInput } from '../../helpers/design-input.js'

const p30: BoinParams = { startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 }

t.test('λe and λd: Liu & Yuan 2015 Table 1 (phi1 = 0.6 phi, phi2 = 1.4 phi)', async tt => {
  const published: Array<[number, number, number]> = [[0.2, 0.157, 0.238], [0.25, 0.197, 0.298], [0.3, 0.236, 0.358]]
  for (const [phi, le, ld] of published) {
    const b = boinBoundaries(phi)
    // the table prints 3 decimals (0.358 for 0.35852: not always rounded), so agree within 1e-3
    tt.ok(Math.abs(b.lambdaE - le) < 1e-3, `λe for ${phi}: ${b.lambdaE}`)
    tt.ok(Math.abs(b.lambdaD - ld) < 1e-3, `λd for ${phi}: ${b.lambdaD}`)
  }
  // explicit phi1/phi2: with phi1 = 0.6 x 0.3 and phi2 = 1.4 x 0.3 the same boundaries
  tt.same(boinBoundaries(0.3, 0.18, 0.42), boinBoundaries(0.3))
  tt.throws(() => boinBoundaries(0.3, 0.3, 0.42), RangeError)
  tt.throws(() => boinBoundaries(0.3, 0.18, 1), RangeError)
  tt.throws(() => decideBoin({ ...p30, phi1: 0.35 }, designInput(1, [[0, 0]])), RangeError)
})

// Boundaries for n = 1..12 as printed by the BOIN package's get.boundary (Yan et al. 2020,
// J Stat Softw 94(13); the same tables as Yuan et al. 2016, Clin Cancer Res 22:4291, Table 2):
// escalate if # DLT <= ..., de-escalate if # DLT >= ..., eliminate if # DLT >= ... (NA = null).
const NA = null
const published: Record<string, Array<Array<number | null>>> = {
  0.2: [
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
    [NA, NA, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]
  ],
  0.25: [
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2],
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4],
    [NA, NA, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6]
  ],
  0.3: [
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
    [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5],
    [NA, NA, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7]
  ]
}

t.test('decision table matches the published BOIN boundaries', async tt => {
  for (const [target, [esc, de, eli]] of Object.entries(published)) {
    const rows = boinDecisionTable({ ...p30, targetToxicity: Number(target) }, 12)
    tt.same(rows.map(r => r.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    tt.same(rows.map(r => r.escalateIfDltsAtMost), esc, `escalate, target ${target}`)
    tt.same(rows.map(r => r.deEscalateIfDltsAtLeast), de, `de-escalate, target ${target}`)
    tt.same(rows.map(r => r.eliminateIfDltsAtLeast), eli, `eliminate, target ${target}`)
  }
})

t.test('decisions', async tt => {
  const d = decideBoin(p30, designInput(2, [[3, 0], [6, 1], [0, 0]]))
  tt.same([d.action, d.nextDoseLevel], ['escalate', 3], '1/6 = 0.167 <= 0.236')
  tt.match(d.reasons[0], /observed DLT rate 0.167 <= λe = 0.2365: escalate/)
  const s = decideBoin(p30, designInput(2, [[3, 0], [6, 2], [0, 0]]))
  tt.same([s.action, s.nextDoseLevel], ['stay', 2], '2/6 = 0.333 between the boundaries')
  tt.match(s.reasons[0], /between λe = 0.2365 and λd = 0.3585: stay/)
  const de = decideBoin(p30, designInput(2, [[3, 0], [6, 3], [0, 0]]))
  tt.same([de.action, de.nextDoseLevel], ['de_escalate', 1], '3/6 = 0.5 >= 0.358')
  tt.match(de.reasons[0], />= λd = 0.3585: de-escalate/)
  const early = decideBoin({ ...p30, nEarlyStop: 12, maxSampleSize: 30, eliminationCutoff: 0.95, phi1: 0.18, phi2: 0.42 },
    designInput(2, [[3, 0], [12, 4], [0, 0]]))
  tt.same([early.action, early.mtdDoseLevel], ['complete', 2], '4/12 stays with 12 treated = nEarlyStop')
})
