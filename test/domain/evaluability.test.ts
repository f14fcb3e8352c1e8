import t from 'tap'
import fc from 'fast-check'
import {
  countByArm, countByDoseLevel, dltAssessmentRefusal, evaluateParticipant, nextWindowCloseAt, waitingReasons, windowEnd,
  type ParticipantSummary, type WindowDefinition
} from '../../src/domain/evaluability.js'
import type { Schedule } from '../../src/domain/protocol.js'
import { addDays } from '../../src/domain/site-calendar.js'

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

// Issue #16: in the open-label trial with a blank control, control participants were pending for ever and
// showed a "DLT rate". A DMC expects the control row to count who is enrolled there and nothing else: no
// participant of a group given no investigational dose is DLT-evaluable, pending a DLT or counted with one.
t.test('a control group is enrolled but never DLT-evaluable', async (t) => {
  const asOf = '2026-03-01T00:00:00Z'
  const control = [
    p({ participantId: 'c1', doseLevel: 0, dltCount: 1 }),
    p({ participantId: 'c2', doseLevel: 0 }),
    p({ participantId: 'c3', doseLevel: 0, firstAdministrationAt: null }),
    p({ participantId: 'c4', doseLevel: 0, status: 'withdrawn', withdrawnAt: '2026-01-02T00:00:00Z' })
  ].map((x) => evaluateParticipant(x, def, asOf))
  t.same(countByDoseLevel(control, [0])[0], { doseLevel: 0, enrolled: 3, evaluable: 0, pending: 0, notEvaluable: 1, dlts: 0, dltRate: null, ci95: [0, 1] })
  t.same(countByArm(control.map((e) => ({ ...e, armId: 'blank' })), [{ armId: 'blank', doseLevel: 0 }])[0], { doseLevel: 0, armId: 'blank', enrolled: 3, evaluable: 0, pending: 0, notEvaluable: 1, dlts: 0, dltRate: null, ci95: [0, 1] })
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

const day = (n: number, time = '09:00:00Z') => `${addDays('2026-01-01', n)}T${time}`
const dosed = (days: number[], over: Partial<ParticipantSummary> = {}) =>
  p({ administrations: days.map((d) => ({ administeredAt: day(d), doseLevel: 1 })), firstAdministrationAt: day(days[0]!), lastAdministrationAt: day(days.at(-1)!), ...over })

// Issue #15: at a UTC+8 site the window was counted from the UTC day of dosing.
t.test('the window ends at the start of the local day after its last day', async (t) => {
  const shanghai = p({ firstAdministrationAt: '2025-12-31T23:30:00Z', lastAdministrationAt: '2025-12-31T23:30:00Z', timeZone: 'Asia/Shanghai' })
  const end = '2026-01-15T16:00:00.000Z' // start of Jan 16 local: Jan 1 07:30 local + 14 days inclusive
  t.equal(windowEnd(shanghai, def), end)
  t.equal(statusAt(shanghai, '2026-01-15T15:59:59.999Z'), 'pending', 'the last instant of local day 14')
  t.equal(statusAt(shanghai, end), 'evaluable')
  t.equal(windowEnd({ ...shanghai, timeZone: undefined }, def), '2026-01-15T00:00:00.000Z', 'on UTC days the dose is on Dec 31')
})

// Issue #15, "no silent no": an AE waiting for a qualifier keeps its participant pending.
t.test('an AE that needs information keeps the participant pending, past the window', async (t) => {
  const asked = p({ pendingDltCount: 1, needsInformationDltCount: 1 })
  t.same(evaluateParticipant(asked, def, '2026-02-01T00:00:00Z'),
    { participantId: '001-0001', doseLevel: 1, status: 'pending', hadDlt: false, windowEnd: END, waitingFor: 'needs_information' })
  t.equal(statusAt({ ...asked, dltCount: 1 }, '2026-02-01T00:00:00Z'), 'evaluable', 'a DLT decides at once')
  t.equal(nextWindowCloseAt([asked], def, '2026-01-10T00:00:00Z'), null, 'only the site can settle it')
})

// Issue #15: in a dose x frequency trial "twice weekly" was cleared on participants who had received
// a single injection. Twice weekly for 2 weeks (days 0, 3, 7, 10), all four in the DLT period.
t.test('minimum exposure: evaluable only with it, replaceable once it cannot be reached', async (t) => {
  const twice: Schedule = { frequency: { perWeek: 2, weeks: 2 } }
  const three: WindowDefinition = { ...def, minExposure: { administrations: 3 } }
  const rows: [string, WindowDefinition, ParticipantSummary, number, string, string?][] = [
    ['one injection, treatment ended', three, dosed([0], { schedule: twice, treatmentEndedAt: day(1) }), 2, 'not_evaluable'],
    ['one injection, day 3 missed, days 7 and 10 ahead: 3 still reachable', three, dosed([0], { schedule: twice }), 4, 'pending'],
    ['one injection, days 3 and 7 missed', three, dosed([0], { schedule: twice }), 8, 'not_evaluable'],
    ['exactly the minimum, window over', three, dosed([0, 3, 7], { schedule: twice }), 15, 'evaluable'],
    ['the minimum as a fraction: 0.75 of 4 is 3', { ...def, minExposure: { fraction: 0.75 } }, dosed([0, 3, 7], { schedule: twice }), 15, 'evaluable'],
    ['a fraction of 1: all four', { ...def, minExposure: { fraction: 1 } }, dosed([0, 3, 7], { schedule: twice }), 15, 'not_evaluable'],
    ['below the minimum but a DLT', three, dosed([0], { schedule: twice, treatmentEndedAt: day(1), dltCount: 1 }), 2, 'evaluable'],
    ['withdrawn after the window with the minimum', three, dosed([0, 3, 7], { schedule: twice, status: 'withdrawn', withdrawnAt: day(20) }), 25, 'evaluable'],
    ['no schedule: administrations in the window count', { ...def, minExposure: { administrations: 2 } }, dosed([0, 7]), 15, 'evaluable'],
    ['no schedule: one in the window, window over', { ...def, minExposure: { administrations: 2 } }, dosed([0, 20]), 21, 'not_evaluable'],
    ['no schedule: one so far, window open', { ...def, minExposure: { administrations: 2 } }, dosed([0]), 5, 'pending'],
    ['no schedule, treatment ended', { ...def, minExposure: { administrations: 2 } }, dosed([0], { treatmentEndedAt: day(2) }), 5, 'not_evaluable'],
    ['no schedule, not dosed', { ...def, minExposure: { administrations: 2 } }, p({ firstAdministrationAt: null, lastAdministrationAt: null }), 5, 'pending']
  ]
  for (const [name, d, x, asOf, status] of rows) t.equal(evaluateParticipant(x, d, day(asOf, '00:00:00Z')).status, status, name)
  t.same(evaluateParticipant(dosed([0, 3], { schedule: twice }), three, day(5, '00:00:00Z')).exposure, { planned: 4, received: 2, reachable: 4 })
  t.throws(() => evaluateParticipant(dosed([0]), { ...def, minExposure: { fraction: 0.5 } }, day(5)), /needs the participant's schedule/)

  // window over before the DLT period is: pending on exposure until the last one can no longer be given
  const spread: Schedule = { administrations: [{ day: 0 }, { day: 7 }, { day: 21, windowDays: 2 }] }
  const all: WindowDefinition = { ...def, minExposure: { administrations: 3 } }
  const x = dosed([0, 7], { schedule: spread })
  t.same(evaluateParticipant(x, all, day(16)), {
    participantId: '001-0001', doseLevel: 1, status: 'pending', hadDlt: false, windowEnd: END, waitingFor: 'exposure', exposure: { planned: 3, received: 2, reachable: 3 }
  })
  t.equal(nextWindowCloseAt([x], all, day(16)), day(24, '00:00:00.000Z'), 'the day after the last allowed day (21 + 2)')
  t.equal(nextWindowCloseAt([dosed([0], { schedule: spread })], all, day(3)), day(8, '00:00:00.000Z'),
    'on day 3, before the window end, the day-7 administration stops being possible first')
  t.equal(evaluateParticipant(x, all, day(24, '00:00:00Z')).status, 'not_evaluable')
  t.equal(evaluateParticipant(dosed([0, 7, 23], { schedule: spread }), all, day(24)).status, 'evaluable', 'given on the last allowed day')
})

// Issue #15: with a window from each administration a participant flipped from evaluable back to
// pending between infusions. A course window covers the DLT period as planned.
t.test('course window and escalation window', async (t) => {
  const infusions: Schedule = { administrations: [{ day: 0 }, { day: 14, windowDays: 2 }, { day: 28 }], dltPeriodAdministrations: 2 }
  const course: WindowDefinition = { windowDays: 7, windowStart: 'course' }
  const each: WindowDefinition = { windowDays: 7, windowStart: 'each_administration' }
  const first = dosed([0], { schedule: infusions })
  const both = dosed([0, 14], { schedule: infusions })
  const rows: [string, WindowDefinition, ParticipantSummary, number, string][] = [
    ['each: evaluable between the infusions', each, first, 10, 'evaluable'],
    ['each: pending again after the second', each, both, 15, 'pending'],
    ['course: pending between the infusions', course, first, 10, 'pending'],
    ['course: pending after the second', course, both, 15, 'pending'],
    ['course: the last day (14 + 7)', course, both, 21, 'pending'],
    ['course: evaluable the day after', course, both, 22, 'evaluable']
  ]
  for (const [name, d, x, asOf, status] of rows) t.equal(evaluateParticipant(x, d, day(asOf, '00:00:00Z')).status, status, name)
  t.equal(windowEnd(both, course), day(22, '00:00:00.000Z'))
  t.equal(windowEnd(first, course), day(24, '00:00:00.000Z'), 'without asOf: the second infusion may still come on day 16')
  t.equal(windowEnd(first, course, day(17)), day(22, '00:00:00.000Z'), 'missed: as planned')
  t.throws(() => windowEnd(dosed([0]), course), /needs the participant's schedule/)
  // DLTs count within 7 days of any dose; escalation waits 28 days after the first
  const gated: WindowDefinition = { ...each, escalationWindow: { start: 'first_administration', days: 28 } }
  t.equal(windowEnd(both, gated), day(29, '00:00:00.000Z'))
  t.equal(evaluateParticipant(both, gated, day(28, '23:59:59Z')).status, 'pending')
  t.equal(evaluateParticipant(both, gated, day(29, '00:00:00Z')).status, 'evaluable')
})

t.test('ending treatment is not withdrawal: the window runs on in follow-up', async (t) => {
  const ended = p({ treatmentEndedAt: '2026-01-03T00:00:00Z' })
  t.equal(statusAt(ended, '2026-01-10T00:00:00Z'), 'pending')
  t.equal(statusAt(ended, END), 'evaluable')
})

// Issue #15: evaluability followed the clock, although the site had not yet entered the DLT it was
// about to enter. With requireAssessment the site's investigator confirms the DLT period.
t.test('confirmed DLT assessment', async (t) => {
  const confirm: WindowDefinition = { ...def, requireAssessment: true }
  const asOf = '2026-02-01T00:00:00Z'
  const rows: [string, ParticipantSummary['dltAssessment'], string][] = [
    ['none recorded', undefined, 'pending'],
    ['recorded before the window ended', { recordedAt: '2026-01-15T23:00:00Z', laterAeOnsets: [] }, 'pending'],
    ['recorded at the window end', { recordedAt: END, laterAeOnsets: [] }, 'evaluable'],
    ['undone by an AE entered later with onset on the last day of the window', { recordedAt: END, laterAeOnsets: ['2026-01-15'] }, 'pending'],
    ['not undone by one with onset after the window', { recordedAt: END, laterAeOnsets: ['2026-01-16'] }, 'evaluable']
  ]
  for (const [name, dltAssessment, status] of rows) t.equal(evaluateParticipant(p({ dltAssessment }), confirm, asOf).status, status, name)
  t.equal(evaluateParticipant(p(), confirm, asOf).waitingFor, 'dlt_assessment')
  t.equal(evaluateParticipant(p({ dltCount: 1 }), confirm, '2026-01-05T00:00:00Z').status, 'evaluable', 'a DLT needs no assessment')
  t.equal(evaluateParticipant(p({ status: 'withdrawn', withdrawnAt: '2026-01-08T00:00:00Z' }), confirm, asOf).status, 'not_evaluable')
  t.equal(nextWindowCloseAt([p()], confirm, asOf), null, 'waits for the site, not the clock')

  t.equal(dltAssessmentRefusal(p(), confirm, '2026-01-15T23:59:59.999Z'), `the DLT window ends at ${END}: the DLT period is not complete`)
  t.equal(dltAssessmentRefusal(p(), confirm, END), null)
  t.equal(dltAssessmentRefusal(p({ firstAdministrationAt: null }), confirm, END), 'the participant has no administration: the DLT window has not started')

  const evaluations = [
    evaluateParticipant(p({ participantId: 'a' }), confirm, asOf),
    evaluateParticipant(p({ participantId: 'b', pendingDltCount: 1, needsInformationDltCount: 1 }), def, asOf),
    evaluateParticipant(dosed([0], { participantId: 'c', schedule: { administrations: [{ day: 0 }, { day: 40 }] } }), { ...def, minExposure: { administrations: 2 } }, asOf),
    evaluateParticipant(p({ participantId: 'd' }), def, '2026-01-05T00:00:00Z'),
    evaluateParticipant(p({ participantId: 'e' }), def, asOf)
  ]
  t.same(waitingReasons(evaluations), [
    'participant a pending: the DLT assessment (all AEs entered) is not recorded yet',
    'participant b pending: an AE needs information for its DLT verdict',
    'participant c pending: the minimum exposure of the DLT period is not reached yet'
  ])
})
