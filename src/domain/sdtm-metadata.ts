// Metadata of the SDTM datasets this service exports: the variables of each
// dataset in SDTMIG v3.3 order with their labels, data types, maximum lengths,
// origins and codelists. The CSV header, the Dataset-JSON columns and the
// Define-XML document are all derived from these tables, so a variable is
// described once.
//
// Lengths are the longest value the service can produce (input limits of the
// API, e.g. a participantId of 64 characters), not the longest in the data,
// so that Define-XML can be produced without reading the data.

/** Define-XML 2.1 data types used here (ISO 8601 dates and date-times are character values). */
export type DefineDataType = 'text' | 'integer' | 'float' | 'date' | 'datetime'
export type OriginType = 'Collected' | 'Derived' | 'Assigned' | 'Protocol' | 'Not Available'

export interface SdtmVariableMeta {
  name: string
  label: string
  dataType: DefineDataType
  length?: number
  origin: OriginType
  /** OID suffix of the codelist the values come from (CODELISTS) */
  codelist?: keyof typeof CODELISTS
  /** how a derived value is computed (Define-XML MethodDef) */
  method?: string
  /** position among the dataset's keys (Define-XML ItemRef KeySequence) */
  key?: number
  mandatory?: boolean
}

export interface SdtmDatasetMeta {
  name: 'AE' | 'SUPPAE' | 'DM' | 'EX'
  label: string
  /** SDTM observation class (Define-XML 2.1 def:Class) */
  class: 'EVENTS' | 'INTERVENTIONS' | 'SPECIAL PURPOSE' | 'RELATIONSHIP'
  structure: string
  variables: readonly SdtmVariableMeta[]
}

/** CDISC SDTM Controlled Terminology codelists (NCI code, submission values) and the sponsor's AEREL list. */
export const CODELISTS = {
  NY: { name: 'No Yes Response', nciCode: 'C66742', values: ['N', 'Y'] },
  OUT: {
    name: 'Outcome of Event',
    nciCode: 'C66768',
    values: ['FATAL', 'NOT RECOVERED/NOT RESOLVED', 'RECOVERED/RESOLVED', 'RECOVERED/RESOLVED WITH SEQUELAE', 'RECOVERING/RESOLVING', 'UNKNOWN']
  },
  ACN: {
    name: 'Action Taken with Study Treatment',
    nciCode: 'C66767',
    values: ['DOSE INCREASED', 'DOSE NOT CHANGED', 'DOSE RATE REDUCED', 'DOSE REDUCED', 'DRUG INTERRUPTED', 'DRUG WITHDRAWN', 'NOT APPLICABLE', 'UNKNOWN']
  },
  EPOCH: { name: 'Epoch', nciCode: 'C99079', values: ['FOLLOW-UP', 'TREATMENT'] },
  ARMNRS: { name: 'Reason Arm and/or Actual Arm is Null', nciCode: 'C142179', values: ['ASSIGNED, NOT TREATED', 'UNPLANNED TREATMENT'] },
  AEREL: {
    name: 'Causality (NCI attribution scale)',
    nciCode: null,
    values: ['NOT RELATED', 'UNLIKELY RELATED', 'POSSIBLY RELATED', 'PROBABLY RELATED', 'RELATED']
  }
} as const

const ID = 64
/** STUDYID-participantId */
const USUBJID_LENGTH = ID * 2 + 1
const DATE = 10
/** YYYY-MM-DDThh:mm */
const DATETIME = 16

const v = (name: string, label: string, dataType: DefineDataType, length: number | undefined, origin: OriginType, more: Partial<SdtmVariableMeta> = {}): SdtmVariableMeta =>
  ({ name, label, dataType, ...(length === undefined ? {} : { length }), origin, ...more })

const STUDYID = v('STUDYID', 'Study Identifier', 'text', ID, 'Protocol', { key: 1, mandatory: true })
const domain = (name: string) => v('DOMAIN', 'Domain Abbreviation', 'text', name.length, 'Assigned', { mandatory: true })
const USUBJID = v('USUBJID', 'Unique Subject Identifier', 'text', USUBJID_LENGTH, 'Derived', {
  key: 2, mandatory: true, method: 'STUDYID, a hyphen and the participant id the site enrolled the participant with'
})
const studyDayMethod = (what: string) =>
  `${what} minus DM.RFSTDTC plus 1 on or after RFSTDTC, minus RFSTDTC before it (no day 0), dates in the site's calendar; null without RFSTDTC`

export const AE_DATASET: SdtmDatasetMeta = {
  name: 'AE',
  label: 'Adverse Events',
  class: 'EVENTS',
  structure: 'One record per adverse event per CTCAE grade (or per adverse event at its worst grade, collapse=worst)',
  variables: [
    STUDYID, domain('AE'), USUBJID,
    v('AESEQ', 'Sequence Number', 'integer', 8, 'Derived', {
      key: 3,
      mandatory: true,
      method: 'Records of the subject (nullified AEs included) numbered 1, 2, ... in the order their first version was committed; ' +
        'a record keeps its number in every later export'
    }),
    v('AEGRPID', 'Group ID', 'text', 36, 'Assigned', { method: 'The aeId of the adverse event: the same on every grade record of one AE' }),
    v('AESPID', 'Sponsor-Defined Identifier', 'text', 128, 'Assigned', { method: 'The sending system\'s externalId when given, else the aeId' }),
    v('AETERM', 'Reported Term for the Adverse Event', 'text', 200, 'Collected', { mandatory: true }),
    v('AELLT', 'Lowest Level Term', 'text', 200, 'Assigned'),
    v('AELLTCD', 'Lowest Level Term Code', 'integer', 8, 'Assigned'),
    v('AEDECOD', 'Dictionary-Derived Term', 'text', 200, 'Assigned', { mandatory: true }),
    v('AEPTCD', 'Preferred Term Code', 'integer', 8, 'Not Available'),
    v('AEHLT', 'High Level Term', 'text', 100, 'Not Available'),
    v('AEHLTCD', 'High Level Term Code', 'integer', 8, 'Not Available'),
    v('AEHLGT', 'High Level Group Term', 'text', 100, 'Not Available'),
    v('AEHLGTCD', 'High Level Group Term Code', 'integer', 8, 'Not Available'),
    v('AEBODSYS', 'Body System or Organ Class', 'text', 100, 'Assigned'),
    v('AEBDSYCD', 'Body System or Organ Class Code', 'integer', 8, 'Not Available'),
    v('AESOC', 'Primary System Organ Class', 'text', 100, 'Assigned'),
    v('AESOCCD', 'Primary System Organ Class Code', 'integer', 8, 'Not Available'),
    v('AESER', 'Serious Event', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AEACN', 'Action Taken with Study Treatment', 'text', 16, 'Collected', { codelist: 'ACN' }),
    v('AEACNOTH', 'Other Action Taken', 'text', 500, 'Collected'),
    v('AEREL', 'Causality', 'text', 16, 'Collected', { codelist: 'AEREL' }),
    v('AEOUT', 'Outcome of Adverse Event', 'text', 32, 'Collected', { codelist: 'OUT' }),
    v('AESCONG', 'Congenital Anomaly or Birth Defect', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AESDISAB', 'Persist or Signif Disability/Incapacity', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AESDTH', 'Results in Death', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AESHOSP', 'Requires or Prolongs Hospitalization', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AESLIFE', 'Is Life Threatening', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AESMIE', 'Other Medically Important Serious Event', 'text', 1, 'Collected', { codelist: 'NY' }),
    v('AETOXGR', 'Standard Toxicity Grade', 'text', 1, 'Collected'),
    v('EPOCH', 'Epoch', 'text', 9, 'Derived', {
      codelist: 'EPOCH', method: 'TREATMENT for an onset on treatment, FOLLOW-UP after the end of treatment or withdrawal'
    }),
    v('AESTDTC', 'Start Date/Time of Adverse Event', 'date', DATE, 'Derived', {
      key: 4,
      method: 'First grade record: the onset date; a later grade: the date its change was recorded (site calendar), between the onset and the resolution'
    }),
    v('AEENDTC', 'End Date/Time of Adverse Event', 'date', DATE, 'Derived', {
      method: 'A grade record followed by another: the start of the next grade; the last record: the resolution date'
    }),
    v('AESTDY', 'Study Day of Start of Adverse Event', 'integer', 8, 'Derived', { method: studyDayMethod('AESTDTC') }),
    v('AEENDY', 'Study Day of End of Adverse Event', 'integer', 8, 'Derived', { method: studyDayMethod('AEENDTC') })
  ]
}

export const SUPPAE_DATASET: SdtmDatasetMeta = {
  name: 'SUPPAE',
  label: 'Supplemental Qualifiers for AE',
  class: 'RELATIONSHIP',
  structure: 'One record per supplemental qualifier per AE record',
  variables: [
    STUDYID,
    v('RDOMAIN', 'Related Domain Abbreviation', 'text', 2, 'Assigned', { mandatory: true }),
    USUBJID,
    v('IDVAR', 'Identifying Variable', 'text', 8, 'Assigned', { key: 3 }),
    v('IDVARVAL', 'Identifying Variable Value', 'text', 8, 'Assigned', { key: 4 }),
    v('QNAM', 'Qualifier Variable Name', 'text', 8, 'Assigned', { key: 5, mandatory: true }),
    v('QLABEL', 'Qualifier Variable Label', 'text', 40, 'Assigned', { mandatory: true }),
    v('QVAL', 'Data Value', 'text', 8, 'Derived', { mandatory: true }),
    v('QORIG', 'Origin', 'text', 8, 'Assigned', { mandatory: true }),
    v('QEVAL', 'Evaluator', 'text', 20, 'Assigned')
  ]
}

export const DM_DATASET: SdtmDatasetMeta = {
  name: 'DM',
  label: 'Demographics',
  class: 'SPECIAL PURPOSE',
  structure: 'One record per subject',
  variables: [
    STUDYID, domain('DM'), USUBJID,
    v('SUBJID', 'Subject Identifier for the Study', 'text', ID, 'Collected', { mandatory: true }),
    v('RFSTDTC', 'Subject Reference Start Date/Time', 'date', DATE, 'Derived', { method: 'Date of the first administration (site calendar)' }),
    v('RFENDTC', 'Subject Reference End Date/Time', 'date', DATE, 'Derived', { method: 'Date of the end of treatment or of withdrawal (site calendar)' }),
    v('RFXSTDTC', 'Date/Time of First Study Treatment', 'datetime', DATETIME, 'Derived', { method: 'First administration, site local time' }),
    v('RFXENDTC', 'Date/Time of Last Study Treatment', 'datetime', DATETIME, 'Derived', { method: 'Last administration, site local time' }),
    v('RFICDTC', 'Date/Time of Informed Consent', 'date', DATE, 'Not Available'),
    v('RFPENDTC', 'Date/Time of End of Participation', 'date', DATE, 'Derived', { method: 'Date of withdrawal (site calendar)' }),
    v('DTHDTC', 'Date/Time of Death', 'date', DATE, 'Derived', { method: 'Resolution (else onset) date of the subject\'s fatal or grade 5 adverse event' }),
    v('DTHFL', 'Subject Death Flag', 'text', 1, 'Derived', { codelist: 'NY', method: 'Y when the subject has a fatal or grade 5 adverse event, else null' }),
    v('SITEID', 'Study Site Identifier', 'text', ID, 'Assigned', { mandatory: true }),
    v('AGE', 'Age', 'integer', 3, 'Not Available'),
    v('AGEU', 'Age Units', 'text', 6, 'Not Available'),
    v('SEX', 'Sex', 'text', 1, 'Not Available', { mandatory: true }),
    v('RACE', 'Race', 'text', 60, 'Not Available'),
    v('ARMCD', 'Planned Arm Code', 'text', ID, 'Assigned', { method: 'The armId, or DL and the dose level enrolled at' }),
    v('ARM', 'Description of Planned Arm', 'text', 200, 'Protocol'),
    v('ACTARMCD', 'Actual Arm Code', 'text', ID, 'Derived', { method: 'ARMCD when every administration was at the planned dose level; null otherwise' }),
    v('ACTARM', 'Description of Actual Arm', 'text', 200, 'Derived', { method: 'ARM when ACTARMCD is set' }),
    v('ARMNRS', 'Reason Arm and/or Actual Arm is Null', 'text', 24, 'Derived', { codelist: 'ARMNRS' }),
    v('ACTARMUD', 'Description of Unplanned Actual Arm', 'text', 200, 'Derived', { method: 'The dose levels administered, when other than planned' }),
    v('COUNTRY', 'Country', 'text', 3, 'Not Available', { mandatory: true })
  ]
}

export const EX_DATASET: SdtmDatasetMeta = {
  name: 'EX',
  label: 'Exposure',
  class: 'INTERVENTIONS',
  structure: 'One record per administration',
  variables: [
    STUDYID, domain('EX'), USUBJID,
    v('EXSEQ', 'Sequence Number', 'integer', 8, 'Derived', { key: 3, mandatory: true, method: 'The subject\'s administrations numbered 1, 2, ... by time given' }),
    v('EXSPID', 'Sponsor-Defined Identifier', 'text', 36, 'Assigned', { method: 'The administrationId' }),
    v('EXTRT', 'Name of Treatment', 'text', 40, 'Assigned', { mandatory: true, method: 'INVESTIGATIONAL PRODUCT, or PLACEBO at dose level 0' }),
    v('EXDOSE', 'Dose', 'float', 32, 'Collected', { method: 'The dose recorded with the administration, else the protocol\'s dose for its level' }),
    v('EXDOSU', 'Dose Units', 'text', 32, 'Collected'),
    v('EPOCH', 'Epoch', 'text', 9, 'Assigned', { codelist: 'EPOCH' }),
    v('EXSTDTC', 'Start Date/Time of Treatment', 'datetime', DATETIME, 'Collected', { key: 4 }),
    v('EXENDTC', 'End Date/Time of Treatment', 'datetime', DATETIME, 'Collected'),
    v('EXSTDY', 'Study Day of Start of Treatment', 'integer', 8, 'Derived', { method: studyDayMethod('EXSTDTC') }),
    v('EXENDY', 'Study Day of End of Treatment', 'integer', 8, 'Derived', { method: studyDayMethod('EXENDTC') })
  ]
}

export const SDTM_DATASETS: readonly SdtmDatasetMeta[] = [DM_DATASET, AE_DATASET, SUPPAE_DATASET, EX_DATASET]

/** The variable names of a dataset, in order. */
export const variableNames = (dataset: SdtmDatasetMeta): string[] => dataset.variables.map((x) => x.name)

/** ODM OIDs shared by Define-XML and Dataset-JSON. */
export const itemGroupOid = (dataset: SdtmDatasetMeta) => `IG.${dataset.name}`
export const itemOid = (dataset: SdtmDatasetMeta, variable: string) => `IT.${dataset.name}.${variable}`
export const METADATA_VERSION_OID = 'MDV.DLT-SAFETY.SDTMIG.3.3'
export const studyOid = (studyId: string) => `STUDY.${studyId}`
