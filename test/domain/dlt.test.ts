import t from 'tap'
import { adjudicatedFacts, classifyAe, worstGrade, type AeFacts, type DltContext } from '../../src/domain/dlt.js'
import type { DltDefinition, Schedule } from '../../src/domain/protocol.js'

// MedDRA codes, terms and SOCs from CTCAE v5.0 (/work/shared/ctcae/CTCAE_v5.0.csv).
const NAUSEA = { meddraCode: '10028813', term: 'Nausea', soc: 'Gastrointestinal disorders' }
const ANC = { meddraCode: '10029366', term: 'Neutrophil count decreased', soc: 'Investigations' }
const FEVER = { meddraCode: '10016558', term: 'Fever', soc: 'General disorders and administration site conditions' }
const DEATH = { meddraCode: '10011914', term: 'Death NOS', soc: 'General disorders and administration site conditions' }
const RELATED = ['possible', 'probable', 'definite'] as DltDefinition['attributions']

// NCT07295067 primary outcome: grade >= 3 (CTCAE 5.0), possibly/probably/
// definitely related, with clinical symptoms, requiring medical treatment,
// within 14 days of administration.
const nct07295067: DltDefinition = {
  windowDays: 14,
  windowStart: 'first_administration',
  minGrade: 3,
  attributions: RELATED,
  requireClinicalSymptoms: true,
  requireMedicalTreatment: true
}

let seq = 0
const ae = (over: Partial<AeFacts> = {}): AeFacts => ({
  aeId: `ae-${++seq}`,
  participantId: '001-0001',
  ...NAUSEA,
  grade: 3,
  onsetDate: '2026-01-05',
  resolvedDate: null,
  serious: false,
  attribution: 'possible',
  clinicalSymptoms: true,
  requiredMedicalTreatment: true,
  ...over
})
const ctx = (over: Partial<DltContext> = {}): DltContext => ({
  administrations: [{ administeredAt: '2026-01-01T09:00:00Z' }],
  otherAes: [],
  asOf: '2026-03-01T00:00:00Z',
  ...over
})

t.test('NCT07295067: every criterion holds', async (t) => {
  const r = classifyAe(nct07295067, ae(), ctx())
  t.same(r, {
    isDlt: true,
    pending: false,
    verdict: 'dlt',
    missing: [],
    computed: { isDlt: true, pending: false },
    adjudicated: false,
    pendingUntil: null,
    reasons: [
      'onset 2026-01-05 within 14-day window from first administration 2026-01-01',
      'grade 3 >= minGrade 3',
      'attribution possible in [possible, probable, definite]',
      'clinical symptoms: yes (required)',
      'medical treatment required: yes (required)'
    ]
  })
})

t.test('NCT07295067: each criterion that fails unmakes the DLT', async (t) => {
  const no = (a: AeFacts, c = ctx()) => {
    const r = classifyAe(nct07295067, a, c)
    t.equal(r.isDlt, false)
    t.equal(r.pending, false)
    return r.reasons
  }
  // the window is [2026-01-01, 2026-01-15], both ends inclusive
  t.equal(classifyAe(nct07295067, ae({ onsetDate: '2026-01-15' }), ctx()).isDlt, true)
  t.equal(classifyAe(nct07295067, ae({ onsetDate: '2026-01-01' }), ctx()).isDlt, true)
  t.equal(no(ae({ onsetDate: '2026-01-16' }))[0], 'onset 2026-01-16 after the 14-day window from first administration 2026-01-01')
  t.equal(no(ae({ onsetDate: '2025-12-31' }))[0], 'onset 2025-12-31 before the first administration 2026-01-01')
  t.equal(no(ae(), ctx({ administrations: [] }))[0], 'no administration recorded: onset outside any DLT window')
  // instants count by their UTC day: 23:30 at UTC-5 on Jan 1 is Jan 2 in UTC
  t.equal(no(ae({ onsetDate: '2026-01-01' }), ctx({ administrations: [{ administeredAt: '2026-01-01T23:30:00-05:00' }] }))[0],
    'onset 2026-01-01 before the first administration 2026-01-02')
  t.equal(no(ae({ grade: 2 }))[1], 'grade 2 < minGrade 3')
  t.equal(no(ae({ attribution: 'unlikely' }))[2], 'attribution unlikely not in [possible, probable, definite]')
  // A qualifier the site left out is not a "no" (issue #15): a DMC would ask the site, not close the
  // verdict, so the AE needs information and keeps the participant pending (tested below).
  t.equal(no(ae({ clinicalSymptoms: false }))[3], 'clinical symptoms: not reported as yes (required)')
  t.equal(no(ae({ requiredMedicalTreatment: false }))[4], 'medical treatment required: not reported as yes (required)')
  // the first administration opens the only window, later ones do not
  const later = ctx({ administrations: [{ administeredAt: '2026-02-01T09:00:00Z' }, { administeredAt: '2026-01-01T09:00:00Z' }] })
  t.equal(no(ae({ onsetDate: '2026-02-03' }), later)[0], 'onset 2026-02-03 after the 14-day window from first administration 2026-01-01')
})

t.test('each_administration: a window after every administration', async (t) => {
  const def: DltDefinition = { ...nct07295067, windowStart: 'each_administration', windowDays: 7 }
  const c = ctx({ administrations: [{ administeredAt: '2026-01-01T09:00:00Z' }, { administeredAt: '2026-01-29T09:00:00Z' }] })
  t.equal(classifyAe(def, ae({ onsetDate: '2026-02-05' }), c).reasons[0], 'onset 2026-02-05 within 7-day window from administration 2026-01-29')
  const out = classifyAe(def, ae({ onsetDate: '2026-01-20' }), c)
  t.equal(out.isDlt, false)
  t.equal(out.reasons[0], 'onset 2026-01-20 after the 7-day window from administration 2026-01-01')
})

// The contract's example exclusion: grade 3 nausea resolving within 72 h is not a DLT.
const withExclusion: DltDefinition = {
  windowDays: 21,
  windowStart: 'first_administration',
  minGrade: 3,
  attributions: RELATED,
  exclusions: [{ terms: ['nausea'], grade: 3, maxDurationHours: 72 }]
}

t.test('exclusions with a maximum duration', async (t) => {
  const short = classifyAe(withExclusion, ae({ resolvedDate: '2026-01-07' }), ctx())
  t.equal(short.isDlt, false)
  t.equal(short.pending, false)
  t.equal(short.reasons.at(-1), 'excluded: nausea grade 3 resolved within 72 h (lasted 48 h)')
  // 3 days = 72 h is still "within 72 h"; 4 days is not
  t.equal(classifyAe(withExclusion, ae({ resolvedDate: '2026-01-08' }), ctx()).isDlt, false)
  const long = classifyAe(withExclusion, ae({ resolvedDate: '2026-01-09' }), ctx())
  t.equal(long.isDlt, true)
  t.equal(long.reasons.at(-1), 'exclusion not met: nausea grade 3 resolved within 72 h (lasted 96 h)')
  // grade 4 nausea is not what the exclusion names
  t.equal(classifyAe(withExclusion, ae({ grade: 4 }), ctx()).isDlt, true)
  // still unresolved after 1 day: could resolve within 72 h, so pending until onset + 4 days
  const open = classifyAe(withExclusion, ae(), ctx({ asOf: '2026-01-06T12:00:00Z' }))
  t.same([open.isDlt, open.pending, open.pendingUntil], [false, true, '2026-01-09T00:00:00.000Z'])
  t.equal(open.reasons.at(-1), 'exclusion pending: nausea grade 3 resolved within 72 h (unresolved, 24 h so far)')
  // unresolved on 2026-01-09: more than 72 h have passed, the exclusion cannot hold
  const overdue = classifyAe(withExclusion, ae(), ctx({ asOf: '2026-01-09T00:00:00Z' }))
  t.same([overdue.isDlt, overdue.pending], [true, false])
  // a pending exclusion does not matter for an AE that is not a DLT anyway
  t.same(classifyAe(withExclusion, ae({ attribution: 'unrelated' }), ctx({ asOf: '2026-01-06T12:00:00Z' })).pending, false)
})

// Inclusions: grade 4 neutrophil count decreased lasting at least 7 days, or
// grade >= 3 with a concurrent fever (febrile neutropenia, cf. CTCAE v5.0).
const withInclusions: DltDefinition = {
  windowDays: 28,
  windowStart: 'first_administration',
  minGrade: 3,
  attributions: RELATED,
  inclusions: [
    { meddraCodes: ['10029366'], minGrade: 4, minDurationHours: 168 },
    { socs: ['investigations'], minGrade: 3, withConcurrent: { terms: ['Fever'], minGrade: 1 } }
  ]
}

t.test('inclusions with a minimum duration or a concurrent AE', async (t) => {
  const anc = (over: Partial<AeFacts>) => ae({ ...ANC, grade: 4, ...over })
  const lasting = classifyAe(withInclusions, anc({ resolvedDate: '2026-01-13' }), ctx())
  t.equal(lasting.isDlt, true)
  t.ok(lasting.reasons.includes('inclusion met: MedDRA 10029366 grade >= 4 lasting at least 168 h (lasted 192 h)'))
  t.equal(classifyAe(withInclusions, anc({ resolvedDate: '2026-01-08' }), ctx()).isDlt, false)
  t.equal(classifyAe(withInclusions, anc({ grade: 3, resolvedDate: '2026-01-20' }), ctx()).isDlt, false)
  const open = classifyAe(withInclusions, anc({}), ctx({ asOf: '2026-01-07T08:00:00Z' }))
  t.same([open.isDlt, open.pending, open.pendingUntil], [false, true, '2026-01-12T00:00:00.000Z'])
  t.ok(open.reasons.includes('inclusion pending: MedDRA 10029366 grade >= 4 lasting at least 168 h (unresolved, 48 h so far)'))
  t.equal(classifyAe(withInclusions, anc({}), ctx({ asOf: '2026-01-12T00:00:00Z' })).isDlt, true)

  const fever = (over: Partial<AeFacts>) => ae({ ...FEVER, grade: 1, ...over })
  const febrile = classifyAe(withInclusions, anc({ grade: 3, resolvedDate: '2026-01-07' }), ctx({ otherAes: [fever({ onsetDate: '2026-01-07', resolvedDate: '2026-01-08' })] }))
  t.equal(febrile.isDlt, true)
  t.ok(febrile.reasons.includes('inclusion met: SOC investigations grade >= 3 with concurrent Fever grade >= 1 (lasted 48 h)'))
  // fever the day after the neutropenia resolved does not overlap
  t.equal(classifyAe(withInclusions, anc({ grade: 3, resolvedDate: '2026-01-07' }), ctx({ otherAes: [fever({ onsetDate: '2026-01-08' })] })).isDlt, false)
  // an unresolved fever that began before overlaps with everything after its onset
  t.equal(classifyAe(withInclusions, anc({ grade: 3, resolvedDate: '2026-01-07' }), ctx({ otherAes: [fever({ onsetDate: '2026-01-02' })] })).isDlt, true)
  // the AE itself is never its own concurrent AE
  const self = anc({ ...FEVER, meddraCode: ANC.meddraCode, soc: 'Investigations', grade: 3 })
  t.equal(classifyAe(withInclusions, self, ctx({ otherAes: [self] })).isDlt, false)
  // a grade 3 nausea is not selected by the inclusions
  t.equal(classifyAe(withInclusions, ae(), ctx()).isDlt, true)
})

t.test('alwaysDlt entries override exclusions and the general criteria, not the window', async (t) => {
  const def: DltDefinition = {
    ...withExclusion,
    requireClinicalSymptoms: true,
    alwaysDlt: [{ minGrade: 5, attributions: RELATED }, { terms: ['Nausea'], grade: 3, minDurationHours: 48 }]
  }
  const death = classifyAe(def, ae({ ...DEATH, grade: 5, clinicalSymptoms: false }), ctx())
  t.equal(death.isDlt, true)
  t.equal(death.reasons.at(-1), 'alwaysDlt: any AE grade >= 5 attribution in [possible, probable, definite]')
  t.equal(classifyAe(def, ae({ ...DEATH, grade: 5, attribution: 'unrelated' }), ctx()).isDlt, false)
  t.equal(classifyAe(def, ae({ ...DEATH, grade: 5, onsetDate: '2026-03-01' }), ctx()).isDlt, false)
  // nausea lasting 48 h: excluded (within 72 h) but named by alwaysDlt
  const nausea = classifyAe(def, ae({ resolvedDate: '2026-01-07' }), ctx())
  t.equal(nausea.isDlt, true)
  t.ok(nausea.reasons.includes('excluded: nausea grade 3 resolved within 72 h (lasted 48 h)'))
  t.equal(nausea.reasons.at(-1), 'alwaysDlt: Nausea grade 3 lasting at least 48 h')
  const open = classifyAe(def, ae(), ctx({ asOf: '2026-01-06T00:00:00Z' }))
  t.same([open.isDlt, open.pending, open.pendingUntil], [false, true, '2026-01-07T00:00:00.000Z'])
  t.equal(open.reasons.at(-1), 'alwaysDlt pending: Nausea grade 3 lasting at least 48 h')
})

t.test('an adjudication overrides the computed flag and keeps it', async (t) => {
  const over = classifyAe(nct07295067, ae(), ctx()) // computed DLT
  t.equal(over.isDlt, true)
  const adjudicated = classifyAe(nct07295067, ae({ adjudication: { isDlt: false, reason: 'attributable to disease progression' } }), ctx())
  t.same({ ...adjudicated, reasons: adjudicated.reasons.at(-1) }, {
    isDlt: false,
    pending: false,
    verdict: 'not_dlt',
    missing: [],
    computed: { isDlt: true, pending: false },
    adjudicated: true,
    pendingUntil: null,
    reasons: 'adjudicated as not a DLT: attributable to disease progression'
  })
  const pending = classifyAe(withExclusion, ae({ adjudication: { isDlt: true, reason: 'prolonged nausea expected' } }), ctx({ asOf: '2026-01-05T10:00:00Z' }))
  t.same([pending.isDlt, pending.pending, pending.computed.pending, pending.pendingUntil], [true, false, true, '2026-01-09T00:00:00.000Z'])
  t.equal(pending.reasons.at(-1), 'adjudicated as DLT: prolonged nausea expected')
})

// Issue #21: an AE adjudicated "not a DLT" at grade 3 stayed "not a DLT" after a follow-up raised
// it to grade 4. A DMC expects an adjudication to hold for the facts it judged only: once one
// changes, the computed verdict applies and the AE is listed for re-adjudication.
t.test('an adjudication applies while the facts it judged are unchanged', async (t) => {
  const judged = ae()
  const adjudication = { isDlt: false, reason: 'attributable to disease progression', facts: adjudicatedFacts(judged) }
  t.equal(adjudicatedFacts(judged).grade, 3)
  const same = classifyAe(nct07295067, { ...judged, adjudication }, ctx())
  t.same([same.isDlt, same.adjudicated, same.readjudicate], [false, true, undefined])
  t.equal(same.reasons.at(-1), 'adjudicated as not a DLT: attributable to disease progression', 'the reason as written')
  const raised = classifyAe(nct07295067, { ...judged, grade: 4, adjudication }, ctx())
  t.same([raised.isDlt, raised.adjudicated, raised.readjudicate], [true, false, { changed: ['grade'] }])
  t.equal(raised.reasons.at(-1), 'adjudicated as not a DLT: attributable to disease progression (no longer applies: grade was 3, now 4; the computed verdict applies until a new adjudication)')
  const resolved = classifyAe(nct07295067, { ...judged, resolvedDate: '2026-01-09', adjudication }, ctx())
  t.same(resolved.readjudicate, { changed: ['resolvedDate'] }, 'a resolution date added is a change')
  const legacy = classifyAe(nct07295067, { ...judged, grade: 4, adjudication: { isDlt: false, reason: 'recorded before facts were kept' } }, ctx())
  t.same([legacy.isDlt, legacy.adjudicated], [false, true], 'an adjudication without its facts applies as before')
})

// Issue #15, "no silent no": a required qualifier the site left out is a question to the site,
// not a "no". Only an explicit false fails it; the verdict waits (pending) and names the fields.
t.test('a required qualifier not stated needs information; only an explicit false fails it', async (t) => {
  const rows: [string, Partial<AeFacts>, string, string[]][] = [
    ['both stated yes', {}, 'dlt', []],
    ['symptoms not stated', { clinicalSymptoms: undefined }, 'needs_information', ['clinicalSymptoms']],
    ['symptoms null', { clinicalSymptoms: null }, 'needs_information', ['clinicalSymptoms']],
    ['neither stated', { clinicalSymptoms: null, requiredMedicalTreatment: undefined }, 'needs_information', ['clinicalSymptoms', 'requiredMedicalTreatment']],
    ['treatment explicitly no, symptoms not stated: the no decides', { clinicalSymptoms: null, requiredMedicalTreatment: false }, 'not_dlt', []],
    ['not stated but grade 2: nothing to ask', { clinicalSymptoms: null, grade: 2 }, 'not_dlt', []],
    ['not stated but outside the window', { clinicalSymptoms: null, onsetDate: '2026-01-16' }, 'not_dlt', []]
  ]
  for (const [name, over, verdict, missing] of rows) {
    const r = classifyAe(nct07295067, ae(over), ctx())
    t.same([r.verdict, r.missing, r.isDlt, r.pending], [verdict, missing, verdict === 'dlt', verdict === 'needs_information'], name)
  }
  const open = classifyAe(nct07295067, ae({ clinicalSymptoms: null }), ctx())
  t.equal(open.pendingUntil, null, 'time alone does not settle it')
  t.equal(open.reasons[3], 'clinical symptoms: not reported (required): needs information')
  t.same(classifyAe({ ...nct07295067, requireClinicalSymptoms: false, requireMedicalTreatment: undefined }, ae({ clinicalSymptoms: null, requiredMedicalTreatment: null }), ctx()).verdict,
    'dlt', 'a qualifier the protocol does not require is not asked for')
  // a missing qualifier and a duration not yet known: the site is asked, and time may settle it too
  const both = classifyAe({ ...withExclusion, requireClinicalSymptoms: true }, ae({ clinicalSymptoms: null }), ctx({ asOf: '2026-01-06T00:00:00Z' }))
  t.same([both.verdict, both.missing, both.pendingUntil], ['needs_information', ['clinicalSymptoms'], '2026-01-09T00:00:00.000Z'])
  const duration = classifyAe(withExclusion, ae(), ctx({ asOf: '2026-01-06T00:00:00Z' }))
  t.same([duration.verdict, duration.missing, duration.pending], ['pending', [], true])
  const adjudicated = classifyAe(nct07295067, ae({ clinicalSymptoms: null, adjudication: { isDlt: true, reason: 'symptomatic per chart review' } }), ctx())
  t.same([adjudicated.verdict, adjudicated.missing, adjudicated.pending, adjudicated.computed.pending], ['dlt', [], false, true])
})

// Issue #15: a definitely related fatal event was not a DLT because the symptom and treatment flags
// were left out. A DMC does not dismiss a treatment-related death on a qualifier or an exclusion.
t.test('a related grade 5 in the window is a DLT whatever the qualifiers say', async (t) => {
  const fatal = { ...DEATH, grade: 5, serious: true, clinicalSymptoms: null, requiredMedicalTreatment: null }
  const rows: [string, DltDefinition, Partial<AeFacts>, string][] = [
    ['definite, flags left out', nct07295067, { attribution: 'definite' }, 'dlt'],
    ['possible, flags explicitly no', nct07295067, { attribution: 'possible', clinicalSymptoms: false, requiredMedicalTreatment: false }, 'dlt'],
    ['probable, attribution not in a narrower definition', { ...nct07295067, attributions: ['definite'] }, { attribution: 'probable' }, 'dlt'],
    ['excluded term', { ...nct07295067, exclusions: [{ terms: ['Death NOS'] }] }, { attribution: 'probable' }, 'dlt'],
    ['unlikely: not related', nct07295067, { attribution: 'unlikely' }, 'not_dlt'],
    ['unrelated', nct07295067, { attribution: 'unrelated' }, 'not_dlt'],
    ['outside the window', nct07295067, { attribution: 'definite', onsetDate: '2026-01-16' }, 'not_dlt']
  ]
  for (const [name, def, over, verdict] of rows) t.equal(classifyAe(def, ae({ ...fatal, ...over }), ctx()).verdict, verdict, name)
  t.equal(classifyAe(nct07295067, ae({ ...fatal, attribution: 'definite' }), ctx()).reasons.at(-1),
    'related grade 5 (definite): a DLT whatever the qualifiers and exclusions')
})

// Issue #15: a grade 2 -> 3 -> 2 sequence first stopped escalation, then let the trial proceed.
// An event that improves was still the DLT it was; only a correction of an entry error replaces it.
t.test('worst grade: improvement keeps the worst, a correction replaces it', async (t) => {
  const rows: [string, { grade: number, correction?: boolean }[], number][] = [
    ['one version', [{ grade: 2 }], 2],
    ['worsening then improving', [{ grade: 2 }, { grade: 3 }, { grade: 2 }], 3],
    ['the 3 was an entry error', [{ grade: 2 }, { grade: 3 }, { grade: 2, correction: true }], 2],
    ['a correction upwards', [{ grade: 2 }, { grade: 4, correction: true }, { grade: 3 }], 4],
    ['worsening after a correction', [{ grade: 4 }, { grade: 2, correction: true }, { grade: 3 }, { grade: 1 }], 3],
    ['correction: false is a follow-up', [{ grade: 3 }, { grade: 1, correction: false }], 3]
  ]
  for (const [name, versions, grade] of rows) t.equal(worstGrade(versions), grade, name)
  t.equal(classifyAe(nct07295067, ae({ grade: worstGrade([{ grade: 2 }, { grade: 3 }, { grade: 2 }]) }), ctx()).verdict, 'dlt')
})

// Issue #15: at a UTC+8 site a dose at 07:30 local moved the window a day early and an AE on local
// day 14 of a 14-day window was not a DLT. Windows are counted in the site's calendar.
t.test('windows, durations and pendingUntil in the site calendar', async (t) => {
  const shanghai = ctx({ administrations: [{ administeredAt: '2026-01-04T23:30:00Z' }], timeZone: 'Asia/Shanghai' })
  const rows: [string, string, Partial<DltContext>, boolean][] = [
    ['local day 14 (UTC+8)', '2026-01-19', shanghai, true],
    ['local day 15 (UTC+8)', '2026-01-20', shanghai, false],
    ['local day 0 (UTC+8)', '2026-01-05', shanghai, true],
    ['UTC calendar: the dose is on the 4th, the 19th is day 15', '2026-01-19', { ...shanghai, timeZone: undefined }, false],
    // the last instant of the local day of dosing: 23:59:59.999 in New York is 04:59:59.999Z the next day
    ['New York, dosed at the last instant of Jan 4', '2026-01-18', { administrations: [{ administeredAt: '2026-01-05T04:59:59.999Z' }], timeZone: 'America/New_York' }, true],
    ['New York, day 15 of that dose', '2026-01-19', { administrations: [{ administeredAt: '2026-01-05T04:59:59.999Z' }], timeZone: 'America/New_York' }, false]
  ]
  for (const [name, onsetDate, c, isDlt] of rows) t.equal(classifyAe(nct07295067, ae({ onsetDate }), ctx(c)).isDlt, isDlt, name)
  t.equal(classifyAe(nct07295067, ae({ onsetDate: '2026-01-19' }), ctx(shanghai)).reasons[0],
    'onset 2026-01-19 within 14-day window from first administration 2026-01-05')
  // unresolved nausea since Jan 5 (exclusion: resolved within 72 h); asOf 2026-01-07T16:30Z is Jan 8 in Shanghai: 72 h so far
  const asOf = '2026-01-07T16:30:00Z'
  const local = classifyAe(withExclusion, ae(), ctx({ ...shanghai, asOf }))
  t.same([local.verdict, local.pendingUntil], ['pending', '2026-01-08T16:00:00.000Z'], 'settles at the start of Jan 9 local')
  t.ok(local.reasons.includes('exclusion pending: nausea grade 3 resolved within 72 h (unresolved, 72 h so far)'))
  t.ok(classifyAe(withExclusion, ae(), ctx({ asOf })).reasons.includes('exclusion pending: nausea grade 3 resolved within 72 h (unresolved, 48 h so far)'))
})

// Issue #15: with a window from each administration and infusions further apart than the window,
// an AE between two infusions fell in no window. 'course' covers the DLT period as planned.
t.test("course window: from the first administration to windowDays after the DLT period's last", async (t) => {
  const weekly: Schedule = { administrations: [{ day: 0 }, { day: 14, windowDays: 2 }, { day: 28, windowDays: 2 }], dltPeriodAdministrations: 2 }
  const course: DltDefinition = { ...nct07295067, windowStart: 'course', windowDays: 7 }
  const dosed = { administrations: [{ administeredAt: '2026-01-01T09:00:00Z' }, { administeredAt: '2026-01-15T09:00:00Z' }], schedule: weekly }
  const rows: [string, string, Partial<DltContext>, boolean][] = [
    ['between the infusions (day 10)', '2026-01-11', dosed, true],
    ['last day: 7 days after the second infusion (day 21)', '2026-01-22', dosed, true],
    ['the day after', '2026-01-23', dosed, false],
    ['before the first administration', '2025-12-31', dosed, false],
    // second infusion not given yet, still allowed until day 16: the window runs to day 23 at least
    ['second infusion still due', '2026-01-24', { ...dosed, administrations: dosed.administrations.slice(0, 1), asOf: '2026-01-16T12:00:00Z' }, true],
    ['second infusion not given after the end of treatment: as planned (day 21)', '2026-01-23',
      { ...dosed, administrations: dosed.administrations.slice(0, 1), asOf: '2026-01-16T12:00:00Z', treatmentEndedAt: '2026-01-10T00:00:00Z' }, false],
    ['withdrawn: as planned', '2026-01-22',
      { ...dosed, administrations: dosed.administrations.slice(0, 1), asOf: '2026-01-16T12:00:00Z', withdrawnAt: '2026-01-10T00:00:00Z' }, true]
  ]
  for (const [name, onsetDate, c, isDlt] of rows) t.equal(classifyAe(course, ae({ onsetDate }), ctx(c)).isDlt, isDlt, name)
  t.equal(classifyAe(course, ae({ onsetDate: '2026-01-23' }), ctx(dosed)).reasons[0],
    'onset 2026-01-23 after course window 2026-01-01 to 2026-01-22 (7 days after the last administration of the DLT period)')
  t.equal(classifyAe({ ...course, windowStart: 'each_administration' }, ae({ onsetDate: '2026-01-11' }), ctx(dosed)).isDlt, false,
    'the same AE falls in no window from each administration')
  t.throws(() => classifyAe(course, ae(), ctx()), /needs the participant's schedule/)
  t.equal(classifyAe(course, ae(), ctx({ administrations: [] })).reasons[0], 'no administration recorded: onset outside any DLT window')
})
