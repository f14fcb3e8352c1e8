import t from 'tap'
import { parse } from 'csv-parse/sync'
import { uuidv7 } from 'uuidv7'
import { adverseEvents, adverseEventVersions } from '../../db/schema.js'
import { aeRecord } from '../../src/services/adverse-events.js'
import { bearer, build } from '../helpers/build.js'
import { SEED_SITE, administer, createTrial, enrol } from '../helpers/fixtures.js'
import { backportProfileProblems, fhirJsErrors, fhirSchemaErrors } from '../helpers/fhir-validator.js'
import { xmlElements } from '../helpers/xml.js'
import { AE_DATASET, DM_DATASET, EX_DATASET, SUPPAE_DATASET, variableNames } from '../../src/domain/sdtm-metadata.js'
import { SDTMIG_33_AE, SDTMIG_33_SUPP, columnProblems, valueProblems } from '../helpers/sdtmig-ae.js'

const { app } = await build()
const admin = bearer('admin')
const monitor = bearer('safety_monitor')
const OTHER_SITE = 'other-site'

type Row = Record<string, string>
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function post (trialId: string, payload: object) {
  const res = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: admin, payload })
  if (res.statusCode !== 201) throw new Error(`AE: ${res.statusCode} ${res.body}`)
  return res.json() as { aeId: string, version: number }
}

async function patch (trialId: string, aeId: string, version: number, payload: object) {
  const res = await app.inject({
    method: 'PATCH', url: `/v1/trials/${trialId}/adverse-events/${aeId}`, headers: { ...admin, 'if-match': `"${version}"` }, payload
  })
  if (res.statusCode !== 200) throw new Error(`patch: ${res.statusCode} ${res.body}`)
  return res.json() as { aeId: string, version: number }
}

const get = (url: string, headers: Record<string, string> = monitor) => app.inject({ method: 'GET', url, headers })

/** CSV text as records keyed by its header row (csv-parse, RFC 4180). */
function records (text: string): { header: string[], rows: Row[] } {
  const [header, ...rows] = parse(text) as string[][]
  return { header: header!, rows: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) }
}

/**
 * A trial with AEs across two sites, every attribution, an SAE, a death, a
 * grade change followed by a same-grade follow-up, a verbatim term with a
 * comma, quotes and a newline, a nullified AE and a participant never dosed.
 */
const TRIAL = 'EXP-T1'
await createTrial(app, TRIAL, undefined, [{ siteId: OTHER_SITE, name: 'Another hospital' }])
await enrol(app, TRIAL, 'P1', SEED_SITE, 1, '2025-01-06')
await enrol(app, TRIAL, 'P2', OTHER_SITE, 1, '2025-01-06')
await enrol(app, TRIAL, 'P3', SEED_SITE, 1, '2025-01-06')
await administer(app, TRIAL, 'P1', '2025-01-08T09:00:00Z', 1)
await administer(app, TRIAL, 'P1', '2025-01-15T09:00:00Z', 1)
await administer(app, TRIAL, 'P2', '2025-01-06T09:00:00Z', 1)

const VERBATIM = 'Marrow "hypoplasia", focal\nbiopsy pending'
const nausea = await post(TRIAL, {
  participantId: 'P1', term: 'Nausea', grade: 1, onsetDate: '2025-01-07', resolvedDate: '2025-01-09', serious: false, attribution: 'unrelated', outcome: 'recovered'
})
const anemia = await post(TRIAL, {
  participantId: 'P1', term: 'Anemia', grade: 2, onsetDate: '2025-01-08', serious: false, attribution: 'possible', clinicalSymptoms: true, requiredMedicalTreatment: true
})
const other = await post(TRIAL, {
  participantId: 'P1',
  term: 'Blood and lymphatic system disorders - Other, specify',
  otherSpecify: VERBATIM,
  grade: 2,
  onsetDate: '2025-01-08',
  serious: false,
  attribution: 'unlikely',
  actionTaken: 'dose not changed'
})
const mistaken = await post(TRIAL, { participantId: 'P2', term: 'Headache', grade: 1, onsetDate: '2025-01-09', serious: false, attribution: 'probable' })
await sleep(20)
const beforeFollowUps = new Date().toISOString()
await sleep(20)
const anemia2 = await patch(TRIAL, anemia.aeId, 1, { grade: 3, reason: 'Hb fell to 7.4 g/dL' })
await patch(TRIAL, anemia.aeId, anemia2.version, { outcome: 'recovered', resolvedDate: '2025-01-15', reason: 'resolved after transfusion' })
const nullified = await app.inject({
  method: 'POST', url: `/v1/trials/${TRIAL}/adverse-events/${mistaken.aeId}/nullify`, headers: { ...admin, 'if-match': '"1"' }, payload: { reason: 'entered for the wrong participant' }
})
if (nullified.statusCode !== 200) throw new Error(nullified.body)
const sae = await post(TRIAL, {
  participantId: 'P2',
  term: 'Febrile neutropenia',
  grade: 4,
  onsetDate: '2025-01-10',
  serious: true,
  seriousnessCriteria: ['hospitalization', 'life_threatening'],
  attribution: 'definite',
  outcome: 'recovering',
  externalId: 'EDC-0042',
  actionTaken: 'Infusion paused, then drug withdrawn'
})
const death = await post(TRIAL, {
  participantId: 'P2',
  term: 'Death NOS',
  grade: 5,
  onsetDate: '2025-01-20',
  resolvedDate: '2025-01-20',
  serious: true,
  seriousnessCriteria: ['death'],
  attribution: 'unrelated',
  outcome: 'fatal'
})
const undosed = await post(TRIAL, { participantId: 'P3', term: 'Fatigue', grade: 1, onsetDate: '2025-01-07', serious: false, attribution: 'unrelated' })

t.test('SDTM AE CSV: SDTMIG v3.3 variables in order, CT values, one row per grade, AESEQ and study days', async t => {
  const res = await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv`)
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(res.headers['content-disposition'], `attachment; filename="${TRIAL}-ae.csv"`)
  t.ok(res.body.endsWith('\r\n') && !/[^\r]\n(?!biopsy)/.test(res.body), 'records end in CRLF; a bare LF appears only inside the quoted verbatim term')
  const { header, rows } = records(res.body)
  t.same(columnProblems(header, SDTMIG_33_AE), [], 'SDTMIG v3.3 AE variables, in SDTMIG order, every Req and Exp one present')
  for (const row of rows) t.same(valueProblems(row, SDTMIG_33_AE), [], `${row.USUBJID} ${row.AESEQ}: Req filled, CT values, ISO 8601 dates`)

  const summary = rows.map((r) => [r.USUBJID, r.AESEQ, r.AESPID, r.AETOXGR, r.AESTDTC, r.AESTDY, r.AEENDY])
  t.same(summary, [
    // P1, first administration 2025-01-08: day 1; the day before is day -1 (no day 0)
    [`${TRIAL}-P1`, '1', nausea.aeId, '1', '2025-01-07', '-1', '2'],
    // Anemia's grade 2 record ends where grade 3 starts: the change was recorded after the resolution date, so on that date
    [`${TRIAL}-P1`, '2', anemia.aeId, '2', '2025-01-08', '1', '8'],
    [`${TRIAL}-P1`, '3', other.aeId, '2', '2025-01-08', '1', ''],
    // AESEQ 4: the grade 3 record was recorded after Other, specify
    [`${TRIAL}-P1`, '4', anemia.aeId, '3', '2025-01-15', '8', '8'],
    // P2, other site, first administration 2025-01-06; the nullified Headache is left out and keeps its AESEQ 1
    [`${TRIAL}-P2`, '2', 'EDC-0042', '4', '2025-01-10', '5', ''],
    [`${TRIAL}-P2`, '3', death.aeId, '5', '2025-01-20', '15', '15'],
    // P3 never dosed: no reference date, no study day
    [`${TRIAL}-P3`, '1', undosed.aeId, '1', '2025-01-07', '', '']
  ])
  const by = (aesSeq: string, usubjid: string) => rows.find((r) => r.AESEQ === aesSeq && r.USUBJID === `${TRIAL}-${usubjid}`)!
  t.match(by('2', 'P1'), { AETERM: 'Anemia', AELLT: 'Anemia', AELLTCD: '10002272', AEDECOD: 'Anemia', AEREL: 'POSSIBLY RELATED', AEOUT: '', AESER: 'N', AESHOSP: '' },
    'the grade 2 record as it stood before the grade changed')
  t.match(by('4', 'P1'), { AETOXGR: '3', AEOUT: 'RECOVERED/RESOLVED', AEENDTC: '2025-01-15' }, 'the grade 3 record carries the later same-grade follow-up')
  t.same([by('2', 'P1').AEGRPID, by('4', 'P1').AEGRPID], [anemia.aeId, anemia.aeId], 'AEGRPID ties the grade records of one AE')
  t.not(by('3', 'P1').AEGRPID, anemia.aeId)
  const duplicates = rows.map((r) => [r.USUBJID, r.AEDECOD, r.AESTDTC].join('|'))
  t.equal(new Set(duplicates).size, rows.length, 'no two records share USUBJID, AEDECOD and AESTDTC (the duplicate-record check)')
  t.match(by('3', 'P1'), {
    AETERM: VERBATIM, AELLT: 'Blood and lymphatic system disorders - Other, specify', AELLTCD: '10005329', AEREL: 'UNLIKELY RELATED', AEACN: 'DOSE NOT CHANGED'
  }, 'the verbatim term with a comma, quotes and a newline reads back intact')
  t.match(by('2', 'P2'), {
    AESER: 'Y',
    AESHOSP: 'Y',
    AESLIFE: 'Y',
    AESDTH: 'N',
    AESCONG: 'N',
    AESDISAB: 'N',
    AESMIE: 'N',
    AEREL: 'RELATED',
    AEOUT: 'RECOVERING/RESOLVING',
    AEACN: '',
    AEACNOTH: 'Infusion paused, then drug withdrawn',
    AEBODSYS: 'Blood and lymphatic system disorders',
    AESOC: 'Blood and lymphatic system disorders'
  })
  t.match(by('3', 'P2'), { AEDECOD: 'Death NOS', AESDTH: 'Y', AEOUT: 'FATAL', AEREL: 'NOT RELATED' })
  const keys = rows.map((r) => `${r.USUBJID}/${r.AESEQ}`)
  t.equal(new Set(keys).size, keys.length, 'AESEQ unique per subject')
})

t.test('collapse=worst: one record per AE at its worst grade; the JSON form has the same records', async t => {
  const csv = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv?collapse=worst`)).body).rows
  t.same(csv.map((r) => [r.USUBJID.slice(TRIAL.length + 1), r.AESEQ, r.AESPID, r.AETOXGR]), [
    ['P1', '1', nausea.aeId, '1'], ['P1', '2', anemia.aeId, '3'], ['P1', '3', other.aeId, '2'],
    ['P2', '2', 'EDC-0042', '4'], ['P2', '3', death.aeId, '5'], ['P3', '1', undosed.aeId, '1']
  ])
  const res = await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.json?collapse=worst`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const json = res.json() as Array<Record<string, string | number | null>>
  t.same(json.map((r) => Object.keys(r)), json.map(() => Object.keys(csv[0]!)), 'same variables, same order')
  t.same(json.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)]))), csv)
  t.match(json[1], { AESEQ: 2, AELLTCD: 10002272, AESTDY: 1, AEENDY: 8, AEPTCD: null }, 'Num variables are JSON numbers, empty ones null')
})

t.test('asOf: the versions recorded by then; an AE nullified later is still there', async t => {
  const rows = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv?asOf=${encodeURIComponent(beforeFollowUps)}`)).body).rows
  t.same(rows.map((r) => [r.USUBJID.slice(TRIAL.length + 1), r.AESEQ, r.AESPID, r.AETOXGR, r.AEOUT]), [
    ['P1', '1', nausea.aeId, '1', 'RECOVERED/RESOLVED'],
    ['P1', '2', anemia.aeId, '2', ''],
    ['P1', '3', other.aeId, '2', ''],
    ['P2', '1', mistaken.aeId, '1', '']
  ])
  const before = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv?asOf=2020-01-01T00:00:00Z`)).body)
  t.same(before.rows, [], 'before the first AE: the header only')
  t.same(before.header.length, 36, 'the 34 AE variables, AEGRPID and EPOCH')
})

t.test('SUPPAE: the DLT flag and protocol version of each AE record, keyed by its AESEQ', async t => {
  const ae = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv`)).body).rows
  const res = await get(`/v1/trials/${TRIAL}/exports/suppae.csv`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-disposition'], `attachment; filename="${TRIAL}-suppae.csv"`)
  const { header, rows } = records(res.body)
  t.same(header, SDTMIG_33_SUPP.map((s) => s.name))
  for (const row of rows) t.same(valueProblems(row, SDTMIG_33_SUPP), [])
  t.equal(rows.length, ae.length * 2)
  for (const row of rows) t.ok(ae.some((r) => r.USUBJID === row.USUBJID && r.AESEQ === row.IDVARVAL), `${row.USUBJID} AESEQ ${row.IDVARVAL} exists`)
  const dlt = (usubjid: string, seq: string) => rows.find((r) => r.USUBJID === `${TRIAL}-${usubjid}` && r.IDVARVAL === seq && r.QNAM === 'AEDLT')!.QVAL
  // NCT07295067 DLT definition: grade >= 3, possibly related or more, with symptoms and treatment, within 14 days.
  t.equal(dlt('P1', '2'), 'N', 'Anemia at grade 2 was not a DLT')
  t.equal(dlt('P1', '4'), 'Y', 'Anemia at grade 3 is')
  t.match(rows.find((r) => r.QNAM === 'AEDLTPV'), { QLABEL: 'DLT Protocol Version', QVAL: '1', QORIG: 'Derived', RDOMAIN: 'AE', IDVAR: 'AESEQ' })

  const json = (await get(`/v1/trials/${TRIAL}/exports/suppae.json?collapse=worst`)).json() as Row[]
  t.equal(json.length, 12)
  t.match(json.find((r) => r.USUBJID === `${TRIAL}-P1` && r.IDVARVAL === '2' && r.QNAM === 'AEDLT'), { QVAL: 'Y' }, 'collapsed: keyed by the collapsed AESEQ')
})

t.test('FHIR R4 Bundle: valid against the R4 JSON schema and FHIR.js, every AE following the AE Clinical Research backport profile', async t => {
  const res = await get(`/v1/trials/${TRIAL}/exports/fhir`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/fhir+json; fhirVersion=4.0; charset=utf-8')
  const bundle = res.json()
  t.same(fhirSchemaErrors(bundle), [], 'zero errors against fhir.schema.json (FHIR R4)')
  // FHIR.js wants every coding of a required binding in the value set; R4 asks for one. The profile's NCIt outcome
  // coding sits beside the R4 core one, and FHIR.js reports exactly those NCIt codings, nothing else.
  const outcomeTranslation = /^AdverseEvent\.outcome: Code "C(48275|49494|49495|49496|49498)" \(http:\/\/ncicb\.nci\.nih\.gov\/xml\/owl\/EVS\/Thesaurus\.owl\) not found in value set$/
  t.same(fhirJsErrors(bundle).filter((m) => !outcomeTranslation.test(m)), [], 'no other error from FHIR.js validate()')
  t.match(bundle, { resourceType: 'Bundle', type: 'collection' })
  const types = bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).filter((x: string) => x !== 'Medication')
  t.same(types, ['ResearchStudy', 'Patient', 'ResearchSubject', 'AdverseEvent', 'AdverseEvent', 'AdverseEvent',
    'Patient', 'ResearchSubject', 'AdverseEvent', 'AdverseEvent', 'AdverseEvent', 'Patient', 'ResearchSubject', 'AdverseEvent'])
  const fullUrls = new Set(bundle.entry.map((e: { fullUrl: string }) => e.fullUrl))
  t.equal(fullUrls.size, bundle.entry.length, 'fullUrls unique')
  const references = [...res.body.matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1])
  t.ok(references.length > 0 && references.every((r) => fullUrls.has(r)), 'every reference resolves inside the bundle')
  const byUrl = new Map(bundle.entry.map((e: { fullUrl: string, resource: unknown }) => [e.fullUrl, e.resource]))

  const stored = (await get(`/v1/trials/${TRIAL}/adverse-events?limit=500&includeNullified=true`)).json().items as Array<{
    aeId: string, meddraCode: string, grade: number, attribution: string, nullified: boolean, dlt: { isDlt: boolean }
  }>
  type Resource = Record<string, unknown> & { id: string, resourceType: string, extension: Array<{ url: string } & Record<string, unknown>> }
  const aes = bundle.entry.map((e: { resource: Resource }) => e.resource).filter((r: Resource) => r.resourceType === 'AdverseEvent') as Resource[]
  t.same(aes.map((a) => a.id).sort(), stored.map((x) => x.aeId).sort(), 'every AE, the nullified one included')
  const RELATED = { unrelated: 'C53256', unlikely: 'C53257', possible: 'C53258', probable: 'C53259', definite: 'C53260' } as Record<string, string>
  for (const a of aes) {
    const x = stored.find((y) => y.aeId === a.id)!
    t.same(backportProfileProblems(a), [], `${a.id}: conforms to AdverseEvent-clinical-research`)
    const ext = (url: string) => a.extension.filter((e) => e.url.endsWith(`/${url}`))
    t.match(a, { event: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/mdr', code: x.meddraCode }] } })
    t.match(ext('ae-grade'), [{ valueCodeableConcept: { coding: [{ code: ['C41338', 'C41339', 'C41340', 'C41337', 'C48275'][x.grade - 1] }] } }])
    t.match(a.extension.filter((e) => e.url === 'urn:dlt-safety:fhir:StructureDefinition:dlt'), [{ extension: [{ url: 'isDlt', valueBoolean: x.dlt.isDlt }] }])
    const suspect = ext('suspect-entity')[0] as unknown as { extension: Array<{ url: string, valueReference?: { reference: string }, extension?: Array<{ valueCodeableConcept: { coding: Array<{ code: string }> } }> }> }
    t.equal(suspect.extension[1]!.extension![0]!.valueCodeableConcept.coding[0]!.code, RELATED[x.attribution], `${x.attribution}: its NCIt relatedness code`)
    t.match(byUrl.get(suspect.extension[0]!.valueReference!.reference), { resourceType: 'Medication' }, 'the suspect entity is the study intervention')
    t.match(byUrl.get((ext('research-subject-ref')[0] as unknown as { valueReference: { reference: string } }).valueReference.reference), { resourceType: 'ResearchSubject' })
    t.equal((a.modifierExtension as Array<{ valueCode: string }>)[0]!.valueCode === 'entered-in-error', x.nullified, 'entered-in-error exactly for the nullified AE')
  }
  const saeResource = aes.find((a) => a.id === sae.aeId)!
  t.match(saeResource, {
    identifier: { value: 'EDC-0042' },
    seriousness: { coding: [{ code: 'serious' }] },
    severity: { coding: [{ code: 'severe' }] },
    outcome: { coding: [{ system: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl', code: 'C49496' }, { code: 'recovering' }] },
    modifierExtension: [{ valueCode: 'in-progress' }]
  })
  const criteria = saeResource.extension.filter((e) => e.url.endsWith('/seriousness-criteria'))
    .map((e) => (e.extension as Array<{ valueCodeableConcept?: { coding: Array<{ code: string }> }, valueBoolean?: boolean }>))
    .map(([code, present]) => [code!.valueCodeableConcept!.coding[0]!.code, present!.valueBoolean])
  t.same(criteria.filter(([, present]) => present).map(([code]) => code).sort(), ['C83052', 'C84266'], 'hospitalization and life-threatening present')
  t.equal(criteria.length, 6, 'every ICH criterion stated, present or not')
  t.match(aes.find((a) => a.id === nausea.aeId), {
    modifierExtension: [{ valueCode: 'completed' }], outcome: { coding: [{ code: 'C49498' }] }
  })
  t.ok(aes.find((a) => a.id === nausea.aeId)!.extension.some((e) => e.url.endsWith('/resolve-date') && e.valueDateTime === '2025-01-09'))
  t.match(aes.find((a) => a.id === anemia.aeId)!.outcome, { coding: [{ code: 'C49498' }] })
  t.match(aes.find((a) => a.id === undosed.aeId)!.outcome, { extension: [{ valueCode: 'unknown' }] }, 'no outcome stated: data-absent-reason')
  t.match(aes.find((a) => a.id === other.aeId)!.event, {
    coding: [{ code: '10005329', display: 'Blood and lymphatic system disorders' }], text: `Blood and lymphatic system disorders - Other, specify: ${VERBATIM}`
  }, 'Other, specify: the code CTCAE prints (the SOC\'s), named as MedDRA names it; the verbatim in text')
  t.match(bundle.entry[0].resource, { resourceType: 'ResearchStudy', identifier: [{ value: TRIAL }], status: 'active' })
  t.match(bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient').resource, {
    identifier: [{ system: `urn:dlt-safety:trial:${TRIAL}:participant`, value: 'P1' }]
  })

  const again = (await get(`/v1/trials/${TRIAL}/exports/fhir`)).json()
  t.same(again.entry.map((e: { fullUrl: string }) => e.fullUrl), bundle.entry.map((e: { fullUrl: string }) => e.fullUrl), 'stable fullUrls across exports')

  const asOf = (await get(`/v1/trials/${TRIAL}/exports/fhir?asOf=${encodeURIComponent(beforeFollowUps)}`)).json()
  t.same(fhirSchemaErrors(asOf), [])
  t.equal(asOf.timestamp, beforeFollowUps, 'timestamp is the asOf instant')
  const anemiaThen = asOf.entry.find((e: { resource: { id: string } }) => e.resource.id === anemia.aeId).resource as Resource
  t.match(anemiaThen, { meta: { versionId: '1' } })
  t.ok(anemiaThen.extension.some((e) => e.url.endsWith('/ae-grade') && JSON.stringify(e).includes('C41339')), 'grade 2 as it stood')
  const mistakenThen = asOf.entry.find((e: { resource: { id: string } }) => e.resource.id === mistaken.aeId).resource
  t.match(mistakenThen, { modifierExtension: [{ valueCode: 'in-progress' }] }, 'nullified only later')
})

t.test('DM and EX: every participant, reference dates that AESTDY counts from, one EX record per administration', async t => {
  const dm = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-dm.csv`)).body)
  t.same(dm.rows.map((r) => [r.USUBJID, r.SITEID, r.RFSTDTC, r.RFXSTDTC, r.ARMCD, r.ACTARMCD, r.ARMNRS, r.DTHFL, r.DTHDTC]), [
    [`${TRIAL}-P1`, SEED_SITE, '2025-01-08', '2025-01-08T09:00', 'DL1', 'DL1', '', '', ''],
    [`${TRIAL}-P2`, OTHER_SITE, '2025-01-06', '2025-01-06T09:00', 'DL1', 'DL1', '', 'Y', '2025-01-20'],
    [`${TRIAL}-P3`, SEED_SITE, '', '', 'DL1', '', 'ASSIGNED, NOT TREATED', '', '']
  ])
  t.same(dm.header, variableNames(DM_DATASET))
  const ae = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ae.csv`)).body).rows
  for (const r of ae) {
    const subject = dm.rows.find((d) => d.USUBJID === r.USUBJID)
    t.ok(subject !== undefined, `${r.USUBJID} resolves in DM`)
    const expected = subject!.RFSTDTC === '' ? '' : String(((Date.parse(r.AESTDTC!) - Date.parse(subject!.RFSTDTC!)) / 86_400_000) + (r.AESTDTC! >= subject!.RFSTDTC! ? 1 : 0))
    t.equal(r.AESTDY, expected, `${r.USUBJID} AESEQ ${r.AESEQ}: AESTDY from DM.RFSTDTC`)
  }
  const ex = records((await get(`/v1/trials/${TRIAL}/exports/sdtm-ex.csv`)).body)
  t.same(ex.header, variableNames(EX_DATASET))
  t.same(ex.rows.map((r) => [r.USUBJID, r.EXSEQ, r.EXSTDTC, r.EXSTDY, r.EPOCH]), [
    [`${TRIAL}-P1`, '1', '2025-01-08T09:00', '1', 'TREATMENT'],
    [`${TRIAL}-P1`, '2', '2025-01-15T09:00', '8', 'TREATMENT'],
    [`${TRIAL}-P2`, '1', '2025-01-06T09:00', '1', 'TREATMENT']
  ])
})

const DATASETS = [
  { file: 'ae', csv: 'sdtm-ae.csv', meta: AE_DATASET },
  { file: 'suppae', csv: 'suppae.csv', meta: SUPPAE_DATASET },
  { file: 'dm', csv: 'sdtm-dm.csv', meta: DM_DATASET },
  { file: 'ex', csv: 'sdtm-ex.csv', meta: EX_DATASET }
]

t.test('Dataset-JSON v1.1 beside each CSV: the required attributes, columns as in Define-XML, rows equal to the CSV records', async t => {
  for (const d of DATASETS) {
    const res = await get(`/v1/trials/${TRIAL}/exports/${d.file}.dataset.json`)
    t.equal(res.statusCode, 200, d.file)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const doc = res.json()
    for (const key of ['datasetJSONCreationDateTime', 'datasetJSONVersion', 'itemGroupOID', 'records', 'name', 'label', 'columns', 'rows']) {
      t.ok(key in doc, `${d.file}: ${key}`)
    }
    t.match(doc, { datasetJSONVersion: /^1\.1(\.\d+)?$/, itemGroupOID: `IG.${d.meta.name}`, name: d.meta.name, metaDataRef: 'define.xml' })
    t.match(doc.datasetJSONCreationDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
    const csv = records((await get(`/v1/trials/${TRIAL}/exports/${d.csv}`)).body)
    t.same(doc.columns.map((c: { name: string }) => c.name), csv.header, `${d.file}: columns in CSV order`)
    t.equal(doc.records, csv.rows.length)
    const text = (v: unknown) => v === null ? '' : String(v)
    t.same(doc.rows.map((row: unknown[]) => row.map(text)), csv.rows.map((r) => csv.header.map((h) => r[h])), `${d.file}: rows equal the CSV records`)
  }
})

t.test('Define-XML 2.1: well-formed, and every dataset and variable exported is defined in it', async t => {
  const res = await get(`/v1/trials/${TRIAL}/exports/define.xml`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/xml; charset=utf-8')
  const xml = xmlElements(res.body)
  t.same(xml.errors, [], 'well-formed')
  t.match(xml.root, { name: 'ODM', attrs: { xmlns: 'http://www.cdisc.org/ns/odm/v1.3', 'xmlns:def': 'http://www.cdisc.org/ns/def/v2.1', ODMVersion: '1.3.2' } })
  t.ok(xml.elements.some((e) => e.name === 'MetaDataVersion' && e.attrs['def:DefineVersion'] === '2.1.0'))
  const itemDefs = new Map(xml.elements.filter((e) => e.name === 'ItemDef').map((e) => [e.attrs.OID, e.attrs]))
  const groups = xml.elements.filter((e) => e.name === 'ItemGroupDef').map((e) => e.attrs.Name)
  for (const d of DATASETS) {
    const csv = records((await get(`/v1/trials/${TRIAL}/exports/${d.csv}`)).body)
    t.ok(groups.includes(d.meta.name), `ItemGroupDef ${d.meta.name}`)
    for (const name of csv.header) t.equal(itemDefs.get(`IT.${d.meta.name}.${name}`)?.Name, name, `${d.meta.name}.${name} has its ItemDef`)
  }
  const refs = xml.elements.filter((e) => e.attrs.ItemOID !== undefined).map((e) => e.attrs.ItemOID!)
  t.ok(refs.every((oid) => itemDefs.has(oid)), 'every ItemRef names an ItemDef')
  const codeLists = new Set(xml.elements.filter((e) => e.name === 'CodeList').map((e) => e.attrs.OID))
  t.ok(xml.elements.filter((e) => e.name === 'CodeListRef').every((e) => codeLists.has(e.attrs.CodeListOID)), 'every CodeListRef resolves')
  const methods = new Set(xml.elements.filter((e) => e.name === 'MethodDef').map((e) => e.attrs.OID))
  t.ok(xml.elements.filter((e) => e.attrs.MethodOID !== undefined).every((e) => methods.has(e.attrs.MethodOID)), 'every MethodOID resolves')
  t.ok(xml.elements.some((e) => e.name === 'CheckValue' && e.text === 'AEDLT'), 'SUPPAE.QVAL value-level metadata by QNAM')
})

t.test('AESEQ is stable: a new AE, a grade change and a nullification renumber nothing already exported', async t => {
  const trialId = 'EXP-SEQ'
  await createTrial(app, trialId)
  await enrol(app, trialId, 'S1', SEED_SITE, 1, '2025-01-06')
  await administer(app, trialId, 'S1', '2025-01-06T09:00:00Z', 1)
  const late = await post(trialId, { participantId: 'S1', term: 'Fatigue', grade: 1, onsetDate: '2025-01-20', serious: false, attribution: 'unrelated' })
  const early = await post(trialId, { participantId: 'S1', term: 'Nausea', grade: 1, onsetDate: '2025-01-07', serious: false, attribution: 'possible' })
  const keyed = async () => {
    const ae = records((await get(`/v1/trials/${trialId}/exports/sdtm-ae.csv`)).body).rows
    return new Map(ae.map((r) => [`${r.AESPID}/${r.AETOXGR}`, r.AESEQ]))
  }
  const first = await keyed()
  t.same(Object.fromEntries(first), { [`${early.aeId}/1`]: '2', [`${late.aeId}/1`]: '1' }, 'numbered in the order recorded, not by onset')
  const earlier = await post(trialId, { participantId: 'S1', term: 'Headache', grade: 1, onsetDate: '2025-01-06', serious: false, attribution: 'unrelated' })
  await patch(trialId, early.aeId, 1, { grade: 2, reason: 'worse' })
  const nullify = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/adverse-events/${late.aeId}/nullify`, headers: { ...admin, 'if-match': '"1"' }, payload: { reason: 'duplicate' }
  })
  t.equal(nullify.statusCode, 200)
  const second = await keyed()
  t.equal(second.get(`${early.aeId}/1`), '2', 'the earlier record keeps its AESEQ')
  t.equal(second.get(`${earlier.aeId}/1`), '3')
  t.equal(second.get(`${early.aeId}/2`), '4', 'the new grade gets the next number')
  t.notOk(second.has(`${late.aeId}/1`), 'the nullified AE is left out, its number not reused')
  const supp = records((await get(`/v1/trials/${trialId}/exports/suppae.csv`)).body).rows
  t.same([...new Set(supp.map((r) => r.IDVARVAL))].sort(), ['2', '3', '4'], 'SUPPAE keyed on the same AESEQ')
})

t.test('FHIR content negotiation: application/fhir+json unless plain JSON is preferred; 406 for neither', async t => {
  const type = async (accept: string) => {
    const res = await get(`/v1/trials/${TRIAL}/exports/fhir`, { ...monitor, accept })
    return res.statusCode === 200 ? String(res.headers['content-type']).split(';')[0] : res.statusCode
  }
  t.equal(await type('application/fhir+json'), 'application/fhir+json')
  t.equal(await type('*/*'), 'application/fhir+json')
  t.equal(await type('application/json'), 'application/json')
  t.equal(await type('application/json;q=0.5, application/fhir+json;q=0.9'), 'application/fhir+json')
  t.equal(await type('application/fhir+json;q=0, application/json'), 'application/json')
  t.equal(await type('application/*;q=0.2, text/html'), 'application/fhir+json')
  const refused = await get(`/v1/trials/${TRIAL}/exports/fhir`, { ...monitor, accept: 'application/fhir+xml' })
  t.equal(refused.statusCode, 406)
  t.match(refused.json(), { status: 406, type: 'urn:dlt-safety:problem:not-acceptable' })
})

t.test('access: admin and safety monitors of the trial; others 403; unknown trial 404; bad query 400', async t => {
  const url = `/v1/trials/${TRIAL}/exports/sdtm-ae.csv`
  t.equal((await get(url, admin)).statusCode, 200)
  for (const headers of [bearer('edc', { sites: [SEED_SITE] }), bearer('investigator', { sites: [SEED_SITE, OTHER_SITE] }), bearer('dmc')]) {
    const res = await get(url, headers)
    t.equal(res.statusCode, 403)
    t.match(res.json(), { status: 403 })
  }
  t.equal((await get(url, bearer('safety_monitor', { trials: ['OTHER'] }))).statusCode, 403)
  t.equal((await get(url, {})).statusCode, 401)
  for (const path of ['define.xml', 'sdtm-dm.csv', 'ex.dataset.json']) {
    t.equal((await get(`/v1/trials/${TRIAL}/exports/${path}`, bearer('dmc'))).statusCode, 403, `${path}: blinded to the DMC`)
    t.equal((await get(`/v1/trials/${TRIAL}/exports/${path}`, bearer('edc', { sites: [SEED_SITE] }))).statusCode, 403, `${path}: not for site roles`)
  }
  for (const path of ['sdtm-ae.csv', 'sdtm-ae.json', 'suppae.csv', 'suppae.json', 'fhir', 'sdtm-dm.csv', 'sdtm-ex.csv', 'ae.dataset.json', 'dm.dataset.json', 'define.xml']) {
    const res = await get(`/v1/trials/NO-SUCH-TRIAL/exports/${path}`)
    t.equal(res.statusCode, 404, path)
    t.match(res.json(), { status: 404, detail: 'Trial not found' })
  }
  t.equal((await get(`${url}?asOf=yesterday`)).statusCode, 400)
  t.equal((await get(`${url}?collapse=best`)).statusCode, 400)
  t.equal((await get(`${url}?limit=5`)).statusCode, 400, 'unknown query parameters are refused')
})

t.test('paging: participants spanning page boundaries keep one AESEQ series each', async t => {
  // 2,600 AEs written straight to the tables (the API would take minutes), with their first version,
  // so that participants straddle the 1,000-row pages: P-A 600, P-B 700, P-C 1,300.
  const trialId = 'EXP-PAGES'
  await createTrial(app, trialId)
  const sizes = { 'P-A': 600, 'P-B': 700, 'P-C': 1300 }
  for (const participantId of Object.keys(sizes)) await enrol(app, trialId, participantId, SEED_SITE, 1, '2025-01-06')
  const at = new Date().toISOString()
  for (const [participantId, n] of Object.entries(sizes)) {
    for (let start = 0; start < n; start += 500) {
      const rows = await app.db.insert(adverseEvents).values(Array.from({ length: Math.min(500, n - start) }, (_, i) => ({
        trialId,
        aeId: uuidv7(),
        participantId,
        siteId: SEED_SITE,
        doseLevel: 1,
        meddraCode: '10028813',
        term: 'Nausea',
        soc: 'Gastrointestinal disorders',
        grade: 1,
        dltGrade: 1,
        onsetDate: `2025-0${1 + ((start + i) % 9)}-10`,
        serious: false,
        attribution: 'unrelated',
        awareAt: at,
        dltProtocolVersion: 1,
        createdBy: 'bulk',
        createdAt: at,
        updatedAt: at
      }))).returning()
      await app.db.insert(adverseEventVersions).values(rows.map((row) => ({
        trialId, aeId: row.aeId, version: 1, snapshot: aeRecord(row), changedBy: 'bulk', role: 'admin', changedAt: at
      })))
    }
  }
  for (const query of ['', `?asOf=${encodeURIComponent(new Date().toISOString())}`]) {
    const { rows } = records((await get(`/v1/trials/${trialId}/exports/sdtm-ae.csv${query}`)).body)
    t.equal(rows.length, 2600, `every AE once${query === '' ? '' : ' (asOf)'}`)
    for (const [participantId, n] of Object.entries(sizes)) {
      const mine = rows.filter((r) => r.USUBJID === `${trialId}-${participantId}`)
      t.same(mine.map((r) => Number(r.AESEQ)).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1), `${participantId}: AESEQ 1..${n}, contiguous`)
      t.same(mine.map((r) => r.AESTDTC), [...mine.map((r) => r.AESTDTC)].sort(), `${participantId}: in onset order`)
      t.equal(new Set(mine.map((r) => r.AESPID)).size, n)
    }
  }
  const bundle = (await get(`/v1/trials/${trialId}/exports/fhir`)).json()
  t.equal(bundle.entry.filter((e: { resource: { resourceType: string } }) => e.resource.resourceType !== 'Medication').length, 1 + 3 * 2 + 2600)
})
