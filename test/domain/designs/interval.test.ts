import t from 'tap'
import { decideInterval, intervalSafety, intervalTable, type IntervalDesign } from '../../../src/domain/designs/interval.js'
import { designInput } from '../../helpers/design-input.js'

// BOIN's rule for target 0.3 with the boundaries published by Liu & Yuan 2015
// (Table 1: λe = 0.236, λd = 0.358), written out here so that this test does not rely on boin.ts.
const boin30: IntervalDesign = {
  name: 'test',
  targetToxicity: 0.3,
  cohortSize: 3,
  eliminationCutoff: 0.95,
  safety: null,
  step: (y, n) => ({ step: y / n <= 0.236 ? 'E' : y / n >= 0.358 ? 'D' : 'S', reason: 'rule' })
}
const go = (input: ReturnType<typeof designInput>, d: IntervalDesign = boin30) => {
  const r = decideInterval(d, input)
  return [r.action, r.nextDoseLevel]
}

t.test('decisions with complete data at the current level', async tt => {
  tt.same(go(designInput(1, [[3, 0], [0, 0], [0, 0]])), ['escalate', 2], '0/3 escalates')
  tt.same(go(designInput(2, [[3, 0], [3, 1], [0, 0]])), ['stay', 2], '1/3 stays')
  tt.same(go(designInput(2, [[3, 0], [3, 2], [0, 0]])), ['de_escalate', 1], '2/3 de-escalates')
  tt.same(go(designInput(1, [[3, 2], [0, 0]])), ['stay', 1], 'de-escalation from the lowest level stays')
  tt.same(go(designInput(2, [[3, 0], [3, 0]])), ['stay', 2], 'escalation from the highest level stays')
  const topBelowEliminated = decideInterval(boin30, designInput(1, [[3, 0], [3, 3], [0, 0]]))
  tt.same([topBelowEliminated.action, topBelowEliminated.nextDoseLevel, topBelowEliminated.eliminated], ['stay', 1, [2, 3]],
    'never escalate into an eliminated level')
  tt.match(topBelowEliminated.reasons.join('|'), /highest admissible level/)
})

t.test('elimination', async tt => {
  const stop = decideInterval(boin30, designInput(2, [[3, 3], [3, 0]]))
  tt.same([stop.action, stop.nextDoseLevel, stop.mtdDoseLevel, stop.eliminated], ['stop_escalation', null, null, [1, 2]])
  tt.match(stop.reasons[0], /Pr\(DLT rate > 0.3\) = 0.992 > 0.95/)
  const down = decideInterval(boin30, designInput(3, [[3, 0], [3, 3], [3, 0]]))
  tt.same([down.action, down.nextDoseLevel, down.eliminated], ['de_escalate', 1, [2, 3]], 'current level above an eliminated one')
})

// BOIN's extrasafe rule (Yan et al. 2020, get.boundary: stop when Pr(p1 > target) > cutoff.eli - offset
// = 0.95 - 0.05 with at least 3 treated at the lowest dose), the default of every interval design.
t.test('safety stop at the lowest level', async tt => {
  const safe = { ...boin30, safety: intervalSafety({ targetToxicity: 0.3 }) }
  tt.same(safe.safety, { threshold: 0.3, probability: 0.9, byDefault: true })
  // 2/3: Pr(p > 0.3 | Beta(3, 2)) = 1 - 0.3^3 (4 - 3 x 0.3) = 0.916 > 0.9; 1/3 gives 0.652
  const stop = decideInterval(safe, designInput(2, [[3, 2], [3, 0]]))
  tt.same([stop.action, stop.nextDoseLevel, stop.mtdDoseLevel, stop.eliminated], ['stop_escalation', null, null, [1, 2]])
  tt.equal(stop.reasons[0], 'safety stop at level 1: 2 DLTs in 3 gives Pr(DLT rate > 0.3) = 0.916 > 0.9 (default, as BOIN\'s extrasafe)')
  tt.same(go(designInput(1, [[3, 1], [0, 0]]), safe), ['stay', 1], '1/3 goes on')
  tt.same(go(designInput(1, [[2, 2], [0, 0]]), safe), ['stay', 1], 'fewer than 3 evaluable: no safety stop yet')
  const own = { ...boin30, safety: intervalSafety({ targetToxicity: 0.3, safetyStop: { threshold: 0.3, probability: 0.8 } }) }
  tt.same(go(designInput(1, [[6, 2], [0, 0]]), own), ['stay', 1], '2/6: Pr = 0.647 is below the protocol\'s 0.8')
  const strict = decideInterval(own, designInput(1, [[6, 3], [0, 0]]))
  tt.equal(strict.reasons[0], 'safety stop at level 1: 3 DLTs in 6 gives Pr(DLT rate > 0.3) = 0.874 > 0.8', 'below the elimination cutoff 0.95')
  tt.equal(intervalSafety({ targetToxicity: 0.3, safetyStop: { disabled: true, reason: 'reviewed by the DMC at each cohort' } }), null)
})

t.test('maximum sample size and early stop', async tt => {
  const d = { ...boin30, maxSampleSize: 9 }
  const done = decideInterval(d, designInput(2, [[3, 0], [6, 2]]))
  tt.same([done.action, done.nextDoseLevel, done.mtdDoseLevel], ['complete', null, 2])
  tt.equal(done.reasons.length, 2)
  const provisional = decideInterval(d, designInput(2, [[3, 0], [3, 1, 3]]))
  tt.same([provisional.action, provisional.mtdDoseLevel], ['complete', 2])
  tt.match(provisional.reasons[2], /provisional: 3 participant/)
  const none = decideInterval(d, designInput(1, [[0, 0, 9], [0, 0]]))
  tt.same([none.action, none.mtdDoseLevel], ['complete', null])
  tt.match(none.reasons[1], /no level can be selected/)
  const early = decideInterval({ ...boin30, nEarlyStop: 9 }, designInput(2, [[3, 0], [9, 3], [0, 0]]))
  tt.same([early.action, early.mtdDoseLevel], ['complete', 2], '3/9 stays and n reached nEarlyStop')
  const notYet = decideInterval({ ...boin30, nEarlyStop: 9 }, designInput(2, [[3, 0], [9, 1], [0, 0]]))
  tt.equal(notYet.action, 'escalate', 'nEarlyStop only stops a decision to stay')
})

t.test('pending and open places at the current level', async tt => {
  tt.same(go(designInput(1, [[0, 0], [0, 0]])), ['stay', 1], 'nobody yet: enrol the first cohort')
  tt.same(go(designInput(1, [[0, 0, 3], [0, 0]])), ['stay', null], 'a full cohort pending: wait')
  tt.same(go(designInput(2, [[3, 0], [2, 2, 0, 2]])), ['de_escalate', 1], '2 DLTs in 2 of a cohort of 3 de-escalate whatever the third shows')
  tt.same(go(designInput(2, [[3, 0], [2, 2, 1]])), ['de_escalate', 1], 'the same with the third pending (3/3 would also eliminate)')
  tt.same(go(designInput(1, [[2, 2, 1], [0, 0]])), ['stay', null], 'lowest level: stay at 2/3 or stop at 3/3, so wait')
  // 12 evaluated without DLT and a new cohort of 3 pending: at most 3/15 <= floor(15 x 0.236) = 3 escalates anyway
  const rolling = decideInterval(boin30, designInput(1, [[12, 0, 3], [0, 0]]))
  tt.same([rolling.action, rolling.nextDoseLevel], ['escalate', 2])
  tt.match(rolling.reasons[1], /same whichever of the 3 outstanding/)
})

t.test('intervalTable', async tt => {
  // Liu & Yuan 2015 / BOIN get.boundary, target 0.3, n = 3, 6, 9, 12
  const rows = intervalTable(boin30, 12)
  tt.same(rows.filter(r => r.n % 3 === 0).map(r => [r.n, r.escalateIfDltsAtMost, r.deEscalateIfDltsAtLeast, r.eliminateIfDltsAtLeast]),
    [[3, 0, 2, 3], [6, 1, 3, 4], [9, 2, 4, 5], [12, 2, 5, 7]])
  tt.same(rows[0], { n: 1, escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 1, eliminateIfDltsAtLeast: null })
  const never = intervalTable({ ...boin30, step: () => ({ step: 'S', reason: '' }), eliminationCutoff: 1 }, 2)
  tt.same(never[1], { n: 2, escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null })
})
