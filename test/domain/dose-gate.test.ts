import t from 'tap'
import { gateAdministration, gateEnrolment, sentinelCheck, type GateContext, type GateRole } from '../../src/domain/dose-gate.js'

// Issue #21: a dose modification with a free-text reason dosed level 4 while the trial was on
// hold, and level 3 after a 3+3 stop; one admin override took over the escalation; enrolment and
// dosing went on after a DMC termination. A DMC expects every administration to pass the gate.

type Status = GateContext['status']
const levels = (open: number[], eliminatedFrom = 99) => [1, 2, 3, 4].map((doseLevel) => ({
  doseLevel, open: open.includes(doseLevel), capacity: open.includes(doseLevel) ? 3 : 0, eliminated: doseLevel >= eliminatedFrom
}))
// 0/3 at level 1, 0/3 at level 2: escalate to 3
const go: Status = { state: 'go', decision: { action: 'escalate', nextDoseLevel: 3, reasons: ['3+3 at level 2: 0 DLTs in 3: escalate'] }, doseLevels: levels([3]) }
// 3 pending at level 3
const hold: Status = { state: 'hold', decision: { action: 'stay', nextDoseLevel: null, reasons: ['wait'] }, doseLevels: levels([]) }
// 2/3 at level 1: the lowest dose exceeds the MTD
const stopped: Status = { state: 'stop', decision: { action: 'stop_escalation', nextDoseLevel: null, reasons: ['lowest dose exceeds the MTD'] }, doseLevels: levels([], 1) }
const halted: Status = { state: 'stop', decision: { action: 'halt_trial', nextDoseLevel: null, reasons: ['related_sae: 1 serious AE'] }, doseLevels: levels([]) }
const full: Status = { ...go, doseLevels: go.doseLevels.map((d) => d.doseLevel === 3 ? { ...d, capacity: 0 } : d) }
const arms: Status = { ...go, doseLevels: [{ doseLevel: 1, armId: 'low', open: true, capacity: null, eliminated: false }] }

type Enrol = [string, Status, GateContext['dmc'], { doseLevel: number, armId: string | null }]
const enrolments: Enrol[] = [
  ['the open level', go, null, { doseLevel: 3, armId: null }],
  ['a cleared level below it', go, null, { doseLevel: 1, armId: null }],
  ['a level above it', go, null, { doseLevel: 4, armId: null }],
  ['the open level, full', full, null, { doseLevel: 3, armId: null }],
  ['an open arm', arms, null, { doseLevel: 1, armId: 'low' }],
  ['an unknown arm', arms, null, { doseLevel: 1, armId: 'high' }],
  ['on hold', hold, null, { doseLevel: 3, armId: null }],
  ['stopped', stopped, null, { doseLevel: 1, armId: null }],
  ['under a DMC pause', { ...hold, decision: { ...hold.decision, reasons: ['DMC decision: pause enrolment'] } }, 'pause', { doseLevel: 3, armId: null }],
  ['after a DMC termination', { ...halted, decision: { ...halted.decision, reasons: ['DMC decision: terminate'] } }, 'terminate', { doseLevel: 3, armId: null }]
]

// [name, status, dmc, participant's level, level given, sentinel refusal]
type Dose = [string, Status, GateContext['dmc'], number, number, string | null]
const doses: Dose[] = [
  ['own level', go, null, 2, 2, null],
  ['own level, on hold (the cohort keeps its schedule)', hold, null, 3, 3, null],
  ['own level, after the design stopped (participants on treatment continue)', stopped, null, 1, 1, null],
  ['own level, DMC pause', hold, 'pause', 3, 3, null],
  ['own level, halted', halted, null, 2, 2, null],
  ['own level, terminated', halted, 'terminate', 2, 2, null],
  ['reduction to an open lower level', go, null, 3, 2, null],
  ['escalation above the enrolled level', go, null, 2, 4, null],
  ['reduction to an eliminated level', { ...go, doseLevels: levels([2], 3), decision: { ...go.decision, nextDoseLevel: 2 } }, null, 4, 3, null],
  ['reduction above the level the design names', { ...go, decision: { ...go.decision, nextDoseLevel: 1 } }, null, 3, 2, null],
  ['modification while on hold (issue: level 4)', hold, null, 2, 4, null],
  ['reduction while on hold', hold, null, 3, 2, null],
  ['modification after a 3+3 stop (issue: level 3)', stopped, null, 1, 3, null],
  ['a level not in the status', go, null, 3, 0, null],
  ['back-dated before the sentinel interval ends', go, null, 3, 3, 'sentinel dosing: too early']
]

const allowed = { allowed: true, overridden: false, reduction: false }
const reduced = { allowed: true, overridden: false, reduction: true }
const overridden = { allowed: true, overridden: true, reduction: false }
const refused = (code: string) => ({ allowed: false, status: 409, code })

// What each role gets, per request, in the order of the tables above.
const expected: Record<string, { enrol: object[], dose: object[] }> = {
  // edc and investigator: the gate as it stands, every refusal a 409 with the status
  edc: {
    enrol: [allowed, refused('dose-level-closed'), refused('dose-level-closed'), refused('dose-level-closed'), allowed, refused('dose-level-closed'),
      refused('dose-level-closed'), refused('dose-level-closed'), refused('dose-level-closed'), refused('trial-terminated')],
    dose: [allowed, allowed, allowed, refused('dosing-suspended'), refused('dosing-suspended'), refused('trial-terminated'), reduced,
      refused('dose-level-closed'), refused('dose-level-closed'), refused('dose-level-closed'), refused('dosing-suspended'), refused('dosing-suspended'),
      refused('dosing-suspended'), refused('dose-level-closed'), refused('sentinel-interval')]
  },
  // admin with an override: every refusal but termination is let through, as an override
  'admin+override': {
    enrol: [allowed, overridden, overridden, overridden, allowed, overridden, overridden, overridden, overridden, refused('trial-terminated')],
    dose: [allowed, allowed, allowed, overridden, overridden, refused('trial-terminated'), reduced, overridden, overridden, overridden, overridden,
      overridden, overridden, overridden, overridden]
  }
}
expected.investigator = expected.edc!
expected.admin = expected.edc! // an admin without an override passes the same gate

const roles: Array<[string, GateRole, boolean]> = [['edc', 'edc', false], ['investigator', 'investigator', false], ['admin', 'admin', false], ['admin+override', 'admin', true]]
for (const [name, role, withOverride] of roles) {
  t.test(`the dose gate for ${name}`, async (t) => {
    const ctx = (status: Status, dmc: GateContext['dmc']): GateContext => ({ status, dmc, role, ...(withOverride ? { override: { reason: 'DMC chair request, letter of 2026-03-02' } } : {}) })
    enrolments.forEach(([what, status, dmc, target], i) => t.match(gateEnrolment(ctx(status, dmc), target), expected[name]!.enrol[i]!, `enrolment: ${what}`))
    doses.forEach(([what, status, dmc, own, given, sentinel], i) =>
      t.match(gateAdministration(ctx(status, dmc), { participantLevel: own, doseLevel: given, sentinel }), expected[name]!.dose[i]!, `administration: ${what}`))
  })
}

t.test('an override from another role is not one', async (t) => {
  t.match(gateEnrolment({ status: go, dmc: null, role: 'investigator', override: { reason: 'x' } }, { doseLevel: 4, armId: null }), refused('dose-level-closed'))
})

t.test('refusals say why', async (t) => {
  const ctx = (status: Status, dmc: GateContext['dmc'] = null): GateContext => ({ status, dmc, role: 'edc' })
  t.match(gateEnrolment(ctx(go), { doseLevel: 4, armId: null }), { reason: 'dose level 4 is not open for enrolment under the current decision (escalate, next dose level 3)' })
  t.match(gateEnrolment(ctx(arms), { doseLevel: 1, armId: 'high' }), { reason: /^arm high is not open/ })
  // Sequential arms under an escalation design (NCT07101484): the status counts by level, so the arm's level decides.
  t.match(gateEnrolment(ctx(go), { doseLevel: 3, armId: 'high' }), { allowed: true })
  t.match(gateEnrolment(ctx(go), { doseLevel: 4, armId: 'higher' }), { reason: /^arm higher is not open/ })
  t.match(gateEnrolment(ctx(hold), { doseLevel: 3, armId: null }), { reason: 'Enrolment is closed: the trial status is "hold" (wait)' })
  t.match(gateAdministration(ctx(hold), { participantLevel: 2, doseLevel: 4, sentinel: null }),
    { reason: 'a dose at level 4 for a participant enrolled at level 2 is a dose modification, refused while the trial status is "hold"' })
  t.match(gateAdministration(ctx(go), { participantLevel: 2, doseLevel: 4, sentinel: null }), { reason: /above the enrolled level$/ })
  t.match(gateAdministration(ctx(go, 'terminate'), { participantLevel: 2, doseLevel: 2, sentinel: null }), { reason: /^The DMC terminated the trial/ })
  t.match(gateAdministration(ctx(hold, 'pause'), { participantLevel: 2, doseLevel: 2, sentinel: null }), { reason: 'Dosing is suspended: DMC decision "pause" is in force' })
  t.match(gateAdministration(ctx(halted), { participantLevel: 2, doseLevel: 2, sentinel: null }), { reason: 'Dosing is suspended: the trial is halted (related_sae: 1 serious AE)' })
  t.match(gateAdministration(ctx({ ...go, decision: { ...go.decision, nextDoseLevel: 1 } }), { participantLevel: 3, doseLevel: 2, sentinel: null }),
    { reason: /to a level not open for dosing \(escalate, next dose level 1\)$/ })
})

// Issue #21: once the sentinel period had passed in real time, a back-dated dose one hour after
// the sentinel's was accepted. The interval is between administeredAt instants.
t.test('sentinel dosing compares administeredAt instants', async (t) => {
  const sentinel = { participants: 1, days: 2 }
  const first = { firstAdministrationAt: '2026-02-01T09:00:00Z' }
  const fresh = { firstAdministrationAt: null }
  t.equal(sentinelCheck(undefined, [first], fresh, '2026-02-01T10:00:00Z'), null, 'no sentinel in the protocol')
  t.equal(sentinelCheck(sentinel, [], fresh, '2026-02-01T10:00:00Z'), null, 'the sentinel itself')
  t.equal(sentinelCheck(sentinel, [fresh], fresh, '2026-02-01T10:00:00Z'), null, 'nobody dosed yet: this one is the sentinel')
  t.equal(sentinelCheck(sentinel, [first], fresh, '2026-02-01T10:00:00Z'),
    'sentinel dosing: an administration at 2026-02-01T10:00:00Z falls before 2026-02-03T09:00:00.000Z, 2 day(s) after the last sentinel\'s first administration',
    'back-dated one hour after the sentinel')
  t.equal(sentinelCheck(sentinel, [first], fresh, '2026-02-03T08:59:59Z') === null, false, 'one second short')
  t.equal(sentinelCheck(sentinel, [first], fresh, '2026-02-03T09:00:00Z'), null, 'at the end of the interval')
  t.equal(sentinelCheck(sentinel, [first], first, '2026-02-02T09:00:00Z'), null, 'a later dose of someone already dosed')
  t.equal(sentinelCheck(sentinel, [{ firstAdministrationAt: '2026-02-05T09:00:00Z' }], fresh, '2026-02-01T10:00:00Z') === null, false,
    'back-dated before the sentinel: still within its interval')
  const two = { participants: 2, days: 1 }
  t.equal(sentinelCheck(two, [first], fresh, '2026-02-01T10:00:00Z'), null, 'the second sentinel')
  t.match(sentinelCheck(two, [first, { firstAdministrationAt: '2026-02-01T12:00:00Z' }], fresh, '2026-02-02T10:00:00Z'), /falls before 2026-02-02T12:00:00.000Z/, 'counted from the last sentinel')
})
