import t from 'tap'
import fc from 'fast-check'
import { parseProtocol, type Protocol } from '../../src/domain/protocol.js'
import { currentLevelOf, decisionTableFor, evaluateStatus, type StatusInput, type StatusParticipant, type TrialStatus } from '../../src/domain/status.js'
import type { SafetySignal } from '../../src/domain/stopping-rules.js'

const RELATED = ['possible', 'probable', 'definite']
// NCT07295067 (ClinicalTrials.gov): 3+3 over 1e11, 2e11, 3e11 particles; DLT window
// 14 days from the first intrathecal injection; "dose escalation will be
// stopped if DLTs are observed in more than 33% of the participants"; any
// related SAE is a cessation criterion.
const nct07295067 = {
  doseLevels: [
    { level: 1, label: '1e11 particles' },
    { level: 2, label: '2e11 particles' },
    { level: 3, label: '3e11 particles' }
  ],
  dltDefinition: {
    windowDays: 14,
    windowStart: 'first_administration',
    minGrade: 3,
    attributions: RELATED,
    requireClinicalSymptoms: true,
    requireMedicalTreatment: true
  },
  design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
  stoppingRules: [
    { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
    { type: 'related_sae', attributions: RELATED, action: 'halt_trial' }
  ]
}

function protocol (over: object = {}): Protocol {
  const r = parseProtocol({ ...structuredClone(nct07295067), ...over })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.protocol
}
const trial = protocol()

const ASOF = '2026-03-01T00:00:00Z'
const EARLY = '2026-01-01T09:00:00Z' // windows closed by ASOF
const RECENT = '2026-02-25T09:00:00Z' // window open until 2026-03-12
let seq = 0
const person = (doseLevel: number, over: Partial<StatusParticipant> = {}): StatusParticipant => ({
  participantId: `p${++seq}`,
  doseLevel,
  status: 'enrolled',
  firstAdministrationAt: EARLY,
  lastAdministrationAt: EARLY,
  dltCount: 0,
  pendingDltCount: 0,
  ...over
})
/** n evaluated participants at a level, the first `dlts` of them with a DLT */
const cohort = (doseLevel: number, n: number, dlts: number) =>
  Array.from({ length: n }, (_, i) => person(doseLevel, { dltCount: i < dlts ? 1 : 0 }))
const status = (p: Protocol, participants: StatusParticipant[], over: Partial<StatusInput> = {}, asOf = ASOF) =>
  evaluateStatus(p, { participants, signals: [], ...over }, asOf)
const open = (s: TrialStatus) => s.doseLevels.filter((d) => d.open).map((d) => d.doseLevel)

t.test('NCT07295067 under the 3+3 rules (Storer 1989; Le Tourneau et al. 2009)', async (t) => {
  const start = status(trial, [])
  t.same([start.state, start.decision.action, start.decision.nextDoseLevel, open(start)], ['go', 'stay', 1, [1]])
  t.equal(start.doseLevels[0]!.capacity, 3, 'the first cohort of three')
  t.same(start.decision.rules, ['3+3'])

  const zeroOfThree = status(trial, cohort(1, 3, 0), { currentDoseLevel: 1 })
  // Issue #15: the cleared level 1 no longer takes enrolment (a 4th participant there once turned it
  // into an expansion cohort and closed level 2); Storer's design enrols the next cohort at level 2 only
  t.same([zeroOfThree.state, zeroOfThree.decision.action, zeroOfThree.decision.nextDoseLevel, open(zeroOfThree)], ['go', 'escalate', 2, [2]])
  t.same(zeroOfThree.doseLevels.map((d) => d.capacity), [0, 3, 0])
  t.match(zeroOfThree.doseLevels[0], { enrolled: 3, evaluable: 3, pending: 0, dlts: 0, dltRate: 0, eliminated: false })

  const oneOfThree = status(trial, cohort(1, 3, 1), { currentDoseLevel: 1 })
  t.same([oneOfThree.state, oneOfThree.decision.action, oneOfThree.decision.nextDoseLevel], ['go', 'expand_cohort', 1], '1/3 expands, it does not stop')
  t.same(oneOfThree.decision.rules, ['3+3'], 'the 33% rule needs 6 evaluable')
  t.equal(oneOfThree.doseLevels[0]!.capacity, 3)

  const oneOfSix = status(trial, cohort(1, 6, 1), { currentDoseLevel: 1 })
  t.same([oneOfSix.state, oneOfSix.decision.action, oneOfSix.decision.nextDoseLevel], ['go', 'escalate', 2])

  // 2/6 at level 2 exceeds 33%: escalation stops, level 1 (3 so far) is completed to 6
  const twoOfSix = status(trial, [...cohort(1, 3, 0), ...cohort(2, 6, 2)], { currentDoseLevel: 2 })
  t.same([twoOfSix.state, twoOfSix.decision.action, twoOfSix.decision.nextDoseLevel, open(twoOfSix)], ['go', 'stop_escalation', 1, [1]])
  t.same(twoOfSix.decision.rules, ['3+3', 'dlt_rate_above'])
  t.same(twoOfSix.doseLevels.map((d) => d.eliminated), [false, true, true])
  t.ok(twoOfSix.decision.reasons.includes('dlt_rate_above: 2/6 evaluable with DLT (33.3%) at dose level 2 exceeds 33% with at least 6 evaluable'))

  // with 1/6 at level 1 the MTD is level 1 and the trial stops
  const mtd = status(trial, [...cohort(1, 6, 1), ...cohort(2, 6, 2)], { currentDoseLevel: 2 })
  // issue #15: the design has determined its MTD, so the action says so; the rule that fired with it is in `rules`
  t.same([mtd.state, mtd.decision.action, mtd.decision.nextDoseLevel, mtd.decision.mtdDoseLevel, open(mtd)], ['stop', 'mtd_reached', null, 1, []])
  t.same(mtd.decision.rules, ['3+3', 'dlt_rate_above'])

  const sae: SafetySignal = { aeId: 'ae-9', participantId: 'p1', doseLevel: 1, grade: 3, serious: true, attribution: 'probable' }
  const halted = status(trial, cohort(1, 3, 0), { currentDoseLevel: 1, signals: [sae] })
  t.same([halted.state, halted.decision.action, halted.decision.nextDoseLevel, open(halted)], ['stop', 'halt_trial', null, []])
  t.same(halted.decision.rules, ['3+3', 'related_sae'])
  t.same(halted.doseLevels.map((d) => d.capacity), [0, 0, 0])
})

t.test('pending participants: fill the cohort, then hold until their windows close', async (t) => {
  const two = status(trial, [person(1, { firstAdministrationAt: RECENT }), person(1, { firstAdministrationAt: RECENT })])
  t.same([two.state, two.decision.nextDoseLevel, two.doseLevels[0]!.capacity], ['go', 1, 1])
  t.equal(two.nextChangeAt, '2026-03-12T00:00:00.000Z')
  const three = status(trial, cohort(1, 3, 0).map((p) => ({ ...p, firstAdministrationAt: RECENT })))
  t.same([three.state, three.decision.action, three.decision.nextDoseLevel, open(three)], ['hold', 'stay', null, []])
  t.same(three.participants.map((p) => p.status), ['pending', 'pending', 'pending'])
  t.equal(three.nextChangeAt, '2026-03-12T00:00:00.000Z')
  // time alone turns the hold into escalation
  const later = status(trial, cohort(1, 3, 0).map((p) => ({ ...p, firstAdministrationAt: RECENT })), {}, '2026-03-12T00:00:00.000Z')
  t.same([later.state, later.decision.action, later.nextChangeAt], ['go', 'escalate', null])
  // a stop of escalation while the level below decides whether it is the MTD: hold
  const waiting = status(trial, [...cohort(1, 5, 0), person(1, { firstAdministrationAt: RECENT }), ...cohort(2, 6, 2)], { currentDoseLevel: 2 })
  t.same([waiting.state, waiting.decision.action, waiting.decision.nextDoseLevel], ['hold', 'stop_escalation', null])
})

t.test('DMC decisions and the maximum sample size', async (t) => {
  const paused = status(trial, cohort(1, 3, 0), { currentDoseLevel: 1, dmc: 'pause' })
  // issue #21: under the pause the action is the one that applies (nobody is enrolled), not the design's escalation
  t.same([paused.state, paused.decision.action, paused.decision.nextDoseLevel, open(paused), paused.decision.rules], ['hold', 'stay', null, [], ['3+3', 'dmc']])
  t.equal(paused.decision.reasons[0], 'DMC decision: pause enrolment')
  t.equal(paused.decision.reasons[1], 'not applied while the DMC pause holds: 3+3 at level 1: 0 DLTs in 3: escalate')
  const terminated = status(trial, cohort(1, 3, 0), { dmc: 'terminate' })
  t.same([terminated.state, terminated.decision.action, terminated.decision.nextDoseLevel], ['stop', 'halt_trial', null])
  // issue #21: the reasons name what stops first; the design's "enrol at level 2" is marked as not applied
  t.equal(terminated.decision.reasons[0], 'DMC decision: terminate')
  t.ok(terminated.decision.reasons.slice(1).every((r) => r.startsWith('not applied: the trial is stopped (halt_trial): ')))
  const capped = protocol({ stoppingRules: [{ type: 'max_sample_size', n: 6 }] })
  const full = status(capped, [...cohort(1, 3, 0), ...cohort(2, 3, 0)], { currentDoseLevel: 2 })
  t.same([full.state, full.decision.action, full.decision.nextDoseLevel, full.decision.rules], ['stop', 'complete', null, ['3+3', 'max_sample_size']])
  // an unknown current level falls back to the start level
  t.equal(status(trial, cohort(1, 3, 0), { currentDoseLevel: 7 }).decision.nextDoseLevel, 2)
})

t.test('sentinel dosing at a newly opened level', async (t) => {
  const p = protocol({ design: { type: '3+3', startDoseLevel: 1, sentinel: { participants: 1, days: 2 } } })
  const none = status(p, [])
  t.same([none.state, none.doseLevels[0]!.capacity], ['go', 1], 'only the sentinel may be dosed')
  const sentinel = person(1, { firstAdministrationAt: RECENT })
  const waiting = status(p, [sentinel], {}, '2026-02-26T09:00:00Z')
  t.same([waiting.state, waiting.doseLevels[0]!.open, waiting.doseLevels[0]!.sentinelWaitUntil], ['hold', false, '2026-02-27T09:00:00.000Z'])
  t.equal(waiting.nextChangeAt, '2026-02-27T09:00:00.000Z')
  t.ok(waiting.decision.reasons.some((r) => r.startsWith('dose level 1: sentinel dosing: 1 sentinel participant(s) must complete 2 day(s)')))
  const cleared = status(p, [sentinel], {}, '2026-02-27T09:00:00Z')
  t.same([cleared.state, cleared.doseLevels[0]!.capacity, cleared.doseLevels[0]!.sentinelWaitUntil], ['go', 2, null])
  const undosed = status(p, [person(1, { firstAdministrationAt: null, lastAdministrationAt: null })])
  t.same([undosed.state, undosed.doseLevels[0]!.sentinelWaitUntil], ['hold', null])
  const suspect = status(p, [{ ...sentinel, pendingDltCount: 1 }], {}, '2026-02-28T09:00:00Z')
  t.same([suspect.state, suspect.doseLevels[0]!.sentinelWaitUntil], ['hold', '2026-02-27T09:00:00.000Z'], 'a pending DLT keeps the level closed')
  // after escalation the new level waits for its sentinel; the cleared level 1 does not take the
  // others meanwhile (issue #15: cleared levels stay closed without backfill), so accrual holds
  const escalated = status(p, [...cohort(1, 3, 0), person(2, { firstAdministrationAt: RECENT })], { currentDoseLevel: 2 }, '2026-02-26T00:00:00Z')
  t.same([escalated.state, open(escalated)], ['hold', []])
  const backfilled = protocol({ design: { type: '3+3', startDoseLevel: 1, sentinel: { participants: 1, days: 2 }, backfill: { maxPerLevel: 6 } } })
  const withBackfill = status(backfilled, [...cohort(1, 3, 0), person(2, { firstAdministrationAt: RECENT })], { currentDoseLevel: 2 }, '2026-02-26T00:00:00Z')
  t.same([withBackfill.state, open(withBackfill), withBackfill.doseLevels[0]!.capacity], ['go', [1], 3], 'backfill: up to 6 at level 1 in all')
})

t.test('interval and rolling designs: cohort room and the sample-size bound', async (t) => {
  // BOIN (Liu & Yuan 2015), target 0.3: 0/3 escalates (lambda_e = 0.236)
  const boin = protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 7 } })
  const s = status(boin, cohort(1, 3, 0), { currentDoseLevel: 1 })
  // cleared levels closed (issue #15)
  t.same([s.decision.action, s.decision.nextDoseLevel, s.doseLevels.map((d) => d.capacity)], ['escalate', 2, [0, 3, 0]])
  const nearlyFull = status(boin, [...cohort(1, 3, 0), ...cohort(2, 3, 0)], { currentDoseLevel: 2 })
  t.same(nearlyFull.doseLevels.map((d) => d.capacity), [0, 0, 1], 'one place left of 7')
  const backfill = protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 7, backfill: { maxPerLevel: 9 } } })
  t.same(status(backfill, [...cohort(1, 3, 0), ...cohort(2, 3, 0)], { currentDoseLevel: 2 }).doseLevels.map((d) => d.capacity), [1, 1, 1], 'backfill at the cleared levels 1 and 2, bounded by the sample size')
  // rolling six (Skolnik et al. 2008): up to six at a level while data are pending
  const rolling = protocol({ design: { type: 'rolling6', startDoseLevel: 1 } })
  const four = status(rolling, Array.from({ length: 4 }, () => person(1, { firstAdministrationAt: RECENT })))
  t.same([four.state, four.doseLevels[0]!.capacity], ['go', 2])
  const six = status(rolling, Array.from({ length: 6 }, () => person(1, { firstAdministrationAt: RECENT })))
  t.same([six.state, six.decision.nextDoseLevel, open(six)], ['hold', null, []])
})

t.test('parallel groups (design none)', async (t) => {
  const parallel = protocol({
    doseLevels: [{ level: 0, label: 'placebo' }, { level: 1, label: 'low' }, { level: 2, label: 'high' }],
    arms: [{ armId: 'control', label: 'Placebo', doseLevel: 0 }, { armId: 'low', label: 'Low', doseLevel: 1 }, { armId: 'high', label: 'High', doseLevel: 2 }],
    design: { type: 'none' },
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' },
      { type: 'dlt_rate_above', threshold: 0.2, minEvaluable: 9, scope: 'trial', action: 'stop_escalation' }
    ]
  })
  const arm = (armId: string, doseLevel: number, n: number, dlts: number) => cohort(doseLevel, n, dlts).map((p) => ({ ...p, armId }))
  const all = status(parallel, [...arm('control', 0, 2, 0), ...arm('low', 1, 2, 0)])
  t.same([all.state, all.decision.action, all.decision.nextDoseLevel, open(all)], ['go', 'stay', 2, [0, 1, 2]])
  t.same(all.doseLevels.map((d) => [d.armId, d.enrolled, d.capacity]), [['control', 2, null], ['low', 2, null], ['high', 0, null]])
  t.same(all.decision.rules, ['none'])
  const high = status(parallel, [...arm('low', 1, 3, 0), ...arm('high', 2, 3, 2)])
  t.same([high.state, high.decision.action, high.decision.nextDoseLevel, open(high)], ['go', 'stop_escalation', 1, [0, 1]])
  t.same(high.decision.rules, ['none', 'dlt_rate_above#0'])
  const trialWide = status(parallel, [...arm('low', 1, 6, 1), ...arm('high', 2, 3, 1)])
  t.same([trialWide.state, trialWide.decision.action, open(trialWide)], ['stop', 'stop_escalation', []])
  const byLevel = protocol({ design: { type: 'none', sentinel: { participants: 1, days: 1 } } })
  const levels = status(byLevel, [])
  t.same([levels.state, open(levels), levels.doseLevels.map((d) => d.capacity)], ['go', [1, 2, 3], [1, 1, 1]])
})

t.test('a design that halts the trial and the decision table', async (t) => {
  const { evaluateStatus: withHalt } = await t.mockImport<typeof import('../../src/domain/status.js')>('../../src/domain/status.js', {
    '../../src/domain/designs/index.ts': {
      decide: () => ({ action: 'halt_trial', nextDoseLevel: null, eliminated: [1, 2, 3], reasons: ['halted by the design'] }),
      decisionTable: () => ({ design: 'x', rows: [] })
    }
  })
  const s = withHalt(trial, { participants: [], signals: [] }, ASOF)
  t.same([s.state, s.decision.action, s.decision.mtdDoseLevel, s.decision.reasons], ['stop', 'halt_trial', null, ['halted by the design']])
  // Storer's 3+3: escalate on 0/3 or <= 1/6, the level exceeds the MTD on >= 2
  t.match(decisionTableFor(trial), { design: '3+3', rows: [{ n: 3, escalateIfDltsAtMost: 0, eliminateIfDltsAtLeast: 2 }, { n: 6, escalateIfDltsAtMost: 1, eliminateIfDltsAtLeast: 2 }] })
  // BOIN target 0.3 (Liu & Yuan 2015, Table 2 of the BOIN package): n = 3 escalate if 0, de-escalate if >= 2, eliminate if 3
  const boin = decisionTableFor(protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 12 } }))
  t.equal(boin.rows.length, 12)
  t.match(boin.rows[2], { n: 3, escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 3 })
  t.equal(decisionTableFor(protocol({ design: { type: 'none' } })).rows.length, 30)
})

const fourLevels = [1, 2, 3, 4].map((level) => ({ level, label: `level ${level}` }))

// Issue #21: after 0/3 at level 1 (next: level 2) one override enrolment at level 4 moved the
// design's current level to 4 and opened every level. A DMC expects the override to be an
// exception: it counts at its level, never moves the current level, never opens a level for others.
t.test('an override enrolment is an exception, not a new state of the design', async (t) => {
  const p = protocol({ doseLevels: fourLevels })
  const first = cohort(1, 3, 0).map((x, i) => ({ ...x, seq: i + 1 }))
  const outside = { ...person(4, { firstAdministrationAt: RECENT }), seq: 4, override: true }
  const current = currentLevelOf([...first, outside])
  t.equal(current, 1, 'the override does not move the current level')
  t.equal(currentLevelOf([]), null)
  const s = status(p, [...first, outside], { currentDoseLevel: current })
  t.same([s.state, s.decision.action, s.decision.nextDoseLevel, open(s)], ['go', 'escalate', 2, [2]])
  t.same(s.doseLevels.map((d) => d.enrolled), [3, 0, 0, 1], 'the override participant counts at level 4')
  t.match(s.participants[3], { doseLevel: 4, override: true })
  t.ok(s.decision.reasons.some((r) => r.endsWith('enrolled by override; counts at level 4 and does not move the design\'s current level')))
  // the override participant's DLT closes level 4 for good, whatever the current level is
  const dlt = { ...outside, firstAdministrationAt: EARLY, dltCount: 1 }
  const closed = status(p, [...first, dlt], { currentDoseLevel: 1 })
  t.same([closed.decision.nextDoseLevel, closed.doseLevels.map((d) => d.eliminated)], [2, [false, false, false, true]])
  t.ok(closed.decision.reasons.includes('a participant enrolled by override had a DLT at level 4: level 4 and above are closed'))
  // level 3 is then the highest admissible level: Storer's confirmation to 6 and the MTD there
  const upTo3 = [...first, dlt, ...cohort(2, 3, 0), ...cohort(3, 3, 0)]
  const confirm = status(p, upTo3, { currentDoseLevel: 3 })
  t.same([confirm.state, confirm.decision.action, confirm.decision.nextDoseLevel, open(confirm)], ['go', 'expand_cohort', 3, [3]])
  const mtd = status(p, [...upTo3, ...cohort(3, 3, 0)], { currentDoseLevel: 3 })
  t.same([mtd.state, mtd.decision.action, mtd.decision.mtdDoseLevel], ['stop', 'mtd_reached', 3])
  const atLowest = status(p, [{ ...dlt, doseLevel: 1 }], { currentDoseLevel: 1 })
  t.same([atLowest.state, atLowest.decision.action, open(atLowest)], ['stop', 'stop_escalation', []], 'an override DLT at the lowest level closes everything')
  // CRM keeps all its data and is capped below the closed level
  const crm = protocol({ doseLevels: fourLevels, design: { type: 'crm', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, skeleton: [0.05, 0.1, 0.2, 0.3] } })
  const capped = status(crm, [...cohort(1, 3, 0), ...cohort(2, 3, 0), ...cohort(3, 3, 0), { ...dlt, doseLevel: 4, dltCount: 0 }, { ...dlt, participantId: 'o2', doseLevel: 3 }], { currentDoseLevel: 3 })
  t.same([capped.decision.action, capped.decision.nextDoseLevel, open(capped)], ['stop_escalation', 2, [2]])
})

// Issue #21: with 0/3 at the highest level the status said "expand to 6", and once the 4th was
// enrolled there "de-escalate to level 1". Storer's expansion at the top runs to 6.
t.test('3+3 confirms its top dose through the status', async (t) => {
  const fourth = status(trial, [...cohort(1, 3, 0), ...cohort(2, 3, 0), ...cohort(3, 3, 0), person(3, { firstAdministrationAt: RECENT })], { currentDoseLevel: 3 })
  t.same([fourth.state, fourth.decision.action, fourth.decision.nextDoseLevel, open(fourth), fourth.doseLevels[2]!.capacity], ['go', 'expand_cohort', 3, [3], 2])
})

// Issue #21: a dose given at another level than enrolled counted at the enrolled level and the
// higher exposure appeared nowhere. By default a DLT counts at the highest level given in the DLT period.
t.test('dose-modified participants count at the level given and are flagged', async (t) => {
  const p = protocol({ doseLevels: fourLevels })
  const modified = person(2, { dltCount: 1, administrations: [{ administeredAt: EARLY, doseLevel: 2 }, { administeredAt: '2026-01-03T09:00:00Z', doseLevel: 4 }] })
  const s = status(p, [...cohort(1, 3, 0), modified], { currentDoseLevel: 2 })
  t.same(s.doseLevels.map((d) => d.dlts), [0, 0, 0, 1])
  t.match(s.participants[3], { doseLevel: 4, enrolledDoseLevel: 2, doseModified: true })
  t.ok(s.decision.reasons.includes(`participant ${modified.participantId}: enrolled at level 2, given level(s) 2, 4 in the DLT period: counts at level 4`))
  const asEnrolled = protocol({ doseLevels: fourLevels, dltDefinition: { ...nct07295067.dltDefinition, modifiedDoseCountsAt: 'enrolled' } })
  t.same(status(asEnrolled, [...cohort(1, 3, 0), modified], { currentDoseLevel: 2 }).doseLevels.map((d) => d.dlts), [0, 1, 0, 0])
  const plain = person(2, { administrations: [{ administeredAt: EARLY, doseLevel: 2 }] })
  t.same(status(p, [plain]).participants[0], { participantId: plain.participantId, doseLevel: 2, status: 'evaluable', hadDlt: false }, 'not modified: not flagged')
})

// Issue #21: CRM with 9/9 DLTs at the lowest level said "go, stay at level 1".
t.test('CRM stops by default when the lowest dose is too toxic', async (t) => {
  const crm = protocol({ design: { type: 'crm', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, skeleton: [0.05, 0.12, 0.25] } })
  const s = status(crm, cohort(1, 9, 9), { currentDoseLevel: 1 })
  t.same([s.state, s.decision.action, s.decision.nextDoseLevel, open(s)], ['stop', 'stop_escalation', null, []])
})

// Properties over random 3+3 and BOIN trial states at 3 levels.
const designs = [
  protocol(),
  protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 } })
]
const participantArb = fc.record({
  doseLevel: fc.integer({ min: 1, max: 3 }),
  dlt: fc.boolean(),
  pending: fc.boolean()
})
const build = (xs: { doseLevel: number, dlt: boolean, pending: boolean }[]) => xs.map((x, i) => person(x.doseLevel, {
  participantId: `q${i}`,
  dltCount: x.dlt ? 1 : 0,
  firstAdministrationAt: x.pending && !x.dlt ? RECENT : EARLY
}))
const ceiling = (s: TrialStatus, current: number) => s.state === 'go' ? Math.max(0, ...open(s)) : s.state === 'hold' ? current : 0

t.test('property: no level above an eliminated one is open; closed unless go', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...designs), fc.array(participantArb, { maxLength: 18 }), fc.integer({ min: 1, max: 3 }), (p, xs, current) => {
    const s = status(p, build(xs), { currentDoseLevel: current })
    const firstEliminated = Math.min(...s.doseLevels.filter((d) => d.eliminated).map((d) => d.doseLevel))
    return open(s).every((l) => l < firstEliminated) &&
      (s.state === 'go' || open(s).length === 0) &&
      open(s).every((l) => s.decision.nextDoseLevel !== null && l <= s.decision.nextDoseLevel)
  }))
  t.pass('held for all generated states')
})

t.test('property: turning a participant without DLT into one with a DLT never opens a higher level', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...designs), fc.array(participantArb, { minLength: 1, maxLength: 18 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (p, xs, current, pick) => {
    const candidates = xs.map((x, i) => [x, i] as const).filter(([x]) => !x.dlt && !x.pending)
    fc.pre(candidates.length > 0)
    const [, i] = candidates[pick % candidates.length]!
    const worse = xs.map((x, j) => j === i ? { ...x, dlt: true } : x)
    return ceiling(status(p, build(worse), { currentDoseLevel: current }), current) <=
      ceiling(status(p, build(xs), { currentDoseLevel: current }), current)
  }))
  t.pass('held for all generated states')
})
