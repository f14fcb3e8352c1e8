// A new AE is added to its participant's DLT summary without re-reading the
// participant's other AEs when the protocol's verdicts cannot depend on them.
// The summary kept that way must be the one a full re-classification gives.
import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import type { AdverseEventRow as AeRow } from '../../db/schema.js'
import type { DltClassification } from '../../src/domain/dlt.js'
import type { DltDefinition } from '../../src/domain/protocol.js'
import { loadProtocol } from '../../src/services/protocols.js'
import { pipelinedTransaction } from '../../src/services/pipeline.js'
import { dependsOnOtherAes, EMPTY_SUMMARY, reclassifyParticipant, withVerdict } from '../../src/services/classification.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe, reportAe } from '../helpers/fixtures.js'

const { app } = await build()

const summaryOf = async (trialId: string, participantId: string) => rows<Record<string, unknown>>(await app.db.execute(sql`
  select dlt_count, pending_dlt_count, pending_dlt_until, worst_grade, term_worst, sae_count, open_queries
  from participants where trial_id = ${trialId} and participant_id = ${participantId}`))[0]

const toxicityOf = async (trialId: string) => rows<Record<string, unknown>>(await app.db.execute(sql`
  select dose_level, arm_key, meddra_code, grade, participants from toxicity_counts
  where trial_id = ${trialId} and participants <> 0 order by dose_level, arm_key, meddra_code, grade`))

const verdictsOf = async (trialId: string) => rows<Record<string, unknown>>(await app.db.execute(sql`
  select ae_id, is_dlt, dlt_computed, dlt_pending, dlt_pending_until, dlt_reasons, dlt_verdict, dlt_missing from adverse_events where trial_id = ${trialId} order by ae_id`))

tap.test('dependsOnOtherAes: only a withConcurrent condition makes a verdict depend on other AEs', async (t) => {
  const base: DltDefinition = { windowDays: 28, windowStart: 'first_administration', minGrade: 3, attributions: ['possible', 'probable', 'definite'] }
  t.equal(dependsOnOtherAes(base), false)
  t.equal(dependsOnOtherAes(nct07295067.protocol.dltDefinition as DltDefinition), false, 'the seed trial')
  const concurrent = { terms: ['Fever'], minGrade: 2 }
  t.equal(dependsOnOtherAes({ ...base, exclusions: [{ terms: ['Nausea'], withConcurrent: concurrent }] }), true)
  t.equal(dependsOnOtherAes({ ...base, inclusions: [{ terms: ['Nausea'] }, { terms: ['Rash'], withConcurrent: concurrent }] }), true)
  t.equal(dependsOnOtherAes({ ...base, alwaysDlt: [{ minGrade: 5, withConcurrent: concurrent }] }), true)
})

tap.test('withVerdict folded over the AEs gives their summary', async (t) => {
  const verdict = (over: Partial<DltClassification>): DltClassification =>
    ({ isDlt: false, pending: false, verdict: 'not_dlt', missing: [], reasons: [], computed: { isDlt: false, pending: false }, adjudicated: false, pendingUntil: null, ...over })
  const summary = [
    [{ grade: 3, meddraCode: 'A', serious: false }, verdict({ isDlt: true })],
    [{ grade: 2, meddraCode: 'A', serious: true }, verdict({ pending: true, pendingUntil: '2026-12-03T00:00:00.000Z' })],
    [{ grade: 1, meddraCode: 'B', serious: false }, verdict({ pending: true, pendingUntil: '2026-12-01T00:00:00.000Z' })],
    // Adjudicated: the pending computed verdict no longer counts.
    [{ grade: 4, meddraCode: 'C', serious: false }, verdict({ isDlt: true, adjudicated: true, computed: { isDlt: false, pending: true }, pendingUntil: '2026-11-29T00:00:00.000Z' })]
  ].reduce((s, [ae, v]) => withVerdict(s, ae as AeRow, v as DltClassification), EMPTY_SUMMARY)
  t.same(summary, {
    dltCount: 2,
    pendingDltCount: 2,
    pendingDltUntil: '2026-12-01T00:00:00.000Z',
    worstGrade: 4,
    termWorst: { A: 3, B: 1, C: 4 },
    saeCount: 1,
    openQueries: []
  })
  t.equal(withVerdict({ ...summary, pendingDltUntil: '2026-11-30 00:00:00+00' }, { aeId: 'e', grade: 1, meddraCode: 'B', serious: false }, verdict({ pending: true, pendingUntil: '2026-12-01T00:00:00.000Z' })).pendingDltUntil,
    '2026-11-30 00:00:00+00', 'a stored instant in PostgreSQL\'s spelling is compared as an instant')
  // An open query counts among the pending and on its own; an adjudicated one does not.
  const asked = verdict({ pending: true, verdict: 'needs_information', missing: ['clinicalSymptoms'], computed: { isDlt: false, pending: true } })
  const ae = { aeId: 'd', grade: 3, meddraCode: 'D', serious: false } as AeRow
  t.match(withVerdict(EMPTY_SUMMARY, ae, asked), { pendingDltCount: 1, openQueries: [{ aeId: 'd', missing: ['clinicalSymptoms'] }] })
  t.match(withVerdict(EMPTY_SUMMARY, ae, { ...asked, pending: false, adjudicated: true }), { pendingDltCount: 0, openQueries: [] })
})

tap.test('AEs added one by one leave the summary and toxicity counts a full re-classification gives', async (t) => {
  const trialId = 'CLASSIFY-1'
  await createTrial(app, trialId)
  for (const [i, days] of [20, 5].entries()) await enrolDosed(app, trialId, `P-${i + 1}`, 1, days)
  // DLTs, mild AEs, a worse grade of a term already seen, a serious AE, and
  // one past the participant's DLT window.
  const reports = [
    dltAe('P-1', daysAgo(15).date),
    mildAe('P-1', daysAgo(14).date),
    { ...mildAe('P-1', daysAgo(12).date), grade: 2 },
    { ...mildAe('P-1', daysAgo(10).date), term: 'Fever', serious: true, seriousnessCriteria: ['hospitalization'] },
    { ...dltAe('P-2', daysAgo(3).date), term: 'Fatigue' },
    { ...dltAe('P-2', daysAgo(2).date), resolvedDate: daysAgo(1).date },
    // clinical symptoms not stated: needs information
    { participantId: 'P-2', term: 'Vomiting', grade: 3, onsetDate: daysAgo(2).date, serious: false, attribution: 'possible', requiredMedicalTreatment: true },
    dltAe('P-1', daysAgo(1).date)
  ]
  for (const report of reports) await reportAe(app, trialId, report)
  const before = await Promise.all([summaryOf(trialId, 'P-1'), summaryOf(trialId, 'P-2'), toxicityOf(trialId), verdictsOf(trialId)])
  t.equal((before[0]!.dlt_count as number), 1, 'P-1 has its DLT')
  t.match(before[1]!.open_queries, [{ missing: ['clinicalSymptoms'] }], 'P-2 has an open query')

  await pipelinedTransaction(app.db, async (pipeline) => {
    const protocol = await loadProtocol(pipeline.tx, trialId, 1)
    for (const participantId of ['P-1', 'P-2']) await reclassifyParticipant(pipeline, trialId, participantId, protocol, 1, new Date().toISOString())
  })
  const after = await Promise.all([summaryOf(trialId, 'P-1'), summaryOf(trialId, 'P-2'), toxicityOf(trialId), verdictsOf(trialId)])
  t.same(after, before, 'summaries, toxicity counts and the verdicts stored with each AE')
  t.equal(before[3]!.length, reports.length)
})
