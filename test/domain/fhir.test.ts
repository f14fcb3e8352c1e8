import t from 'tap'
import {
  AE_EXTENSIONS, BUNDLE_END, DLT_EXTENSION, GRADE_CONCEPTS, OUTCOMES, adverseEventResource, bundleEntry, bundleStart,
  RELATEDNESS, aeStatus, interventionResource, patientResource, researchStudyResource, researchSubjectResource, severity, urnUuid, type FhirAe
} from '../../src/domain/fhir.js'
import { backportProfileProblems, fhirSchemaErrors } from '../helpers/fhir-validator.js'

// Expected codes are those of the published terminologies, not of the mapper:
// - FHIR R4 (4.0.1) code systems adverse-event-severity (mild | moderate | severe),
//   adverse-event-seriousness (serious | non-serious), adverse-event-outcome
//   (resolved | recovering | ongoing | resolvedWithSequelae | fatal | unknown),
//   adverse-event-causality-assess (WHO-UMC: Certain, Probably-Likely, Possible, Unlikely, ...);
// - HL7 THO value set adverse-event-clinical-research-grades (NCI Thesaurus
//   C41338, C41339, C41340, C41337, C48275 for grades 1-5);
// - HL7 AE Clinical Research R4 Backport IG, extension ae-grade.
// Every resource is also validated against HL7's official FHIR R4 JSON schema.

const ae = (over: Partial<FhirAe> = {}): FhirAe => ({
  expected: null,
  aeId: '0190a000-0000-7000-8000-000000000001',
  version: 3,
  participantId: '001-0003',
  term: 'Anemia',
  meddraCode: '10002272',
  soc: 'Blood and lymphatic system disorders',
  otherSpecify: null,
  grade: 3,
  onsetDate: '2025-01-08',
  resolvedDate: null,
  serious: false,
  seriousnessCriteria: [],
  attribution: 'possible',
  outcome: null,
  actionTaken: null,
  externalId: null,
  nullified: false,
  dlt: { isDlt: true, protocolVersion: 2, adjudicated: null },
  doseLevel: 2,
  awareAt: '2025-01-08T10:00:00.000Z',
  createdAt: '2025-01-08T10:05:00.000Z',
  updatedAt: '2025-01-09T08:00:00.000Z',
  ...over
})

const STUDY = '6b3a4a52-7c3f-5d21-9a4e-0f1f2e3d4c5b'
const PATIENT = '1c0e3a11-2b4d-5e6f-8a9b-0c1d2e3f4a5b'
const SUBJECT = '2d1f4b22-3c5e-5f70-9bac-1d2e3f4a5b6c'
const INTERVENTION = '0190a000-0000-5000-8000-0000000000bb'
const participant = {
  patientUuid: PATIENT, subjectUuid: SUBJECT, studyUuid: STUDY, trialId: 'NCT07295067', participantId: '001-0003', doseLevel: 2, armId: null, withdrawn: false, treatmentEnded: false
}
const refs = { study: STUDY, patient: PATIENT, researchSubject: SUBJECT, intervention: INTERVENTION }

t.test('severity from the CTCAE grade and the NCI grade concepts', async t => {
  t.same([1, 2, 3, 4, 5].map((g) => severity(g).code), ['mild', 'moderate', 'severe', 'severe', 'severe'])
  t.same(severity(2), { system: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity', code: 'moderate', display: 'Moderate' })
  t.same([1, 2, 3, 4, 5].map((g) => GRADE_CONCEPTS[g]!.code), ['C41338', 'C41339', 'C41340', 'C41337', 'C48275'])
  t.same(Object.fromEntries(Object.entries(OUTCOMES).map(([k, c]) => [k, c.code])), {
    recovered: 'C49498', recovering: 'C49496', not_recovered: 'C49494', recovered_with_sequelae: 'C49495', fatal: 'C48275'
  })
})

t.test('relatedness: an NCIt code for every NCI attribution, "unrelated" included; status: entered-in-error for nullified AEs', async t => {
  t.same(Object.fromEntries(Object.entries(RELATEDNESS).map(([k, c]) => [k, c.code])), {
    unrelated: 'C53256', unlikely: 'C53257', possible: 'C53258', probable: 'C53259', definite: 'C53260'
  })
  t.equal(aeStatus({ nullified: true, resolvedDate: '2025-01-09', outcome: 'recovered' }), 'entered-in-error')
  t.equal(aeStatus({ nullified: false, resolvedDate: '2025-01-09', outcome: 'recovered' }), 'completed')
  t.equal(aeStatus({ nullified: false, resolvedDate: null, outcome: 'fatal' }), 'completed')
  t.equal(aeStatus({ nullified: false, resolvedDate: null, outcome: 'recovering' }), 'in-progress')
})

t.test('an AdverseEvent resource following the AE Clinical Research R4 Backport profile', async t => {
  const resource = adverseEventResource(ae(), refs)
  const ncit = 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl'
  t.same(resource, {
    resourceType: 'AdverseEvent',
    id: '0190a000-0000-7000-8000-000000000001',
    meta: { versionId: '3', lastUpdated: '2025-01-09T08:00:00.000Z', profile: ['http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/AdverseEvent-clinical-research'] },
    modifierExtension: [{ url: 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/status', valueCode: 'in-progress' }],
    extension: [
      { url: 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/research-subject-ref', valueReference: { reference: `urn:uuid:${refs.researchSubject}` } },
      {
        url: 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade',
        valueCodeableConcept: { coding: [{ system: ncit, code: 'C41340', display: 'Grade 3 Severe Adverse Event' }], text: 'CTCAE v5.0 grade 3' }
      },
      {
        url: 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/suspect-entity',
        extension: [
          { url: 'instance', valueReference: { reference: `urn:uuid:${refs.intervention}` } },
          {
            url: 'causality',
            extension: [{ url: 'entityRelatedness', valueCodeableConcept: { coding: [{ system: ncit, code: 'C53258', display: 'Possibly Related' }], text: 'possible (NCI attribution)' } }]
          }
        ]
      },
      { url: DLT_EXTENSION, extension: [{ url: 'isDlt', valueBoolean: true }, { url: 'protocolVersion', valueInteger: 2 }] }
    ],
    actuality: 'actual',
    event: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/mdr', code: '10002272', display: 'Anemia' }], text: 'Anemia' },
    subject: { reference: `urn:uuid:${PATIENT}` },
    date: '2025-01-08',
    detected: '2025-01-08T10:00:00.000Z',
    recordedDate: '2025-01-08T10:05:00.000Z',
    seriousness: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness', code: 'non-serious', display: 'Non-serious' }] },
    severity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity', code: 'severe', display: 'Severe' }] },
    outcome: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
    study: [{ reference: `urn:uuid:${STUDY}` }]
  }, 'no outcome stated: data-absent-reason; no seriousness criteria for a non-serious AE (invariant aeClinRes-seriousness-1)')
  t.equal(AE_EXTENSIONS.grade, 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade')
  t.same(fhirSchemaErrors(resource), [], 'valid against the FHIR R4 JSON schema')
  t.same(backportProfileProblems(resource), [])

  const full = adverseEventResource(ae({
    serious: true,
    seriousnessCriteria: ['death'],
    grade: 5,
    outcome: 'fatal',
    resolvedDate: '2025-01-10',
    expected: false,
    nullified: true,
    term: 'Blood and lymphatic system disorders - Other, specify',
    meddraCode: '10005329',
    otherSpecify: 'Marrow aplasia',
    externalId: 'EDC-7',
    attribution: 'unrelated',
    dlt: { isDlt: false, protocolVersion: 1, adjudicated: false }
  }), refs)
  t.match(full, {
    modifierExtension: [{ valueCode: 'entered-in-error' }],
    identifier: { system: 'urn:dlt-safety:fhir:ae-external-id', value: 'EDC-7' },
    event: { coding: [{ code: '10005329', display: 'Blood and lymphatic system disorders' }], text: 'Blood and lymphatic system disorders - Other, specify: Marrow aplasia' },
    seriousness: { coding: [{ code: 'serious', display: 'Serious' }] },
    outcome: { coding: [{ system: ncit, code: 'C48275' }, { system: 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome', code: 'fatal' }] }
  }, 'nullified: entered-in-error; the outcome coded for the profile and for R4 core')
  const extension = full.extension as Array<{ url: string } & Record<string, unknown>>
  const criteria = extension.filter((e) => e.url === 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/seriousness-criteria')
  t.equal(criteria.length, 6, 'a serious AE states every ICH criterion')
  t.match(criteria[0], { extension: [{ url: 'criterionCode', valueCodeableConcept: { coding: [{ code: 'C48275' }] } }, { url: 'criterionPresent', valueBoolean: true }] })
  t.ok(criteria.slice(1).every((c) => JSON.stringify(c).includes('"valueBoolean":false')))
  t.match(extension.find((e) => e.url === 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/resolve-date'), { valueDateTime: '2025-01-10' })
  t.match(extension.find((e) => e.url === 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/expected-in-research-study'), { valueBoolean: false })
  t.match(JSON.stringify(extension.find((e) => e.url === 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/suspect-entity')), /"code":"C53256"/, 'unrelated: NCIt Not Related')
  t.same(fhirSchemaErrors(full), [])
  t.same(backportProfileProblems(full), [])
  t.same(backportProfileProblems({ ...full, seriousness: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness', code: 'non-serious' }] } }),
    ['aeClinRes-seriousness-1: serious with criteria, or non-serious without'], 'the profile check notices a broken invariant')
  t.same(fhirSchemaErrors({ ...full, actuality: 'maybe' }).length > 0, true, 'the schema refuses a code outside a required binding')
})

t.test('ResearchStudy, Patient and ResearchSubject stubs', async t => {
  const study = researchStudyResource({ uuid: STUDY, trialId: 'NCT07295067', title: 'AAV gene therapy', dmcHold: null })
  t.same(study, {
    resourceType: 'ResearchStudy',
    id: STUDY,
    identifier: [{ system: 'https://clinicaltrials.gov', value: 'NCT07295067' }],
    title: 'AAV gene therapy',
    status: 'active'
  })
  t.match(researchStudyResource({ uuid: STUDY, trialId: 'LOCAL-1', title: 'x', dmcHold: 'pause' }), {
    identifier: [{ system: 'urn:dlt-safety:trial', value: 'LOCAL-1' }], status: 'temporarily-closed-to-accrual-and-intervention'
  })
  t.match(researchStudyResource({ uuid: STUDY, trialId: 'LOCAL-1', title: 'x', dmcHold: 'terminate' }), { status: 'administratively-completed' })

  const patient = patientResource(participant)
  t.same(patient, { resourceType: 'Patient', id: PATIENT, identifier: [{ system: 'urn:dlt-safety:trial:NCT07295067:participant', value: '001-0003' }] })
  const subject = researchSubjectResource(participant)
  t.same(subject, {
    resourceType: 'ResearchSubject',
    id: SUBJECT,
    identifier: [{ system: 'urn:dlt-safety:trial:NCT07295067:participant', value: '001-0003' }],
    status: 'on-study',
    study: { reference: `urn:uuid:${STUDY}` },
    individual: { reference: `urn:uuid:${PATIENT}` },
    assignedArm: 'dose level 2'
  })
  t.match(researchSubjectResource({ ...participant, armId: 'high', withdrawn: true }), { status: 'withdrawn', assignedArm: 'high' })
  // Ending treatment is not withdrawal: the subject stays on study, in follow-up (R4 ResearchSubject status 'follow-up').
  const followUp = researchSubjectResource({ ...participant, treatmentEnded: true })
  t.match(followUp, { status: 'follow-up' })
  t.match(researchSubjectResource({ ...participant, treatmentEnded: true, withdrawn: true }), { status: 'withdrawn' }, 'a withdrawal outranks it')
  for (const r of [study, patient, subject, followUp]) t.same(fhirSchemaErrors(r), [], `${r.resourceType} valid against the FHIR R4 JSON schema`)
})

t.test('a collection Bundle written in pieces is one valid Bundle whose references resolve inside it', async t => {
  const resources = [
    researchStudyResource({ uuid: STUDY, trialId: 'NCT07295067', title: 'AAV gene therapy', dmcHold: null }),
    patientResource(participant),
    researchSubjectResource(participant),
    interventionResource({ uuid: INTERVENTION, trialId: 'NCT07295067', doseLevel: 2, label: '3e11 particles' }),
    adverseEventResource(ae(), refs)
  ]
  const text = bundleStart('2025-02-01T00:00:00.000Z') + resources.map(bundleEntry).join(',') + BUNDLE_END
  const bundle = JSON.parse(text)
  t.match(bundle, { resourceType: 'Bundle', type: 'collection', timestamp: '2025-02-01T00:00:00.000Z' })
  t.same(bundle.entry.map((e: { fullUrl: string }) => e.fullUrl), resources.map((r) => urnUuid(r.id)))
  t.same(fhirSchemaErrors(bundle), [])
  const fullUrls = new Set(bundle.entry.map((e: { fullUrl: string }) => e.fullUrl))
  const references = JSON.stringify(bundle).match(/"reference":"[^"]+"/g)!.map((r) => r.slice(13, -1))
  t.ok(references.length >= 4 && references.every((r) => fullUrls.has(r)), 'every reference is an entry of the bundle')
})
