// HL7 FHIR R4 (4.0.1) resources for the adverse-event export: a collection
// Bundle of AdverseEvent resources with the ResearchStudy, Patient and
// ResearchSubject they reference, so that every reference resolves inside the
// bundle. Entries are identified by urn:uuid fullUrls (FHIR R4 Bundle 2.36.4:
// resolving references in bundles); the service derives stable name-based
// UUIDs for trials and participants and uses the aeId (a UUID) for AEs.
//
// Every AdverseEvent claims and follows the HL7 AE Clinical Research R4
// Backport IG profile (hl7.fhir.uv.ae-research-backport-ig 1.0.1,
// StructureDefinition AdverseEvent-clinical-research), README "Exports":
// - modifierExtension status (event-status): entered-in-error for nullified
//   AEs (kept in the bundle, never dropped), completed once resolved or
//   fatal, else in-progress;
// - event: MedDRA (http://terminology.hl7.org/CodeSystem/mdr) coding of the
//   CTCAE v5.0 term with the code CTCAE prints for it; text = the term, with
//   the verbatim "Other, specify" text when given. For its "<SOC> - Other,
//   specify" terms CTCAE prints the MedDRA code of the SOC itself and no
//   other: that coding carries MedDRA's name of the code (the SOC), and the
//   verbatim stays in text, for coding with the licensed MedDRA dictionary;
// - seriousness (required, adverse-event-seriousness) and, for serious AEs
//   (invariant aeClinRes-seriousness-1), one seriousness-criteria extension
//   per ICH criterion, present or not, coded with NCI Thesaurus concepts
//   (THO adverse-event-clinical-research-seriousness-criteria);
// - outcome (1..1, required binding adverse-event-clinical-research-outcomes,
//   NCIt): the AE's outcome; where the AE states none, or "unknown" (not in
//   the value set), a data-absent-reason;
// - the grade in the ae-grade extension (NCIt grade concepts), severity from
//   it; resolve-date; expected-in-research-study when stated;
//   research-subject-ref to the participant's ResearchSubject;
// - the suspect-entity extension (the profile forbids suspectEntity): the
//   study intervention at the AE's dose level, a Medication in the bundle,
//   with its entityRelatedness coded in NCIt for every NCI attribution;
// - the DLT verdict and its protocol version in this service's extension.
import type { AeOutcome, Attribution, SeriousnessCriterion } from './vocabulary.js'
import type { AeSnapshot } from './sdtm.js'

export const MEDDRA_SYSTEM = 'http://terminology.hl7.org/CodeSystem/mdr'
export const NCIT_SYSTEM = 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl'
export const OUTCOME_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome'
export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason'
export const SERIOUSNESS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness'
export const SEVERITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-severity'
const IG = 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition'
export const AE_PROFILE = `${IG}/AdverseEvent-clinical-research`
export const AE_EXTENSIONS = {
  grade: `${IG}/ae-grade`,
  status: `${IG}/status`,
  seriousnessCriteria: `${IG}/seriousness-criteria`,
  resolveDate: `${IG}/resolve-date`,
  expected: `${IG}/expected-in-research-study`,
  researchSubject: `${IG}/research-subject-ref`,
  suspectEntity: `${IG}/suspect-entity`
} as const
export const DLT_EXTENSION = 'urn:dlt-safety:fhir:StructureDefinition:dlt'
export const CLINICALTRIALS_GOV = 'https://clinicaltrials.gov'

export type FhirResource = { resourceType: string, id: string } & Record<string, unknown>

interface Coding { system: string, code: string, display: string }
const concept = (coding: Coding, text?: string) => ({ coding: [coding], ...(text === undefined ? {} : { text }) })

/** NCI Thesaurus concepts of the CTCAE grades (HL7 THO value set adverse-event-clinical-research-grades). */
export const GRADE_CONCEPTS: Readonly<Record<number, Coding>> = {
  1: { system: NCIT_SYSTEM, code: 'C41338', display: 'Grade 1 Mild Adverse Event' },
  2: { system: NCIT_SYSTEM, code: 'C41339', display: 'Grade 2 Moderate Adverse Event' },
  3: { system: NCIT_SYSTEM, code: 'C41340', display: 'Grade 3 Severe Adverse Event' },
  4: { system: NCIT_SYSTEM, code: 'C41337', display: 'Grade 4 Life Threatening or Disabling Adverse Event' },
  5: { system: NCIT_SYSTEM, code: 'C48275', display: 'Grade 5 Death Related to Adverse Event' }
}

/** AdverseEvent.severity from the CTCAE grade: 1 mild, 2 moderate, 3 and above severe. */
export function severity (grade: number): Coding {
  const code = grade <= 1 ? 'mild' : grade === 2 ? 'moderate' : 'severe'
  return { system: SEVERITY_SYSTEM, code, display: code[0]!.toUpperCase() + code.slice(1) }
}

/** AdverseEvent.outcome: NCIt concepts of THO adverse-event-clinical-research-outcomes (CDISC OUT); 'unknown' has none there. */
export const OUTCOMES: Readonly<Record<Exclude<AeOutcome, 'unknown'>, Coding>> = {
  recovered: { system: NCIT_SYSTEM, code: 'C49498', display: 'Recovered/Resolved' },
  recovering: { system: NCIT_SYSTEM, code: 'C49496', display: 'Recovering/Resolving' },
  not_recovered: { system: NCIT_SYSTEM, code: 'C49494', display: 'Not recovering/not resolved' },
  recovered_with_sequelae: { system: NCIT_SYSTEM, code: 'C49495', display: 'Recovered/Resolved with sequelae' },
  fatal: { system: NCIT_SYSTEM, code: 'C48275', display: 'Fatal' }
}

/** The R4 core codes (required binding adverse-event-outcome) of the same outcomes. */
const CORE_OUTCOMES: Readonly<Record<Exclude<AeOutcome, 'unknown'>, Coding>> = {
  recovered: { system: OUTCOME_SYSTEM, code: 'resolved', display: 'Resolved' },
  recovering: { system: OUTCOME_SYSTEM, code: 'recovering', display: 'Recovering' },
  not_recovered: { system: OUTCOME_SYSTEM, code: 'ongoing', display: 'Ongoing' },
  recovered_with_sequelae: { system: OUTCOME_SYSTEM, code: 'resolvedWithSequelae', display: 'Resolved with Sequelae' },
  fatal: { system: OUTCOME_SYSTEM, code: 'fatal', display: 'Fatal' }
}

/**
 * The outcome element: coded twice, as the profile binds it (NCIt) and as R4
 * core binds it (a required binding the profile cannot lift), or a
 * data-absent-reason where the AE states none (asked-unknown: reported as unknown).
 */
export function outcome (value: AeOutcome | null) {
  if (value === null || value === 'unknown') {
    return { extension: [{ url: DATA_ABSENT_REASON, valueCode: value === null ? 'unknown' : 'asked-unknown' }] }
  }
  return { coding: [OUTCOMES[value], CORE_OUTCOMES[value]] }
}

/**
 * entityRelatedness: NCIt concepts of the NCI attribution scale. Four are
 * THO adverse-event-clinical-research-causality-relatedness (a preferred
 * binding); "probable" is NCIt C53259, outside that value set.
 */
export const RELATEDNESS: Readonly<Record<Attribution, Coding>> = {
  unrelated: { system: NCIT_SYSTEM, code: 'C53256', display: 'Not Related' },
  unlikely: { system: NCIT_SYSTEM, code: 'C53257', display: 'Unlikely Related' },
  possible: { system: NCIT_SYSTEM, code: 'C53258', display: 'Possibly Related' },
  probable: { system: NCIT_SYSTEM, code: 'C53259', display: 'Probably Related' },
  definite: { system: NCIT_SYSTEM, code: 'C53260', display: 'Related' }
}

/** ICH seriousness criteria as NCIt concepts (THO adverse-event-clinical-research-seriousness-criteria). */
export const SERIOUSNESS_CRITERIA: Readonly<Record<SeriousnessCriterion, Coding>> = {
  death: { system: NCIT_SYSTEM, code: 'C48275', display: 'Results In Death' },
  life_threatening: { system: NCIT_SYSTEM, code: 'C84266', display: 'Is Life Threatening' },
  hospitalization: { system: NCIT_SYSTEM, code: 'C83052', display: 'Requires Inpatient Hospitalization' },
  disability: { system: NCIT_SYSTEM, code: 'C11338', display: 'Results In Persistent Or Significant Disability' },
  congenital_anomaly: { system: NCIT_SYSTEM, code: 'C83117', display: 'Congenital Anomaly or Birth Defect' },
  important_medical_event: { system: NCIT_SYSTEM, code: 'C82521', display: 'Other Medically Important Condition' }
}

/** The workflow status (event-status): nullified entries are entered-in-error. */
export function aeStatus (ae: Pick<AeSnapshot, 'nullified' | 'resolvedDate' | 'outcome'>): 'entered-in-error' | 'completed' | 'in-progress' {
  if (ae.nullified) return 'entered-in-error'
  return ae.resolvedDate !== null || ae.outcome === 'fatal' ? 'completed' : 'in-progress'
}

/** The AE as exported: a snapshot plus the fields FHIR needs beyond SDTM. */
export interface FhirAe extends AeSnapshot {
  doseLevel: number
  expected: boolean | null
  awareAt: string
  createdAt: string
  updatedAt: string
}

/** The uuids (urn:uuid fullUrls) of the resources an AdverseEvent points to, all in the bundle. */
export interface AeReferences { study: string, patient: string, researchSubject: string, intervention: string }

export const urnUuid = (uuid: string) => `urn:uuid:${uuid}`

function seriousnessCriteria (ae: FhirAe) {
  if (!ae.serious) return []
  return Object.entries(SERIOUSNESS_CRITERIA).map(([criterion, coding]) => ({
    url: AE_EXTENSIONS.seriousnessCriteria,
    extension: [
      { url: 'criterionCode', valueCodeableConcept: concept(coding) },
      { url: 'criterionPresent', valueBoolean: ae.seriousnessCriteria.includes(criterion) }
    ]
  }))
}

/** The event coding: the CTCAE term's code; for "Other, specify" terms that code is the SOC's (see above). */
function event (ae: FhirAe) {
  const text = ae.otherSpecify === null ? ae.term : `${ae.term}: ${ae.otherSpecify}`
  return concept({ system: MEDDRA_SYSTEM, code: ae.meddraCode, display: ae.otherSpecify === null ? ae.term : ae.soc }, text)
}

export function adverseEventResource (ae: FhirAe, refs: AeReferences): FhirResource {
  return {
    resourceType: 'AdverseEvent',
    id: ae.aeId,
    meta: { versionId: String(ae.version), lastUpdated: ae.updatedAt, profile: [AE_PROFILE] },
    modifierExtension: [{ url: AE_EXTENSIONS.status, valueCode: aeStatus(ae) }],
    extension: [
      { url: AE_EXTENSIONS.researchSubject, valueReference: { reference: urnUuid(refs.researchSubject) } },
      ...seriousnessCriteria(ae),
      { url: AE_EXTENSIONS.grade, valueCodeableConcept: concept(GRADE_CONCEPTS[ae.grade]!, `CTCAE v5.0 grade ${ae.grade}`) },
      ...(ae.expected === null ? [] : [{ url: AE_EXTENSIONS.expected, valueBoolean: ae.expected }]),
      ...(ae.resolvedDate === null ? [] : [{ url: AE_EXTENSIONS.resolveDate, valueDateTime: ae.resolvedDate }]),
      {
        url: AE_EXTENSIONS.suspectEntity,
        extension: [
          { url: 'instance', valueReference: { reference: urnUuid(refs.intervention) } },
          {
            url: 'causality',
            extension: [{ url: 'entityRelatedness', valueCodeableConcept: concept(RELATEDNESS[ae.attribution], `${ae.attribution} (NCI attribution)`) }]
          }
        ]
      },
      {
        url: DLT_EXTENSION,
        extension: [
          { url: 'isDlt', valueBoolean: ae.dlt.isDlt },
          { url: 'protocolVersion', valueInteger: ae.dlt.protocolVersion },
          ...(ae.dlt.adjudicated === null ? [] : [{ url: 'adjudicated', valueBoolean: ae.dlt.adjudicated }])
        ]
      }
    ],
    ...(ae.externalId === null ? {} : { identifier: { system: 'urn:dlt-safety:fhir:ae-external-id', value: ae.externalId } }),
    actuality: 'actual',
    event: event(ae),
    subject: { reference: urnUuid(refs.patient) },
    date: ae.onsetDate,
    detected: ae.awareAt,
    recordedDate: ae.createdAt,
    seriousness: concept(ae.serious
      ? { system: SERIOUSNESS_SYSTEM, code: 'serious', display: 'Serious' }
      : { system: SERIOUSNESS_SYSTEM, code: 'non-serious', display: 'Non-serious' }),
    severity: concept(severity(ae.grade)),
    outcome: outcome(ae.outcome),
    study: [{ reference: urnUuid(refs.study) }]
  }
}

export interface InterventionFacts {
  uuid: string
  trialId: string
  doseLevel: number
  /** the protocol's label of the dose level, e.g. "1e11 particles" */
  label: string
}

/**
 * The study intervention at one dose level, the suspect entity of its AEs.
 * The protocol names dose levels, not the product: the Medication names the
 * trial and the level, as text.
 */
export function interventionResource (m: InterventionFacts): FhirResource {
  const what = m.doseLevel === 0 ? 'control, dose level 0' : `study intervention, dose level ${m.doseLevel}`
  return {
    resourceType: 'Medication',
    id: m.uuid,
    identifier: [{ system: `urn:dlt-safety:trial:${m.trialId}:dose-level`, value: String(m.doseLevel) }],
    code: { text: `${m.trialId} ${what} (${m.label})` }
  }
}

export interface StudyFacts {
  uuid: string
  trialId: string
  title: string
  /** the DMC hold in force */
  dmcHold: 'pause' | 'terminate' | null
}

/** ResearchStudy.status under a DMC hold: paused studies may resume, terminated ones do not. */
const STUDY_STATUS = {
  pause: 'temporarily-closed-to-accrual-and-intervention',
  terminate: 'administratively-completed'
} as const

export function researchStudyResource (study: StudyFacts): FhirResource {
  return {
    resourceType: 'ResearchStudy',
    id: study.uuid,
    identifier: [{ system: /^NCT\d{8}$/.test(study.trialId) ? CLINICALTRIALS_GOV : 'urn:dlt-safety:trial', value: study.trialId }],
    title: study.title,
    status: study.dmcHold === null ? 'active' : STUDY_STATUS[study.dmcHold]
  }
}

export interface ParticipantFacts {
  patientUuid: string
  subjectUuid: string
  studyUuid: string
  trialId: string
  participantId: string
  doseLevel: number
  armId: string | null
  withdrawn: boolean
  /** treatment ended (by asOf): on study, in follow-up */
  treatmentEnded: boolean
}

const participantIdentifier = (p: ParticipantFacts) => [{ system: `urn:dlt-safety:trial:${p.trialId}:participant`, value: p.participantId }]

/** A pseudonymous Patient: the trial's participant id only. */
export function patientResource (p: ParticipantFacts): FhirResource {
  return { resourceType: 'Patient', id: p.patientUuid, identifier: participantIdentifier(p) }
}

export function researchSubjectResource (p: ParticipantFacts): FhirResource {
  return {
    resourceType: 'ResearchSubject',
    id: p.subjectUuid,
    identifier: participantIdentifier(p),
    status: p.withdrawn ? 'withdrawn' : p.treatmentEnded ? 'follow-up' : 'on-study',
    study: { reference: urnUuid(p.studyUuid) },
    individual: { reference: urnUuid(p.patientUuid) },
    assignedArm: p.armId ?? `dose level ${p.doseLevel}`
  }
}

/** One Bundle.entry, serialised. */
export const bundleEntry = (resource: FhirResource): string => JSON.stringify({ fullUrl: urnUuid(resource.id), resource })

/** The serialised Bundle up to its first entry; entries follow, comma-separated, then BUNDLE_END. */
export const bundleStart = (timestamp: string): string =>
  `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(timestamp)},"entry":[`

export const BUNDLE_END = ']}'
