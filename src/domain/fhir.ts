// HL7 FHIR R4 (4.0.1) resources for the adverse-event export: a collection
// Bundle of AdverseEvent resources with the ResearchStudy, Patient and
// ResearchSubject they reference, so that every reference resolves inside the
// bundle. Entries are identified by urn:uuid fullUrls (FHIR R4 Bundle 2.36.4:
// resolving references in bundles); the service derives stable name-based
// UUIDs for trials and participants and uses the aeId (a UUID) for AEs.
//
// Mappings (README "Exports"):
// - event: MedDRA (http://terminology.hl7.org/CodeSystem/mdr) coding of the
//   CTCAE v5.0 term, whose code is the MedDRA LLT code; text = the term, with
//   the verbatim "Other, specify" text when given;
// - severity (required binding, codes mild | moderate | severe): CTCAE grade
//   1 mild, 2 moderate, 3-5 severe; the grade itself in the HL7 AE Clinical
//   Research R4 Backport IG extension ae-grade, coded with NCI Thesaurus grade
//   concepts (value set adverse-event-clinical-research-grades);
// - causality: the NCI attribution scale mapped to WHO-UMC codes of
//   http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess
//   (definite Certain, probable Probably-Likely, possible Possible, unlikely
//   Unlikely); "unrelated" has no WHO-UMC code and is given as text only;
// - the DLT verdict and its protocol version in this service's extension.
import type { AeOutcome, Attribution } from './vocabulary.js'
import type { AeSnapshot } from './sdtm.js'

export const MEDDRA_SYSTEM = 'http://terminology.hl7.org/CodeSystem/mdr'
export const NCIT_SYSTEM = 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl'
export const SERIOUSNESS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness'
export const SEVERITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-severity'
export const OUTCOME_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome'
export const CAUSALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess'
export const AE_GRADE_EXTENSION = 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade'
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

export const OUTCOMES: Readonly<Record<AeOutcome, Coding>> = {
  recovered: { system: OUTCOME_SYSTEM, code: 'resolved', display: 'Resolved' },
  recovering: { system: OUTCOME_SYSTEM, code: 'recovering', display: 'Recovering' },
  not_recovered: { system: OUTCOME_SYSTEM, code: 'ongoing', display: 'Ongoing' },
  recovered_with_sequelae: { system: OUTCOME_SYSTEM, code: 'resolvedWithSequelae', display: 'Resolved with Sequelae' },
  fatal: { system: OUTCOME_SYSTEM, code: 'fatal', display: 'Fatal' },
  unknown: { system: OUTCOME_SYSTEM, code: 'unknown', display: 'Unknown' }
}

const WHO_UMC: Readonly<Partial<Record<Attribution, string>>> = {
  definite: 'Certain', probable: 'Probably-Likely', possible: 'Possible', unlikely: 'Unlikely'
}

/** causality.assessment: the WHO-UMC code where one corresponds, and the NCI attribution as text. */
export function causalityAssessment (attribution: Attribution) {
  const code = WHO_UMC[attribution]
  const text = `${attribution[0]!.toUpperCase()}${attribution.slice(1)} (NCI attribution)`
  return code === undefined ? { text } : concept({ system: CAUSALITY_SYSTEM, code, display: code }, text)
}

/** The AE as exported: a snapshot plus the fields FHIR needs beyond SDTM. */
export interface FhirAe extends AeSnapshot {
  doseLevel: number
  awareAt: string
  createdAt: string
  updatedAt: string
}

/** urn:uuid references of the resources an AdverseEvent points to. */
export interface AeReferences { study: string, patient: string }

export const urnUuid = (uuid: string) => `urn:uuid:${uuid}`

export function adverseEventResource (ae: FhirAe, refs: AeReferences): FhirResource {
  return {
    resourceType: 'AdverseEvent',
    id: ae.aeId,
    meta: { versionId: String(ae.version), lastUpdated: ae.updatedAt },
    extension: [
      { url: AE_GRADE_EXTENSION, valueCodeableConcept: concept(GRADE_CONCEPTS[ae.grade]!, `CTCAE v5.0 grade ${ae.grade}`) },
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
    event: concept({ system: MEDDRA_SYSTEM, code: ae.meddraCode, display: ae.term }, ae.otherSpecify === null ? ae.term : `${ae.term}: ${ae.otherSpecify}`),
    subject: { reference: urnUuid(refs.patient) },
    date: ae.onsetDate,
    detected: ae.awareAt,
    recordedDate: ae.createdAt,
    seriousness: concept(ae.serious
      ? { system: SERIOUSNESS_SYSTEM, code: 'serious', display: 'Serious' }
      : { system: SERIOUSNESS_SYSTEM, code: 'non-serious', display: 'Non-serious' }),
    severity: concept(severity(ae.grade)),
    ...(ae.outcome === null ? {} : { outcome: concept(OUTCOMES[ae.outcome]) }),
    suspectEntity: [{
      instance: { display: `Study intervention, dose level ${ae.doseLevel}` },
      causality: [{ assessment: causalityAssessment(ae.attribution) }]
    }],
    study: [{ reference: urnUuid(refs.study) }]
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
