import t from 'tap'
import fc from 'fast-check'
import {
  countByArm, countByDoseLevel, evaluateParticipant, nextWindowCloseAt, windowEnd,
  type ParticipantSummary, type WindowDefinition
} from '../../src/domain/evaluability.js'

// NCT07295067: DLTs are counted within 14 days of the (first) administration.
const def: WindowDefinition = { windowDays: 14, windowStart: 'first_administration' }
const ADMIN = '2026-01-01T09:00:00Z'
const END = '2026-01-16T00:00:00.000Z' // Jan 1 + 14 days inclusive: onsets up to Jan 15 count

const p = (over: Partial<ParticipantSummary> = {}): ParticipantSummary => ({
  participantId: '001-0001',
  doseLevel: 1,
  status: 'enrolled',
  withdrawnAt: null,
  firstAdministrationAt: ADMIN,
  lastAdministrationAt: ADMIN,
  dltCount: 0,
  pendingDltCount: 0,
  ...over
})
const statusAt = (s: ParticipantSummary, asOf: string) => evaluateParticipant(s, def, asOf).status

t.test('window end follows the inclusive day window of dlt.ts', async (t) => {
  t.equal(windowEnd(p(), def), END)
  t.equal(windowEnd(p({ firstAdministrationAt: null, lastAdministrationAt: null }), def), null)
  t.equal(windowEnd(p({ lastAdministrationAt: '2026-02-01T23:59:00Z' }), { windowDays: 7, windowStart: 'each_administration' }), '2026-02-09T00:00:00.000Z')
})

t.test('participant status', async (t) => {
  t.same(evaluateParticipant(p({ armId: 'low' }), def, '2026-01-10T00:00:00Z'),
    { participantId: '001-0001', doseLevel: 1, armId: 'low', status: 'pending', hadDlt: false, windowEnd: END })
  t.equal(statusAt(p(), '2026-01-15T23:59:59Z'), 'pending')
  t.equal(statusAt(p(), END), 'evaluable')
  t.same(evaluateParticipant(p({ dltCount: 1 }), def, '2026-01-03T00:00:00Z'),
    { participantId: '001-0001', doseLevel: 1, status: 'evaluable', hadDlt: true, windowEnd: END }, 'a DLT makes evaluable at once')
  t.equal(statusAt(p({ dltCount: 1, status: 'withdrawn', withdrawnAt: '2026-01-04T00:00:00Z' }), '2026-01-05T00:00:00Z'), 'evaluable')
  t.equal(statusAt(p({ pendingDltCount: 1 }), '2026-02-01T00:00:00Z'), 'pending', 'a pending AE keeps the participant pending past the window')
  t.equal(statusAt(p({ status: 'withdrawn', withdrawnAt: '2026-01-08T00:00:00Z' }), '2026-02-01T00:00:00Z'), 'not_evaluable')
  t.equal(statusAt(p({ status: 'withdrawn', withdrawnAt: END }), '2026-02-01T00:00:00Z'), 'evaluable')
  t.equal(statusAt(p({ status: 'withdrawn' }), '2026-02-01T00:00:00Z'), 'not_evaluable', 'withdrawal time unknown')
  t.equal(statusAt(p({ status: 'withdrawn', firstAdministrationAt: null, withdrawnAt: '2026-01-08T00:00:00Z' }), '2026-02-01T00:00:00Z'), 'not_evaluable')
  t.equal(statusAt(p({ firstAdministrationAt: null }), '2026-02-01T00:00:00Z'), 'pending', 'enrolled, not yet dosed')
  t.equal(statusAt(p({ status: 'completed', firstAdministrationAt: null }), '2026-02-01T00:00:00Z'), 'not_evaluable')
  t.equal(statusAt(p({ status: 'completed' }), '2026-01-10T00:00:00Z'), 'not_evaluable')
  t.equal(statusAt(p({ status: 'completed' }), '2026-02-01T00:00:00Z'), 'evaluable')
})

t.test('counts per dose level and per arm with exact 95% intervals', async (t) => {
  const asOf = '2026-02-01T00:00:00Z'
  const ps = [
    p({ participantId: 'a' }),
    p({ participantId: 'b', dltCount: 1 }),
    p({ participantId: 'c' }),
    p({ participantId: 'd' }),
    p({ participantId: 'e' }),
    p({ participantId: 'f' }),
    p({ participantId: 'g', firstAdministrationAt: null }),
    p({ participantId: 'h', status: 'withdrawn', withdrawnAt: '2026-01-02T00:00:00Z' }),
    p({ participantId: 'i', doseLevel: 2, armId: 'high' }),
    p({ participantId: 'j', doseLevel: 2, armId: 'high' }),
    p({ participantId: 'k', doseLevel: 2, armId: 'high' })
  ].map((x) => evaluateParticipant(x, def, asOf))
  const [one, two, three] = countByDoseLevel(ps, [1, 2, 3])
  t.match(one, { doseLevel: 1, enrolled: 7, evaluable: 6, pending: 1, notEvaluable: 1, dlts: 1 })
  t.equal(one!.dltRate, 1 / 6)
  // Clopper & Pearson (1934) exact limits for 1/6: lower 1 - 0.975^(1/6) = 0.0042,
  // upper 0.6412 (standard binomial confidence-limit tables)
  t.ok(Math.abs(one!.ci95[0] - 0.0042) < 1e-4 && Math.abs(one!.ci95[1] - 0.6412) < 1e-4, `1/6: ${one!.ci95.join(', ')}`)
  // 0/3: upper limit 1 - 0.025^(1/3) = 0.7076
  t.match(two, { doseLevel: 2, enrolled: 3, evaluable: 3, dlts: 0, dltRate: 0 })
  t.ok(two!.ci95[0] === 0 && Math.abs(two!.ci95[1] - 0.7076) < 1e-4, `0/3: ${two!.ci95.join(', ')}`)
  t.same(three, { doseLevel: 3, enrolled: 0, evaluable: 0, pending: 0, notEvaluable: 0, dlts: 0, dltRate: null, ci95: [0, 1] })
  const arms = countByArm(ps, [{ armId: 'high', doseLevel: 2 }, { armId: 'control', doseLevel: 0 }])
  t.match(arms, [{ armId: 'high', doseLevel: 2, evaluable: 3 }, { armId: 'control', doseLevel: 0, enrolled: 0 }])
})

t.test('the next instant at which time alone changes a status', async (t) => {
  const asOf = '2026-01-10T00:00:00Z'
  t.equal(nextWindowCloseAt([
    p({ participantId: 'a' }),
    p({ participantId: 'b', firstAdministrationAt: '2026-01-03T10:00:00Z' }),
    p({ participantId: 'c', firstAdministrationAt: '2025-12-01T10:00:00Z' }),
    p({ participantId: 'd', firstAdministrationAt: null })
  ], def, asOf), END)
  t.equal(nextWindowCloseAt([
    p({ participantId: 'a', pendingDltCount: 1, pendingDltUntil: '2026-01-12T00:00:00.000Z' }),
    p({ participantId: 'b', pendingDltCount: 1 })
  ], def, asOf), '2026-01-12T00:00:00.000Z')
  t.equal(nextWindowCloseAt([p({ dltCount: 1 }), p({ status: 'withdrawn' })], def, asOf), null)
})

t.test('property: counts partition the participants of a level', async (t) => {
  const summary = fc.record({
    participantId: fc.string({ minLength: 1, maxLength: 4 }),
    doseLevel: fc.integer({ min: 1, max: 3 }),
    status: fc.constantFrom('enrolled' as const, 'withdrawn' as const, 'completed' as const),
    withdrawnAt: fc.option(fc.integer({ min: 0, max: 60 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString())),
    firstAdministrationAt: fc.option(fc.integer({ min: 0, max: 40 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d, 9)).toISOString())),
    dltCount: fc.integer({ min: 0, max: 2 }),
    pendingDltCount: fc.integer({ min: 0, max: 1 })
  }).map((s) => ({ ...s, lastAdministrationAt: s.firstAdministrationAt }))
  fc.assert(fc.property(fc.array(summary, { maxLength: 20 }), fc.integer({ min: 0, max: 90 }), (ps, day) => {
    const asOf = new Date(Date.UTC(2026, 0, 1 + day)).toISOString()
    const rows = countByDoseLevel(ps.map((x) => evaluateParticipant(x, def, asOf)), [1, 2, 3])
    return rows.every((r) => {
      const members = ps.filter((x) => x.doseLevel === r.doseLevel)
      return r.enrolled + r.notEvaluable === members.length &&
        r.enrolled === r.evaluable + r.pending &&
        r.dlts === members.filter((x) => x.dltCount > 0).length &&
        r.dlts <= r.evaluable && r.ci95[0] <= r.ci95[1]
    })
  }))
  t.pass('held for all generated participant sets')
})
