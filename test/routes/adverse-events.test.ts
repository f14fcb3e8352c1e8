import t, { type Test } from 'tap'
import { and, asc, eq } from 'drizzle-orm'
import { adjudications, adverseEvents, adverseEventVersions, auditLog } from '../../db/schema.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { verifyChain } from '../../src/services/audit-verify.js'
import type { AePatchInput } from '../../src/services/adverse-events.js'
import { AE_PATCH_META, aePatchBody } from '../../src/schemas/adverse-events.js'
import { bearer, build } from '../helpers/build.js'
import { SEED_SITE, administer, createTrial, enrol } from '../helpers/fixtures.js'

const { app } = await build()
const admin = bearer('admin')
const edc = bearer('edc', { sites: [SEED_SITE], sub: 'edc-xuanwu' })
const ENROLLED = '2025-01-06'
const base = { participantId: 'P1', grade: 3, onsetDate: '2025-01-08', serious: false, attribution: 'possible', clinicalSymptoms: true, requiredMedicalTreatment: true }

let trialNo = 0
/** A fresh NCT07295067-protocol trial with P1 enrolled on 2025-01-06 and dosed that day. */
async function trial (protocol = nct07295067.protocol): Promise<string> {
  const trialId = `AE-T${++trialNo}`
  await createTrial(app, trialId, protocol, [{ siteId: 'other-site', name: 'Another hospital' }])
  await enrol(app, trialId, 'P1', SEED_SITE, 1, ENROLLED)
  await administer(app, trialId, 'P1', '2025-01-06T09:00:00Z', 1)
  return trialId
}

const post = (trialId: string, payload: object, headers: Record<string, string> = admin) =>
  app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers, payload })
const patch = (trialId: string, aeId: string, payload: object, headers: Record<string, string>) =>
  app.inject({ method: 'PATCH', url: `/v1/trials/${trialId}/adverse-events/${aeId}`, headers: { ...edc, ...headers }, payload })

async function counts (trialId: string) {
  return {
    aes: await app.db.$count(adverseEvents, eq(adverseEvents.trialId, trialId)),
    versions: await app.db.$count(adverseEventVersions, eq(adverseEventVersions.trialId, trialId)),
    audit: await app.db.$count(auditLog, eq(auditLog.trialId, trialId))
  }
}

/** Asserts a 422 listing exactly these problems, and that nothing was stored. */
async function refused (t: Test, trialId: string, payload: object, errors: { path: string, message: string | RegExp }[], headers = admin) {
  const before = await counts(trialId)
  const res = await post(trialId, payload, headers)
  t.equal(res.statusCode, 422, res.body)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:validation', status: 422 })
  t.match(res.json().errors, errors)
  t.equal(res.json().errors.length, errors.length, 'one entry per problem')
  t.same(await counts(trialId), before, 'nothing stored')
}

t.test('CTCAE acceptance: grades CTCAE does not define are refused; Anemia by code is accepted', async t => {
  const trialId = await trial()
  // CTCAE v5.0: Alopecia has grades 1-2 only; Death NOS has grade 5 only.
  await refused(t, trialId, { ...base, term: 'Alopecia' }, [
    { path: '/grade', message: 'grade 3 is not defined for Alopecia in CTCAE v5.0; allowed grades: 1, 2' }
  ])
  await refused(t, trialId, { ...base, term: 'Death NOS', grade: 4 }, [
    { path: '/grade', message: 'grade 4 is not defined for Death NOS in CTCAE v5.0; allowed grades: 5' }
  ])

  const res = await post(trialId, { ...base, meddraCode: '10002272' }, edc)
  t.equal(res.statusCode, 201, res.body)
  const ae = res.json()
  t.equal(res.headers.etag, '"1"')
  t.equal(res.headers.location, `/v1/trials/${trialId}/adverse-events/${ae.aeId}`)
  t.match(ae, {
    aeId: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/,
    version: 1,
    participantId: 'P1',
    siteId: SEED_SITE,
    doseLevel: 1,
    term: 'Anemia',
    meddraCode: '10002272',
    grade: 3,
    onsetDate: '2025-01-08',
    resolvedDate: null,
    serious: false,
    seriousnessCriteria: [],
    attribution: 'possible',
    outcome: null,
    phase: 'on_treatment',
    nullified: false,
    ctcae: { version: '5.0', term: 'Anemia', meddraCode: '10002272', soc: 'Blood and lymphatic system disorders' },
    saeReports: [],
    createdBy: 'edc-xuanwu'
  })
  // NCT07295067: grade >= 3, possibly related, symptoms and treatment, within 14 days of the first administration.
  t.same(ae.dlt, {
    isDlt: true,
    verdict: 'dlt',
    missing: [],
    grade: 3,
    pending: false,
    reasons: [
      'onset 2025-01-08 within 14-day window from first administration 2025-01-06',
      'grade 3 >= minGrade 3',
      'attribution possible in [possible, probable, definite]',
      'clinical symptoms: yes (required)',
      'medical treatment required: yes (required)'
    ],
    protocolVersion: 1,
    computed: { isDlt: true, pending: false },
    adjudicated: null,
    readjudicate: null
  })
  t.ok(Math.abs(Date.parse(ae.awareAt) - Date.now()) < 60_000, 'awareAt defaults to the time received')
  t.match(ae.awareAt, /Z$/)

  const [row] = await app.db.select().from(adverseEvents).where(eq(adverseEvents.aeId, ae.aeId))
  t.equal(row!.ctcaeVersion, '5.0')
  const audit = await app.db.select().from(auditLog).where(and(eq(auditLog.trialId, trialId), eq(auditLog.entityId, ae.aeId)))
  t.match(audit, [{ action: 'ae_created', entity: 'adverse_event', actor: 'edc-xuanwu', role: 'edc', after: { aeId: ae.aeId, grade: 3 } }])
  t.equal((await verifyChain(app.db, trialId)).valid, true)

  const got = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events/${ae.aeId}`, headers: bearer('safety_monitor') })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, '"1"')
  t.same(got.json(), ae)
})

t.test('every problem of a report is listed in one 422 and nothing is stored', async t => {
  const trialId = await trial()
  await refused(t, trialId, {
    ...base,
    term: 'Anemia',
    meddraCode: '10001760',
    onsetDate: '2025-01-05',
    resolvedDate: '2025-01-04',
    serious: true,
    attribution: 'likely'
  }, [
    { path: '/meddraCode', message: "meddraCode 10001760 is 'Alopecia' but term is 'Anemia' (MedDRA code 10002272)" },
    { path: '/grade', message: /allowed grades: 1, 2/ },
    { path: '/onsetDate', message: 'onset 2025-01-05 is before enrolment on 2025-01-06' },
    { path: '/resolvedDate', message: 'resolution 2025-01-04 is before onset 2025-01-05' },
    { path: '/seriousnessCriteria', message: 'a serious AE needs at least one seriousness criterion' },
    { path: '/attribution', message: /got 'likely'/ }
  ])
  await refused(t, trialId, { ...base, term: 'Hangnail' }, [{ path: '/term', message: "'Hangnail' is not a CTCAE v5.0 term" }])
  await refused(t, trialId, { ...base, meddraCode: '99999999' }, [{ path: '/meddraCode', message: '99999999 is not a MedDRA code of a CTCAE v5.0 term' }])
  await refused(t, trialId, { ...base }, [{ path: '/term', message: 'either term or meddraCode is required' }])
  await refused(t, trialId, { ...base, term: 'Blood and lymphatic system disorders - Other, specify' }, [
    { path: '/otherSpecify', message: /requires otherSpecify/ }
  ])
  await refused(t, trialId, { ...base, term: 'Anemia', onsetDate: '2999-01-01' }, [{ path: '/onsetDate', message: /is in the future/ }])
  await refused(t, trialId, { ...base, term: 'Anemia', seriousnessCriteria: ['hospitalization'] }, [
    { path: '/seriousnessCriteria', message: 'seriousness criteria (hospitalization) are given but serious is false' }
  ])
  // A death is serious with the death criterion (issue #15, ICH E2A): a grade 5 reported without them is refused.
  await refused(t, trialId, { ...base, term: 'Anemia', grade: 5 }, [
    { path: '/serious', message: /serious must be true/ },
    { path: '/seriousnessCriteria', message: /must include death/ },
    { path: '/outcome', message: /outcome must be fatal/ }
  ])
  await refused(t, trialId, { ...base, term: 'Anemia', grade: 5, serious: true, seriousnessCriteria: ['death'] }, [{ path: '/outcome', message: /outcome must be fatal/ }])
  await refused(t, trialId, { ...base, term: 'Anemia', outcome: 'fatal' }, [{ path: '/grade', message: /which is grade 5; got grade 3/ }])
  await refused(t, trialId, { ...base, term: 'Anemia', participantId: 'NOBODY' }, [
    { path: '/participantId', message: 'no participant with this id is enrolled in this trial' }
  ])
  await refused(t, trialId, { ...base, term: 'Anemia', grade: 6 }, [{ path: '/grade', message: /5/ }])

  // Withdrawn on 2025-01-07: an AE with onset on 2025-01-08 is still theirs (issue #15): a death in
  // follow-up after withdrawal must reach the SAE and death rules, so it is accepted.
  const p = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/participants/P1`, headers: admin })
  const withdrawn = await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants/P1/withdraw`,
    headers: { ...admin, 'if-match': p.headers.etag as string },
    payload: { withdrawnAt: '2025-01-07T10:00:00Z', reason: 'consent withdrawn' }
  })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  const afterWithdrawal = await post(trialId, { ...base, term: 'Anemia' })
  t.equal(afterWithdrawal.statusCode, 201, afterWithdrawal.body)
})

t.test('Idempotency-Key: concurrent posts make one AE; a retry returns it; another body is 422', async t => {
  const trialId = await trial()
  const before = await counts(trialId)
  const headers = { ...edc, 'idempotency-key': 'edc-msg-1' }
  const [a, b] = await Promise.all([post(trialId, { ...base, term: 'Anemia' }, headers), post(trialId, { ...base, term: 'Anemia' }, headers)])
  t.equal(a.statusCode, 201, a.body)
  t.equal(b.statusCode, 201, b.body)
  t.equal(a.json().aeId, b.json().aeId)
  // Audited once: the AE's row, and the decision its DLT made.
  t.same(await counts(trialId), { aes: before.aes + 1, versions: before.versions + 1, audit: before.audit + 2 })

  const retry = await post(trialId, { ...base, term: 'Anemia' }, headers)
  t.equal(retry.statusCode, 201)
  t.same(retry.json(), a.json())
  t.equal(retry.headers['idempotent-replayed'], 'true')

  const mid = await counts(trialId)
  const other = await post(trialId, { ...base, term: 'Anemia', grade: 4 }, headers)
  t.equal(other.statusCode, 422)
  t.match(other.json(), { type: 'urn:dlt-safety:problem:idempotency-key-reused', errors: [{ path: '/headers/idempotency-key' }] })
  t.same(await counts(trialId), mid)
})

t.test('externalId is unique at a site: a second AE with it is 409 naming the first', async t => {
  const trialId = await trial()
  const first = await post(trialId, { ...base, term: 'Anemia', externalId: 'RAVE-77' })
  t.equal(first.statusCode, 201)
  const before = await counts(trialId)
  const second = await post(trialId, { ...base, term: 'Nausea', externalId: 'RAVE-77' })
  t.equal(second.statusCode, 409)
  t.match(second.json(), { type: 'urn:dlt-safety:problem:duplicate-external-id', aeId: first.json().aeId })
  t.same(await counts(trialId), before)
})

t.test('follow-up: If-Match, merge patch, versions and history', async t => {
  const trialId = await trial()
  const ae = (await post(trialId, { ...base, term: 'Anemia', actionTaken: 'transfusion' }, edc)).json()
  const url = `/v1/trials/${trialId}/adverse-events/${ae.aeId}`
  const before = await counts(trialId)

  const noIfMatch = await patch(trialId, ae.aeId, { grade: 4, reason: 'lab update' }, {})
  t.equal(noIfMatch.statusCode, 428)
  const stale = await patch(trialId, ae.aeId, { grade: 4, reason: 'lab update' }, { 'if-match': '"7"' })
  t.equal(stale.statusCode, 412)
  t.match(stale.json(), { type: 'urn:dlt-safety:problem:precondition-failed', currentVersion: 1 })
  const noReason = await patch(trialId, ae.aeId, { grade: 4 }, { 'if-match': '"1"' })
  t.equal(noReason.statusCode, 422)
  const badGrade = await patch(trialId, ae.aeId, { grade: 5, reason: 'died' }, { 'if-match': '"1"' })
  t.equal(badGrade.statusCode, 422)
  // on follow-up too, a death is serious with the death criterion (issue #15)
  t.match(badGrade.json().errors, [{ path: '/serious' }, { path: '/seriousnessCriteria' }, { path: '/outcome' }])
  t.same(await counts(trialId), before, 'refused changes store nothing')

  const v2 = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...edc, 'if-match': '"1"', 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ grade: 4, resolvedDate: '2025-01-12', outcome: 'recovered', reason: 'Hgb nadir reported by central lab' })
  })
  t.equal(v2.statusCode, 200, v2.body)
  t.equal(v2.headers.etag, '"2"')
  t.match(v2.json(), { version: 2, grade: 4, resolvedDate: '2025-01-12', outcome: 'recovered', actionTaken: 'transfusion', attribution: 'possible' })

  // explicit null clears; absent fields stay
  const v3 = await patch(trialId, ae.aeId, { resolvedDate: null, actionTaken: null, reason: 'resolution entered in error' }, { 'if-match': '"2"' })
  t.equal(v3.statusCode, 200, v3.body)
  t.match(v3.json(), { version: 3, grade: 4, resolvedDate: null, actionTaken: null, outcome: 'recovered' })

  // a patch that changes nothing makes no version
  const same = await patch(trialId, ae.aeId, { grade: 4, reason: 'no change' }, { 'if-match': '"3"' })
  t.equal(same.statusCode, 200)
  t.equal(same.json().version, 3)

  const history = await app.inject({ method: 'GET', url: `${url}/history`, headers: bearer('safety_monitor') })
  t.equal(history.statusCode, 200)
  const items = history.json().items
  t.same(items.map((v: { version: number }) => v.version), [1, 2, 3])
  t.match(items, [
    { version: 1, changedBy: 'edc-xuanwu', role: 'edc', reason: null, snapshot: { version: 1, grade: 3, resolvedDate: null, actionTaken: 'transfusion' } },
    { version: 2, changedBy: 'edc-xuanwu', role: 'edc', reason: 'Hgb nadir reported by central lab', snapshot: { version: 2, grade: 4, resolvedDate: '2025-01-12' } },
    { version: 3, reason: 'resolution entered in error', snapshot: { version: 3, resolvedDate: null, actionTaken: null } }
  ])
  const page1 = (await app.inject({ method: 'GET', url: `${url}/history?limit=2`, headers: admin })).json()
  const page2 = (await app.inject({ method: 'GET', url: `${url}/history?limit=2&cursor=${page1.nextCursor}`, headers: admin })).json()
  t.same([...page1.items, ...page2.items].map((v: { version: number }) => v.version), [1, 2, 3])
  t.equal(page2.nextCursor, null)

  const audit = await app.db.select().from(auditLog).where(and(eq(auditLog.trialId, trialId), eq(auditLog.entityId, ae.aeId))).orderBy(asc(auditLog.seq))
  t.same(audit.map(a => [a.action, a.reason]), [['ae_created', null], ['ae_updated', 'Hgb nadir reported by central lab'], ['ae_updated', 'resolution entered in error']])
  t.match(audit[1], { before: { grade: 3 }, after: { grade: 4 } })
})

// PATCHABLE is derived from the patch schema: a field added there must make a
// new version when it changes, or a follow-up would return 200 and keep nothing.
t.test('every field of the patch schema is versioned: changing it alone makes a new version', async t => {
  const serious = { serious: true, seriousnessCriteria: ['hospitalization'] }
  const OTHER = 'Blood and lymphatic system disorders - Other, specify'
  // The AE each field starts from, and the follow-up (with what a valid report needs besides the field) that changes it.
  const cases: Record<Exclude<keyof AePatchInput, typeof AE_PATCH_META[number]>, { start?: object, patch: object }> = {
    grade: { patch: { grade: 2 } },
    onsetDate: { patch: { onsetDate: '2025-01-09' } },
    resolvedDate: { patch: { resolvedDate: '2025-01-20' } },
    serious: { patch: serious },
    seriousnessCriteria: { start: serious, patch: { seriousnessCriteria: ['hospitalization', 'disability'] } },
    attribution: { patch: { attribution: 'probable' } },
    expected: { patch: { expected: false } },
    clinicalSymptoms: { patch: { clinicalSymptoms: false } },
    requiredMedicalTreatment: { patch: { requiredMedicalTreatment: false } },
    outcome: { patch: { outcome: 'not_recovered' } },
    actionTaken: { patch: { actionTaken: 'dose held' } },
    otherSpecify: { start: { term: OTHER, otherSpecify: 'Bone marrow hypoplasia' }, patch: { otherSpecify: 'Pancytopenia' } },
    awareAt: { patch: { awareAt: '2025-01-09T10:00:00.000Z' } }
  }
  // reason and correction describe the change, not the AE: they are no fields of it.
  t.same(AE_PATCH_META, ['reason', 'correction'])
  t.same(Object.keys(cases).sort(), Object.keys(aePatchBody.shape).filter((k) => !(AE_PATCH_META as readonly string[]).includes(k)).sort(), 'a case per patchable field')
  const trialId = await trial()
  for (const [field, { start, patch: change }] of Object.entries(cases)) {
    const created = await post(trialId, { ...base, term: 'Anemia', ...start }, edc)
    t.equal(created.statusCode, 201, created.body)
    const res = await patch(trialId, created.json().aeId, { ...change, reason: `follow-up of ${field}` }, { 'if-match': '"1"' })
    t.equal(res.statusCode, 200, `${field}: ${res.body}`)
    t.match(res.json(), { version: 2, ...change }, `${field} changed in a new version`)
    const history = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events/${created.json().aeId}/history`, headers: admin })).json()
    t.match(history.items, [{ version: 1 }, { version: 2, reason: `follow-up of ${field}`, snapshot: change }], `${field} kept in the history`)
  }
})

t.test('nullification hides an AE from lists and DLT counts but keeps it and its history', async t => {
  const trialId = await trial()
  const ae = (await post(trialId, { ...base, term: 'Anemia' }, edc)).json()
  const url = `/v1/trials/${trialId}/adverse-events/${ae.aeId}`
  t.equal((await app.inject({ method: 'POST', url: `${url}/nullify`, headers: edc, payload: { reason: 'wrong participant' } })).statusCode, 428)
  t.equal((await app.inject({ method: 'POST', url: `${url}/nullify`, headers: { ...edc, 'if-match': '"9"' }, payload: { reason: 'x' } })).statusCode, 412)

  const res = await app.inject({ method: 'POST', url: `${url}/nullify`, headers: { ...edc, 'if-match': '"1"' }, payload: { reason: 'wrong participant' } })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { version: 2, nullified: true, nullification: { reason: 'wrong participant' } })
  t.equal(res.headers.etag, '"2"')

  const list = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events`, headers: admin })
  t.same(list.json().items, [])
  const all = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?includeNullified=true`, headers: admin })
  t.same(all.json().items.map((a: { aeId: string }) => a.aeId), [ae.aeId])
  const participant = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/participants/P1`, headers: admin })
  t.match(participant.json(), { dltCount: 0 }, 'the nullified DLT no longer counts')
  const history = (await app.inject({ method: 'GET', url: `${url}/history`, headers: admin })).json()
  t.match(history.items, [{ version: 1, snapshot: { nullified: false } }, { version: 2, reason: 'wrong participant', snapshot: { nullified: true } }])

  const again = await app.inject({ method: 'POST', url: `${url}/nullify`, headers: { ...edc, 'if-match': '"2"' }, payload: { reason: 'again' } })
  t.equal(again.statusCode, 409)
  t.equal((await patch(trialId, ae.aeId, { grade: 4, reason: 'x' }, { 'if-match': '"2"' })).statusCode, 409)
  const [audit] = await app.db.select().from(auditLog).where(and(eq(auditLog.trialId, trialId), eq(auditLog.action, 'ae_nullified')))
  t.match(audit, { entityId: ae.aeId, reason: 'wrong participant' })
})

t.test('adjudication overrides the computed DLT flag and keeps both', async t => {
  const trialId = await trial()
  const ae = (await post(trialId, { ...base, term: 'Anemia' }, edc)).json()
  t.equal(ae.dlt.isDlt, true)
  const url = `/v1/trials/${trialId}/adverse-events/${ae.aeId}/adjudications`
  const payload = { isDlt: false, reason: 'pre-existing anemia, not a toxicity of the study drug' }
  t.equal((await app.inject({ method: 'POST', url, headers: edc, payload })).statusCode, 403, 'edc may not adjudicate')
  const elsewhere = bearer('investigator', { sites: ['other-site'] })
  t.equal((await app.inject({ method: 'POST', url, headers: elsewhere, payload })).statusCode, 404, 'another site\'s AE')

  const investigator = bearer('investigator', { sites: [SEED_SITE], sub: 'dr-li' })
  const res = await app.inject({ method: 'POST', url, headers: investigator, payload })
  t.equal(res.statusCode, 201, res.body)
  t.match(res.json(), {
    aeId: ae.aeId,
    isDlt: false,
    computedIsDlt: true,
    reason: payload.reason,
    adjudicatedBy: 'dr-li',
    role: 'investigator',
    adverseEvent: { version: 2, dlt: { isDlt: false, pending: false, computed: { isDlt: true }, adjudicated: false } }
  })
  t.match(res.json().adverseEvent.dlt.reasons, ['onset 2025-01-08 within 14-day window from first administration 2025-01-06'])
  t.equal(await app.db.$count(adjudications, eq(adjudications.trialId, trialId)), 1)
  const participant = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/participants/P1`, headers: admin })).json()
  t.equal(participant.dltCount, 0, 're-classified with the adjudicated verdict')
  const isDlt = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?isDlt=false`, headers: admin })
  t.same(isDlt.json().items.map((a: { aeId: string }) => a.aeId), [ae.aeId])
  const [audit] = await app.db.select().from(auditLog).where(and(eq(auditLog.trialId, trialId), eq(auditLog.action, 'ae_adjudicated')))
  t.match(audit, { actor: 'dr-li', reason: payload.reason })
})

t.test('site scope: another site\'s participant is unknown (422), its AE 404, and nothing is stored', async t => {
  const trialId = await trial()
  const ae = (await post(trialId, { ...base, term: 'Anemia' })).json()
  const outsider = bearer('edc', { sites: ['other-site'] })
  const before = await counts(trialId)
  const res = await post(trialId, { ...base, term: 'Nausea' }, outsider)
  t.equal(res.statusCode, 422)
  t.same(res.json().errors, [{ path: '/participantId', message: 'no participant with this id is enrolled in this trial' }])
  t.same(await counts(trialId), before)
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events/${ae.aeId}`, headers: outsider })).statusCode, 404)
  t.equal((await patch(trialId, ae.aeId, { grade: 2, reason: 'x' }, { ...outsider, 'if-match': '"1"' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events/${ae.aeId}/history`, headers: outsider })).statusCode, 404)
  const list = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events`, headers: outsider })
  t.same(list.json(), { items: [], nextCursor: null })
  t.same(await counts(trialId), before)
  t.equal((await post(trialId, { ...base, term: 'Nausea' }, bearer('safety_monitor'))).statusCode, 403, 'safety monitors do not report AEs')
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events`, headers: bearer('admin', { trials: ['OTHER'] }) })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/NO-SUCH/adverse-events', headers: admin })).statusCode, 404)
})

t.test('DMC members see AEs only when the protocol unblinds them', async t => {
  const blinded = await trial()
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${blinded}/adverse-events`, headers: bearer('dmc') })
  t.equal(res.statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${blinded}/sae-reports`, headers: bearer('dmc') })).statusCode, 403)
  const unblinded = await trial({ ...nct07295067.protocol, dmcUnblinded: true })
  await post(unblinded, { ...base, term: 'Anemia' })
  const ok = await app.inject({ method: 'GET', url: `/v1/trials/${unblinded}/adverse-events`, headers: bearer('dmc') })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().items.length, 1)
})

t.test('list: filters and stable keyset pages sorted by onset then aeId', async t => {
  const trialId = await trial()
  await enrol(app, trialId, 'P2', 'other-site', 1, ENROLLED)
  const made: { aeId: string, term: string, participantId: string, onsetDate: string }[] = []
  for (const [participantId, term, grade, onsetDate, extra] of [
    ['P1', 'Anemia', 3, '2025-01-09', {}],
    ['P1', 'Nausea', 1, '2025-01-07', {}],
    ['P2', 'Febrile neutropenia', 3, '2025-01-08', { serious: true, seriousnessCriteria: ['hospitalization'] }],
    ['P2', 'Nausea', 2, '2025-01-09', {}],
    ['P1', 'Headache', 2, '2025-01-07', {}]
  ] as const) {
    const res = await post(trialId, { ...base, participantId, term, grade, onsetDate, ...extra })
    t.equal(res.statusCode, 201, res.body)
    made.push(res.json())
  }
  const order = [...made].sort((a, b) => a.onsetDate === b.onsetDate ? (a.aeId < b.aeId ? -1 : 1) : a.onsetDate < b.onsetDate ? -1 : 1).map(a => a.aeId)
  const ids = async (query: string, headers = admin) => {
    const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?${query}`, headers })
    t.equal(res.statusCode, 200, res.body)
    return res.json().items.map((a: { aeId: string }) => a.aeId)
  }
  const byTerm = (...terms: string[]) => order.filter(id => made.some(m => m.aeId === id && terms.includes(m.term + m.participantId)))

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, headers: admin })
    const body: { items: { aeId: string }[], nextCursor: string | null } = res.json()
    seen.push(...body.items.map(a => a.aeId))
    cursor = body.nextCursor
  } while (cursor !== null)
  t.same(seen, order)

  t.same(await ids('participantId=P2'), byTerm('Febrile neutropeniaP2', 'NauseaP2'))
  t.same(await ids('siteId=other-site'), byTerm('Febrile neutropeniaP2', 'NauseaP2'))
  t.same(await ids('minGrade=3'), byTerm('AnemiaP1', 'Febrile neutropeniaP2'))
  t.same(await ids('serious=true'), byTerm('Febrile neutropeniaP2'))
  t.same(await ids('soc=gastrointestinal%20DISORDERS'), byTerm('NauseaP1', 'NauseaP2'))
  t.same(await ids('onsetFrom=2025-01-08&onsetTo=2025-01-08'), byTerm('Febrile neutropeniaP2'))
  t.same(await ids('doseLevel=1'), order)
  t.same(await ids('doseLevel=2'), [])
  t.same(await ids('armId=low'), [])
  // P2 has no administration: no DLT window, so only P1's Anemia is a DLT.
  t.same(await ids('isDlt=true'), byTerm('AnemiaP1'))
  t.same(await ids('', edc), byTerm('AnemiaP1', 'NauseaP1', 'HeadacheP1'), 'a site-scoped token sees its site only')
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?cursor=nope`, headers: admin })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events?serious=yes`, headers: admin })).statusCode, 400)
})

t.test('a serious AE carries its reporting clocks from awareAt', async t => {
  const trialId = await trial()
  const res = await post(trialId, {
    ...base,
    term: 'Febrile neutropenia',
    serious: true,
    seriousnessCriteria: ['hospitalization', 'hospitalization'],
    expected: false,
    awareAt: '2025-01-08T16:30:00+08:00'
  })
  t.equal(res.statusCode, 201, res.body)
  // 21 CFR 312.64(b) / 312.32(c)(1)(i): initial report in 24 h, SUSAR in 15 days.
  t.match(res.json(), {
    awareAt: '2025-01-08T08:30:00.000Z',
    seriousnessCriteria: ['hospitalization'],
    saeReports: [{ kind: 'initial_24h', dueAt: '2025-01-09T08:30:00.000Z' }, { kind: 'susar_15d', dueAt: '2025-01-23T08:30:00.000Z' }]
  })
})
