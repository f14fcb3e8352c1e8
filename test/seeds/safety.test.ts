// What a DMC expects of every seed protocol, judged by the pure engine on each seed's own
// parsed protocol with the inputs the services give it once wired (schedules, site time
// zones, DLT assessments): issue #16. The same scenarios through the HTTP API are in
// test/seeds/acceptance.test.ts.
import t from 'tap'
import { classifyAe, type AeFacts } from '../../src/domain/dlt.js'
import { parseProtocol, type Protocol } from '../../src/domain/protocol.js'
import { dltPeriodCount, plannedAdministrations, scheduleFor } from '../../src/domain/schedule.js'
import { evaluateStatus, type StatusParticipant } from '../../src/domain/status.js'
import type { SafetySignal } from '../../src/domain/stopping-rules.js'
import trials, { type TrialSeed } from '../../seeds/trials/index.js'

const DAY_MS = 86_400_000
const ASOF = '2026-06-01T04:00:00.000Z'
// Dosed long enough ago that every seed's DLT window (the longest: NCT06813157, day 63) has closed.
const START_MS = Date.parse(ASOF) - 120 * DAY_MS
const TZ = 'Asia/Shanghai'

function parsed (seed: TrialSeed): Protocol {
  const r = parseProtocol(seed.protocol)
  if (!r.ok) throw new Error(`${seed.trialId}: ${JSON.stringify(r.errors)}`)
  return r.protocol
}

const levelsOf = (p: Protocol) => p.doseLevels.map((d) => d.level).filter((l) => l > 0).sort((a, b) => a - b)
const armAt = (p: Protocol, level: number) => p.arms?.find((a) => a.doseLevel === level)?.armId ?? null

/** A participant dosed as planned from START_MS (the DLT period's administrations), with the site's assessment after the window. */
function dosed (p: Protocol, participantId: string, doseLevel: number, dlt: boolean): StatusParticipant {
  const armId = armAt(p, doseLevel)
  const schedule = scheduleFor(p, { doseLevel, armId })
  const days = schedule === undefined ? [0] : plannedAdministrations(schedule).slice(0, dltPeriodCount(schedule)).map((a) => a.day)
  const administrations = days.map((d) => ({ administeredAt: new Date(START_MS + d * DAY_MS).toISOString(), doseLevel }))
  return {
    participantId,
    doseLevel,
    armId,
    status: 'enrolled',
    withdrawnAt: null,
    firstAdministrationAt: administrations[0]!.administeredAt,
    lastAdministrationAt: administrations.at(-1)!.administeredAt,
    dltCount: dlt ? 1 : 0,
    pendingDltCount: 0,
    timeZone: TZ,
    administrations,
    ...(schedule === undefined ? {} : { schedule }),
    treatmentEndedAt: null,
    dltAssessment: { recordedAt: new Date(Date.parse(ASOF) - DAY_MS).toISOString(), laterAeOnsets: [] }
  }
}

/** Escalated to `level` through cleared levels (3 evaluable without DLT each), then 3 evaluable there with `dlts` DLTs. */
function escalatedTo (p: Protocol, level: number, dlts: number): StatusParticipant[] {
  const below = p.design.type === 'none' ? [] : levelsOf(p).filter((l) => l < level)
  return [
    ...below.flatMap((l) => [1, 2, 3].map((i) => dosed(p, `L${l}-${i}`, l, false))),
    ...[1, 2, 3].map((i) => dosed(p, `L${level}-${i}`, level, i <= dlts))
  ]
}

for (const seed of trials) {
  const p = parsed(seed)
  for (const level of levelsOf(p)) {
    t.test(`${seed.trialId} level ${level}: 2 DLTs among the first 3 evaluable never leave that level open`, async (t) => {
      // A DMC would not sign a "go" at a dose where 2 of 3 had a DLT (the 3+3 bound; 67% against any 33% rule).
      const participants = escalatedTo(p, level, 2)
      const s = evaluateStatus(p, { participants, signals: [], currentDoseLevel: level }, ASOF)
      t.same(s.participants.map((x) => x.status), participants.map(() => 'evaluable'), 'every participant of the scenario is evaluable')
      const row = s.doseLevels.find((d) => d.doseLevel === level)!
      t.equal(row.dlts, 2)
      t.notOk(row.open, `level ${level} is closed (state ${s.state}, action ${s.decision.action})`)
      t.not(s.state === 'go' ? s.decision.nextDoseLevel : null, level, 'no go names that level')
      t.ok(s.state !== 'go' || s.doseLevels.every((d) => d.doseLevel < level || !d.open), 'no level at or above it is open')
    })
  }

  t.test(`${seed.trialId}: a definitely related, life-threatening SAE holds or stops the trial`, async (t) => {
    const start = p.design.type === 'none' ? levelsOf(p)[0]! : p.design.startDoseLevel
    const participants = [dosed(p, 'P1', start, false)]
    const signal: SafetySignal = { aeId: 'ae-1', participantId: 'P1', doseLevel: start, grade: 4, serious: true, attribution: 'definite' }
    const before = evaluateStatus(p, { participants, signals: [], currentDoseLevel: start }, ASOF)
    t.equal(before.state, 'go', 'open before the SAE')
    const after = evaluateStatus(p, { participants, signals: [signal], currentDoseLevel: start }, ASOF)
    t.ok(after.state === 'hold' || after.state === 'stop', `state ${after.state}`)
    t.ok(after.doseLevels.every((d) => !d.open), 'no level takes enrolment')
    t.ok(after.decision.rules.includes('related_sae'), 'the related-SAE rule fired')
  })

  t.test(`${seed.trialId}: related-SAE and related-death rules, and a rate rule that fires at 2 of 3 or defers to the 3+3`, async (t) => {
    const types = p.stoppingRules.map((r) => r.type)
    t.ok(types.includes('related_sae'), 'a related-SAE rule')
    t.ok(types.includes('grade5_related'), 'a related-death rule')
    t.notOk(types.includes('posterior_toxicity_above'), 'no Pr(p > 0.33) > 0.95 rule, which tolerates 2/3, 3/5 and 4/7')
    for (const r of p.stoppingRules) {
      if (r.type === 'grade5_related') t.equal(r.action, 'halt_trial', 'a related death halts')
      if (r.type === 'related_sae' || r.type === 'grade5_related') t.same(r.attributions, ['possible', 'probable', 'definite'])
    }
    t.same(seed.sites.map((s) => s.timeZone), seed.sites.map(() => TZ), 'the sites are in China')
  })
}

const byId = (id: string) => parsed(trials.find((s) => s.trialId === id)!)

t.test('NCT07101484: the blank control counts in no DLT count, design or safety rule of GD007', async (t) => {
  const p = byId('NCT07101484')
  const low = [1, 2, 3].map((i) => dosed(p, `L1-${i}`, 1, false))
  const base = evaluateStatus(p, { participants: low, signals: [], currentDoseLevel: 1 }, ASOF)
  // A control participant with a grade 3+ event, classified a DLT by the definition, and a related death in the control.
  const control = { ...dosed(p, 'C1', 0, true), armId: 'control' }
  const death: SafetySignal = { aeId: 'ae-c', participantId: 'C1', doseLevel: 0, grade: 5, serious: true, attribution: 'possible' }
  const withControl = evaluateStatus(p, { participants: [...low, control], signals: [death], currentDoseLevel: 1 }, ASOF)
  const gd007 = (s: typeof base) => s.doseLevels.filter((d) => d.doseLevel > 0).map((d) => [d.doseLevel, d.evaluable, d.dlts])
  t.same(gd007(withControl), gd007(base), 'the GD007 groups count the same')
  t.same([withControl.state, withControl.decision.action, withControl.decision.nextDoseLevel], [base.state, base.decision.action, base.decision.nextDoseLevel])
  t.same([base.state, base.decision.nextDoseLevel], ['go', 2], 'low cleared 0/3: escalate to mid')
  t.same(withControl.decision.rules, ['3+3'], 'no safety rule fired: controlCanBeRelated false (open label, no GD007 in the control)')
  // A related death in a GD007 group halts.
  const gdDeath = { ...death, participantId: 'L1-1', doseLevel: 1 }
  t.equal(evaluateStatus(p, { participants: low, signals: [gdDeath], currentDoseLevel: 1 }, ASOF).state, 'stop')
})

t.test('NCT07101484: sequential escalation, the control enrolled alongside', async (t) => {
  const p = byId('NCT07101484')
  const s = evaluateStatus(p, { participants: [], signals: [], currentDoseLevel: null }, ASOF)
  const open = s.doseLevels.filter((d) => d.open).map((d) => d.doseLevel)
  t.same(open, [0, 1], 'at the start only the low group and the control take participants')
  t.equal(s.decision.nextDoseLevel, 1)
})

// An AE of a participant dosed as planned, onset `day` days after the first administration.
function classify (p: Protocol, doseLevel: number, ae: Pick<AeFacts, 'term' | 'soc' | 'grade' | 'attribution'>, day = 2) {
  const who = dosed(p, 'P1', doseLevel, false)
  const onsetDate = new Date(START_MS + day * DAY_MS).toISOString().slice(0, 10)
  const facts: AeFacts = { aeId: 'ae', participantId: 'P1', meddraCode: '10000000', onsetDate, resolvedDate: null, serious: false, ...ae }
  return classifyAe(p.dltDefinition, facts, { administrations: [...who.administrations!], otherAes: [], asOf: ASOF, timeZone: TZ, ...(who.schedule === undefined ? {} : { schedule: who.schedule }) })
}

t.test('NCT06321198: the events SR-aGVHD causes itself count only when probably or definitely related', async (t) => {
  const p = byId('NCT06321198')
  const cases: Array<[string, Pick<AeFacts, 'term' | 'soc' | 'grade' | 'attribution'>, boolean]> = [
    ['grade 3 anemia, possible: the disease', { term: 'Anemia', soc: 'Blood and lymphatic system disorders', grade: 3, attribution: 'possible' }, false],
    ['grade 3 anemia, probable: iMSC', { term: 'Anemia', soc: 'Blood and lymphatic system disorders', grade: 3, attribution: 'probable' }, true],
    ['grade 4 platelet count decreased, possible', { term: 'Platelet count decreased', soc: 'Investigations', grade: 4, attribution: 'possible' }, false],
    ['grade 3 diarrhea, possible: gut GVHD', { term: 'Diarrhea', soc: 'Gastrointestinal disorders', grade: 3, attribution: 'possible' }, false],
    ['grade 3 diarrhea, definite', { term: 'Diarrhea', soc: 'Gastrointestinal disorders', grade: 3, attribution: 'definite' }, true],
    ['grade 3 infection, possible', { term: 'Lung infection', soc: 'Infections and infestations', grade: 3, attribution: 'possible' }, false],
    ['grade 4 infection, possible: life-threatening, counts', { term: 'Sepsis', soc: 'Infections and infestations', grade: 4, attribution: 'possible' }, true],
    ['grade 3 nausea, possible: not a disease-expected term', { term: 'Nausea', soc: 'Gastrointestinal disorders', grade: 3, attribution: 'possible' }, true]
  ]
  for (const [what, ae, dlt] of cases) t.equal(classify(p, 2, ae).isDlt, dlt, what)
  // The course window of the twice-weekly regimen ends 7 days after its last planned injection (day 24): day 31.
  const late = { term: 'Nausea', soc: 'Gastrointestinal disorders', grade: 3, attribution: 'possible' as const }
  t.equal(classify(p, 2, late, 31).isDlt, true, 'twice weekly: day 31 in the window')
  t.equal(classify(p, 2, late, 32).isDlt, false, 'twice weekly: day 32 after it')
  t.equal(classify(p, 1, late, 28).isDlt, true, 'once weekly: day 28 in the window')
  t.equal(classify(p, 1, late, 29).isDlt, false, 'once weekly: day 29 after it')
})

t.test('NCT06813157: a platelet fall of refractory ITP is a DLT only when probably or definitely related; bleeding is not excluded', async (t) => {
  const p = byId('NCT06813157')
  t.equal(classify(p, 1, { term: 'Platelet count decreased', soc: 'Investigations', grade: 4, attribution: 'possible' }).isDlt, false)
  t.equal(classify(p, 1, { term: 'Platelet count decreased', soc: 'Investigations', grade: 4, attribution: 'probable' }).isDlt, true)
  t.equal(classify(p, 1, { term: 'Epistaxis', soc: 'Respiratory, thoracic and mediastinal disorders', grade: 3, attribution: 'possible' }).isDlt, true)
  // The course: five infusions to day 49, then the D14 visit: day 63 is the last day of the window.
  const late = { term: 'Epistaxis', soc: 'Respiratory, thoracic and mediastinal disorders', grade: 3, attribution: 'possible' as const }
  t.equal(classify(p, 1, late, 63).isDlt, true, 'day 63 in the window')
  t.equal(classify(p, 1, late, 64).isDlt, false, 'day 64 after it')
})

t.test('single-level seeds: 1 of 3 evaluable with a DLT holds for review, 1 of 4 does not', async (t) => {
  for (const id of ['NCT06813157', 'NCT03123458']) {
    const p = byId(id)
    const three = [1, 2, 3].map((i) => dosed(p, `P${i}`, 1, i === 1))
    const one = evaluateStatus(p, { participants: three, signals: [], currentDoseLevel: 1 }, ASOF)
    t.equal(one.state, 'hold', `${id}: 1/3 (33.3% > 33%) waits for review`)
    const four = [...three, dosed(p, 'P4', 1, false)]
    t.equal(evaluateStatus(p, { participants: four, signals: [], currentDoseLevel: 1 }, ASOF).state, 'go', `${id}: 1/4 (25%) goes on`)
  }
})

t.test('NCT07295067: a participant without a DLT is evaluable 14 days after the first injection once the site confirmed the assessment', async (t) => {
  const p = byId('NCT07295067')
  const confirmed = dosed(p, 'P1', 1, false)
  const { dltAssessment: _, ...unconfirmed } = confirmed
  const status = (x: StatusParticipant) => evaluateStatus(p, { participants: [x], signals: [], currentDoseLevel: 1 }, ASOF).participants[0]!.status
  t.equal(status(confirmed), 'evaluable')
  t.equal(status(unconfirmed), 'pending', 'the DMC trial waits for the assessment')
  // A grade 3 event with symptoms and treatment 10 days after the second injection (day 28) is a DLT.
  const second = { ...confirmed, administrations: [...confirmed.administrations!, { administeredAt: new Date(START_MS + 28 * DAY_MS).toISOString(), doseLevel: 1 }] }
  const onsetDate = new Date(START_MS + 38 * DAY_MS).toISOString().slice(0, 10)
  const facts: AeFacts = {
    aeId: 'ae',
    participantId: 'P1',
    meddraCode: '10000000',
    term: 'Headache',
    soc: 'Nervous system disorders',
    grade: 3,
    onsetDate,
    resolvedDate: null,
    serious: false,
    attribution: 'possible',
    clinicalSymptoms: true,
    requiredMedicalTreatment: true
  }
  t.equal(classifyAe(p.dltDefinition, facts, { administrations: [...second.administrations], otherAes: [], asOf: ASOF, timeZone: TZ }).isDlt, true)
})
