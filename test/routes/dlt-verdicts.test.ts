// Issue #15 and #21 through the API: what a DMC expects of the AE verdicts it
// decides on. No silent "no" (a missing qualifier is an open query, and the
// participant waits for it); deaths are serious and a related death is a DLT;
// the worst grade reached counts; follow-up AEs are kept and reach the safety
// rules; adjudications reopen when the facts they judged change; amendments
// apply forward unless re-classification is asked for.
import t from 'tap'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, reportAe } from '../helpers/fixtures.js'

const { app } = await build()
const admin = bearer('admin')

let trialNo = 0
/**
 * A fresh NCT07295067-protocol trial (3+3, 14-day window, grade >= 3 possibly
 * related with symptoms and treatment; related SAE halts) with `n` level-1
 * participants P-1.. dosed 30 days ago: their windows have ended.
 */
async function trial (n = 3, protocol = nct07295067.protocol): Promise<string> {
  const trialId = `VERDICT-${++trialNo}`
  await createTrial(app, trialId, protocol)
  for (let i = 1; i <= n; i++) await enrolDosed(app, trialId, `P-${i}`, 1, 30)
  return trialId
}

const post = (trialId: string, payload: object) => app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: admin, payload })
const patch = (trialId: string, ae: { aeId: string, version: number }, payload: object) => app.inject({
  method: 'PATCH', url: `/v1/trials/${trialId}/adverse-events/${ae.aeId}`, headers: { ...admin, 'if-match': `"${ae.version}"` }, payload
})
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: admin })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}
const status = async (trialId: string) => await get(`/v1/trials/${trialId}/status`)
const listed = async (trialId: string, query: string) =>
  (await get(`/v1/trials/${trialId}/adverse-events?${query}`)).items.map((a: { aeId: string }) => a.aeId)

const onset = daysAgo(28).date // in the window of participants dosed 30 days ago

t.test('no silent no: a missing qualifier is an open query; the participant waits; the fact settles it', async (t) => {
  const trialId = await trial()
  // Grade 3 Anemia, possibly related, treated, but clinical symptoms not stated: the record requires them.
  const { clinicalSymptoms: _, ...unstated } = dltAe('P-1', onset)
  const res = await post(trialId, unstated)
  t.equal(res.statusCode, 201, res.body)
  const ae = res.json()
  t.match(ae.dlt, { isDlt: false, verdict: 'needs_information', missing: ['clinicalSymptoms'], pending: true })
  t.match(ae.dlt.reasons, [/window/, /grade/, /attribution/, 'clinical symptoms: not reported (required): needs information'])
  t.same(await listed(trialId, 'dltVerdict=needs_information'), [ae.aeId], 'listed as an open query')
  t.same(await listed(trialId, 'dltVerdict=not_dlt'), [], 'never a silent not-a-DLT')

  // The DMC sees a cohort that waits for the answer, and whom it waits for.
  const waiting = await status(trialId)
  t.match(waiting.doseLevels[0], { doseLevel: 1, evaluable: 2, pending: 1, dlts: 0 })
  t.not(waiting.decision.action, 'escalate', 'no escalation past an open query')
  t.ok(waiting.decision.reasons.includes('participant P-1 pending: an AE needs information for its DLT verdict'), waiting.decision.reasons.join('; '))
  t.ok(waiting.decision.reasons.includes(`AE ${ae.aeId} (participant P-1): needs information: clinicalSymptoms`), 'the open query named')
  t.match(await get(`/v1/trials/${trialId}/participants/P-1`), { dltCount: 0 })

  const answered = await patch(trialId, ae, { clinicalSymptoms: true, reason: 'site: symptomatic anemia (fatigue, dyspnoea)' })
  t.equal(answered.statusCode, 200, answered.body)
  t.match(answered.json().dlt, { isDlt: true, verdict: 'dlt', missing: [], pending: false })
  t.same(await listed(trialId, 'dltVerdict=needs_information'), [])
  t.same(await listed(trialId, 'dltVerdict=dlt'), [ae.aeId])
  // 3+3: 1 DLT in 3 evaluable expands the cohort at the same level.
  const settled = await status(trialId)
  t.match(settled.doseLevels[0], { doseLevel: 1, evaluable: 3, pending: 0, dlts: 1 })
  t.match(settled.decision, { action: 'expand_cohort', nextDoseLevel: 1 })
  t.notOk(settled.decision.reasons.some((r: string) => r.includes('needs information')), 'the query is closed')
})

t.test('deaths are serious; a related death is a DLT whatever the qualifiers and halts the trial', async (t) => {
  const trialId = await trial()
  const death = { participantId: 'P-1', term: 'Death NOS', grade: 5, onsetDate: onset, attribution: 'probable', outcome: 'fatal' }
  // ICH E2A: a death is serious; CTCAE grade 5 is death. Refused on creation...
  const notSerious = await post(trialId, { ...death, serious: false })
  t.equal(notSerious.statusCode, 422)
  t.match(notSerious.json().errors, [{ path: '/serious' }, { path: '/seriousnessCriteria' }])
  const noDeath = await post(trialId, { ...death, serious: true, seriousnessCriteria: ['hospitalization'] })
  t.equal(noDeath.statusCode, 422)
  t.same(noDeath.json().errors.map((e: { path: string }) => e.path), ['/seriousnessCriteria'])

  // A related grade 5 with qualifiers that would fail an ordinary DLT (no symptoms, no treatment).
  const res = await post(trialId, { ...death, serious: true, seriousnessCriteria: ['death'], clinicalSymptoms: false, requiredMedicalTreatment: false })
  t.equal(res.statusCode, 201, res.body)
  const ae = res.json()
  t.match(ae.dlt, { isDlt: true, verdict: 'dlt' })
  t.ok(ae.dlt.reasons.includes('related grade 5 (probable): a DLT whatever the qualifiers and exclusions'))
  // ...and on follow-up, merged with the stored AE: the death criterion cannot be dropped.
  const dropped = await patch(trialId, ae, { seriousnessCriteria: ['hospitalization'], reason: 'criteria re-entered' })
  t.equal(dropped.statusCode, 422)
  t.same(dropped.json().errors.map((e: { path: string }) => e.path), ['/seriousnessCriteria'])
  const unserious = await patch(trialId, ae, { serious: false, seriousnessCriteria: null, reason: 'entered as not serious' })
  t.equal(unserious.statusCode, 422)
  t.same(unserious.json().errors.map((e: { path: string }) => e.path), ['/serious', '/seriousnessCriteria'])

  // The record: a related SAE, let alone a death, ceases the trial.
  const halted = await status(trialId)
  t.match(halted, { state: 'stop', decision: { action: 'halt_trial', nextDoseLevel: null } })
})

t.test('the worst grade counts: a lower follow-up keeps the DLT; a correction reclassifies', async (t) => {
  const trialId = await trial()
  const created = await post(trialId, { ...dltAe('P-1', onset), grade: 2 })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.json().dlt, { isDlt: false, verdict: 'not_dlt', grade: 2 })
  t.match((await status(trialId)).decision, { action: 'escalate', nextDoseLevel: 2 }, '0/3: escalate')

  const worse = await patch(trialId, created.json(), { grade: 3, reason: 'worsened to grade 3' })
  t.equal(worse.statusCode, 200, worse.body)
  t.match(worse.json().dlt, { isDlt: true, grade: 3 })
  const expanded = await status(trialId)
  t.match(expanded.decision, { action: 'expand_cohort', nextDoseLevel: 1 }, '1/3: expand the cohort')

  // The event improves: it was a grade 3 toxicity, and stays the DLT it was.
  const better = await patch(trialId, worse.json(), { grade: 2, reason: 'improving' })
  t.equal(better.statusCode, 200, better.body)
  t.match(better.json(), { grade: 2, dlt: { isDlt: true, verdict: 'dlt', grade: 3 } })
  t.match((await status(trialId)).decision, { action: 'expand_cohort', nextDoseLevel: 1 }, 'no return to escalation')
  t.match((await status(trialId)).doseLevels[0], { dlts: 1 })

  // A correction of an entry error (the grade 3 was never true) replaces the worst grade.
  const wrong = await app.inject({
    method: 'PATCH',
    url: `/v1/trials/${trialId}/adverse-events/${created.json().aeId}`,
    headers: { ...admin, 'if-match': '"3"' },
    payload: { grade: 3, correction: 'yes', reason: 'x' }
  })
  t.equal(wrong.statusCode, 422, 'correction is true or absent')
  t.match(wrong.json().errors, [{ path: '/correction' }])
  const relapse = await patch(trialId, better.json(), { grade: 3, reason: 'worse again' })
  t.equal(relapse.statusCode, 200, relapse.body)
  const corrected = await patch(trialId, relapse.json(), { grade: 2, correction: true, reason: 'grade 3 entered in error: the lab value was grade 2' })
  t.equal(corrected.statusCode, 200, corrected.body)
  t.match(corrected.json(), { grade: 2, dlt: { isDlt: false, verdict: 'not_dlt', grade: 2 } })
  t.notOk('correction' in corrected.json(), 'correction is about the change, not a field of the AE')
  t.match((await status(trialId)).decision, { action: 'escalate', nextDoseLevel: 2 })
  const history = (await get(`/v1/trials/${trialId}/adverse-events/${created.json().aeId}/history`)).items
  t.same(history.map((v: { snapshot: { grade: number }, correction: boolean }) => [v.snapshot.grade, v.correction]),
    [[2, false], [3, false], [2, false], [3, false], [2, true]], 'the correction is kept with its version')
})

t.test('follow-up AEs: after withdrawal accepted with their phase, count for the death rules, a DLT only in the window', async (t) => {
  const trialId = await trial(1)
  const participant = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/participants/P-1`, headers: admin })
  const withdrawn = await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants/P-1/withdraw`,
    headers: { ...admin, 'if-match': participant.headers.etag as string },
    payload: { withdrawnAt: daysAgo(10).at, reason: 'withdrew consent' }
  })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  t.match(await status(trialId), { state: 'go' })

  // Found dead 5 days after withdrawal, judged probably related: the record's cessation criterion.
  const res = await post(trialId, {
    participantId: 'P-1', term: 'Death NOS', grade: 5, onsetDate: daysAgo(5).date, serious: true, seriousnessCriteria: ['death'], attribution: 'probable', outcome: 'fatal'
  })
  t.equal(res.statusCode, 201, res.body)
  const ae = res.json()
  t.equal(ae.phase, 'off_study')
  t.match(ae.dlt, { isDlt: false, verdict: 'not_dlt' }, 'onset 25 days after the first dose: outside the 14-day window')
  t.ok(ae.saeReports.length > 0, 'its SAE clocks run')
  t.match(await status(trialId), { state: 'stop', decision: { action: 'halt_trial' } })
  t.ok((await get(`/v1/trials/${trialId}/sae-reports`)).items.some((r: { aeId: string }) => r.aeId === ae.aeId), 'listed among the SAE reports due')
  const sdtm = await get(`/v1/trials/${trialId}/exports/sdtm-ae.json`) as Array<{ AESPID: string, EPOCH: string | null }>
  t.equal(sdtm.find((r) => r.AESPID === ae.aeId)?.EPOCH, 'FOLLOW-UP', 'exported as follow-up')

  // An AE with onset before the withdrawal is on treatment.
  const earlier = await post(trialId, { ...dltAe('P-1', onset) })
  t.equal(earlier.statusCode, 201, earlier.body)
  t.match(earlier.json(), { phase: 'on_treatment', dlt: { isDlt: true } })
})

t.test('other, specify: only an "Other, specify" term takes otherSpecify, on creation and on follow-up', async (t) => {
  const trialId = await trial(1)
  const refused = await post(trialId, { ...dltAe('P-1', onset), otherSpecify: 'iron deficiency' })
  t.equal(refused.statusCode, 422)
  t.match(refused.json().errors, [{ path: '/otherSpecify' }])
  const ae = (await post(trialId, dltAe('P-1', onset))).json()
  const followUp = await patch(trialId, ae, { otherSpecify: 'iron deficiency', reason: 'name added' })
  t.equal(followUp.statusCode, 422)
  t.match(followUp.json().errors, [{ path: '/otherSpecify' }])
  t.equal((await get(`/v1/trials/${trialId}/adverse-events/${ae.aeId}`)).version, 1, 'nothing stored')
})

t.test('adjudications reopen when a follow-up changes the facts they judged', async (t) => {
  const trialId = await trial()
  const ae = (await post(trialId, dltAe('P-1', onset))).json()
  const adjudicate = (payload: { isDlt: boolean, reason: string }) =>
    app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events/${ae.aeId}/adjudications`, headers: bearer('safety_monitor'), payload })
  const reason = 'grade 3 anemia attributable to disease progression'
  const judged = await adjudicate({ isDlt: false, reason })
  t.equal(judged.statusCode, 201, judged.body)
  t.match(judged.json(), { isDlt: false, facts: { grade: 3, attribution: 'possible', clinicalSymptoms: true } })
  t.match(judged.json().adverseEvent.dlt, { isDlt: false, verdict: 'not_dlt', adjudicated: false, readjudicate: null })
  t.ok(judged.json().adverseEvent.dlt.reasons.includes(`adjudicated as not a DLT: ${reason}`), 'the reason as written')
  t.match((await status(trialId)).decision, { action: 'escalate' })

  // Grade 4 is not what the safety monitor judged: the protocol's verdict applies and the AE is listed again.
  const worse = await patch(trialId, judged.json().adverseEvent, { grade: 4, reason: 'Hgb fell further' })
  t.equal(worse.statusCode, 200, worse.body)
  t.match(worse.json().dlt, { isDlt: true, verdict: 'dlt', adjudicated: false, readjudicate: { changed: ['grade'] } })
  t.same(await listed(trialId, 'readjudicate=true'), [ae.aeId])
  t.match((await status(trialId)).doseLevels[0], { dlts: 1 })

  const again = await adjudicate({ isDlt: false, reason: 'grade 4 also progression: bone marrow infiltration on biopsy' })
  t.equal(again.statusCode, 201, again.body)
  t.match(again.json(), { facts: { grade: 4 }, adverseEvent: { dlt: { isDlt: false, readjudicate: null } } })
  t.same(await listed(trialId, 'readjudicate=true'), [])
  t.same(await listed(trialId, 'readjudicate=false'), [ae.aeId])
  t.match((await status(trialId)).doseLevels[0], { dlts: 0 })
})

t.test('amendments apply forward; reclassify: true re-classifies explicitly and the decision shows it', async (t) => {
  const trialId = await trial()
  // 0/3 at level 1 escalates; at level 2, two of three have a DLT: de-escalate.
  for (const id of ['P-4', 'P-5', 'P-6']) await enrolDosed(app, trialId, id, 2, 20)
  const dlts = [await reportAe(app, trialId, dltAe('P-4', daysAgo(18).date)), await reportAe(app, trialId, dltAe('P-5', daysAgo(18).date))]
  const before = await status(trialId)
  t.match(before, { decision: { action: 'de_escalate', nextDoseLevel: 1 } })
  t.match(before.doseLevels[1], { doseLevel: 2, evaluable: 3, dlts: 2 })

  const amend = async (version: number, body: object) => await app.inject({
    method: 'PUT', url: `/v1/trials/${trialId}/protocol`, headers: { ...admin, 'if-match': `"${version}"` }, payload: body
  })
  const raised = { ...nct07295067.protocol, dltDefinition: { ...nct07295067.protocol.dltDefinition, minGrade: 4 } }
  const forward = await amend(1, { protocol: raised, reason: 'DLT from grade 4 (amendment 1)' })
  t.equal(forward.statusCode, 200, forward.body)
  t.notOk('reclassified' in forward.json())
  for (const { aeId } of dlts) {
    t.match((await get(`/v1/trials/${trialId}/adverse-events/${aeId}`)).dlt, { isDlt: true, protocolVersion: 1 }, 'keeps the verdict of its version')
  }
  t.match(await status(trialId), { decision: { action: 'de_escalate', nextDoseLevel: 1 } }, 'still de-escalate')
  // A new AE is classified under the amendment: grade 3 is no longer a DLT.
  const fresh = await reportAe(app, trialId, dltAe('P-6', daysAgo(17).date)) as unknown as { dlt: { isDlt: boolean, protocolVersion: number } }
  t.match(fresh.dlt, { isDlt: false, protocolVersion: 2 })

  const explicit = await amend(2, { protocol: raised, reason: 'the DMC asks that past AEs be judged under grade 4', reclassify: true })
  t.equal(explicit.statusCode, 200, explicit.body)
  const changed = explicit.json().reclassified as Array<{ aeId: string }>
  t.same([...changed].sort((a, b) => a.aeId < b.aeId ? -1 : 1), dlts.map((d) => ({ aeId: d.aeId, from: 'dlt', to: 'not_dlt' })).sort((a, b) => a.aeId < b.aeId ? -1 : 1))
  for (const { aeId } of dlts) t.match((await get(`/v1/trials/${trialId}/adverse-events/${aeId}`)).dlt, { isDlt: false, protocolVersion: 3 })
  const after = await status(trialId)
  t.not(after.decision.action, 'de_escalate')
  t.match(after.doseLevels[1], { doseLevel: 2, dlts: 0 })
  const [latest] = (await get(`/v1/trials/${trialId}/decisions`)).items
  t.match(latest, { protocolVersion: 3, trigger: { type: 'protocol_amended', reclassified: changed } })
  const blinded = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions`, headers: bearer('dmc') })).json().items[0]
  t.notOk('reclassified' in blinded.trigger, 'the blinded DMC does not see which AEs')
  const audit = (await get(`/v1/audit?trialId=${trialId}&entity=protocol`)).items
  t.match(audit.at(-1), { action: 'amend', reason: 'the DMC asks that past AEs be judged under grade 4', after: { protocolVersion: 3, reclassify: true, reclassified: changed } })
})
