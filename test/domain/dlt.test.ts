import t from 'tap'
import { classifyAe, type AeFacts, type DltContext } from '../../src/domain/dlt.js'
import type { DltDefinition } from '../../src/domain/protocol.js'

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
