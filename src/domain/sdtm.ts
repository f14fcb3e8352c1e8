// CDISC SDTM AE domain and its SUPPAE supplemental qualifiers, mapped from
// stored adverse events: SDTMIG v3.3 section 6.2 (AE), section 4.4.4 (study
// days), section 8.4 (supplemental qualifiers), with the values of CDISC SDTM
// Controlled Terminology (codelists NY C66742, OUT C66768, ACN C66767).
//
// Sponsor conventions (README "Exports"):
// - USUBJID = STUDYID-participantId (participant ids already carry the site);
// - AESEQ numbers a subject's records in the order they were first recorded
//   and never changes (subjectRows); AEGRPID = the aeId ties the grade
//   records of one AE together;
// - AESPID = the sending system's externalId when given, else the aeId;
// - AETERM = the verbatim "Other, specify" text when given, else the CTCAE term;
// - AELLT/AELLTCD and AEDECOD = the CTCAE v5.0 term and its MedDRA code (CTCAE
//   terms are MedDRA lowest level terms); AEBODSYS/AESOC = its SOC. The codes
//   of PT, HLT, HLGT and SOC need the licensed MedDRA dictionary: those
//   Expected variables are present and empty;
// - seriousness criteria: Y/N for serious AEs, null for non-serious ones
//   (the criteria are asked only of serious AEs);
// - AEACN: actionTaken when it is an ACN term (any case, '_' for space), else
//   null with the text in AEACNOTH;
// - study days count from the date of the first administration (RFSTDTC) in
//   the site's calendar (site-calendar.ts; UTC unless the site says otherwise);
// - EPOCH: TREATMENT for an onset on treatment, FOLLOW-UP for one after the
//   end of treatment or withdrawal (the AE's phase at onset); null for a
//   version recorded before phases were kept.
import { AE_DATASET, SUPPAE_DATASET, variableNames, type DefineDataType } from './sdtm-metadata.js'
import type { AeOutcome, Attribution, PARTICIPANT_PHASES } from './vocabulary.js'

/** SDTMIG v3.3 AE variables this service fills (or must carry, Expected ones), in SDTMIG order. */
export const AE_VARIABLES = variableNames(AE_DATASET)

/** SDTMIG v3.3 section 8.4.1: the SUPP-- dataset structure. */
export const SUPPAE_VARIABLES = variableNames(SUPPAE_DATASET)

export type SdtmValue = string | number | null
/** A dataset record by variable name (the dataset's metadata, sdtm-metadata.ts, lists its variables and their order). */
export type SdtmRow = Record<string, SdtmValue>
export type AeDatasetRow = SdtmRow
export type SuppaeRow = SdtmRow

/** An adverse event as it stood at one version (the fields of the stored AE record that the exports read). */
export interface AeSnapshot {
  aeId: string
  version: number
  participantId: string
  term: string
  meddraCode: string
  soc: string
  otherSpecify: string | null
  grade: number
  onsetDate: string
  resolvedDate: string | null
  serious: boolean
  seriousnessCriteria: readonly string[]
  attribution: Attribution
  outcome: AeOutcome | null
  actionTaken: string | null
  externalId: string | null
  nullified: boolean
  /** the participant's phase at onset; absent from versions recorded before it was kept */
  phase?: typeof PARTICIPANT_PHASES[number]
  dlt: { isDlt: boolean, protocolVersion: number, adjudicated: boolean | null }
}

/** The CDISC Epoch (C99079) of a phase at onset: after treatment or withdrawal, follow-up. */
export const EPOCH: Readonly<Record<typeof PARTICIPANT_PHASES[number], string>> = {
  on_treatment: 'TREATMENT',
  follow_up: 'FOLLOW-UP',
  off_study: 'FOLLOW-UP'
}

/** The sponsor's mapping of the NCI attribution scale to AEREL (README "Exports"). */
export const AEREL: Readonly<Record<Attribution, string>> = {
  unrelated: 'NOT RELATED',
  unlikely: 'UNLIKELY RELATED',
  possible: 'POSSIBLY RELATED',
  probable: 'PROBABLY RELATED',
  definite: 'RELATED'
}

/** Codelist OUT (C66768). */
export const AEOUT: Readonly<Record<AeOutcome, string>> = {
  recovered: 'RECOVERED/RESOLVED',
  recovering: 'RECOVERING/RESOLVING',
  not_recovered: 'NOT RECOVERED/NOT RESOLVED',
  recovered_with_sequelae: 'RECOVERED/RESOLVED WITH SEQUELAE',
  fatal: 'FATAL',
  unknown: 'UNKNOWN'
}

/** Codelist ACN (C66767), non-extensible. */
export const ACN_TERMS: ReadonlySet<string> = new Set([
  'DOSE INCREASED', 'DOSE NOT CHANGED', 'DOSE RATE REDUCED', 'DOSE REDUCED', 'DRUG INTERRUPTED', 'DRUG WITHDRAWN', 'NOT APPLICABLE', 'UNKNOWN'
])

/** AEACN when the action taken is an ACN term; otherwise AEACNOTH keeps the text as given. */
export function actionTaken (text: string | null): { AEACN: string | null, AEACNOTH: string | null } {
  if (text === null) return { AEACN: null, AEACNOTH: null }
  const term = text.trim().replace(/[\s_]+/g, ' ').toUpperCase()
  return ACN_TERMS.has(term) ? { AEACN: term, AEACNOTH: null } : { AEACN: null, AEACNOTH: text.trim() }
}

const yn = (value: boolean): 'Y' | 'N' => value ? 'Y' : 'N'

const DAY_MS = 86_400_000
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS

/**
 * SDTMIG v3.3 section 4.4.4: --DY = date - RFSTDTC + 1 on or after the
 * reference date, date - RFSTDTC before it; there is no day 0. Null when
 * either date is unknown.
 */
export function studyDay (date: string | null, reference: string | null): number | null {
  if (date === null || reference === null) return null
  const days = dayNumber(date) - dayNumber(reference)
  return days >= 0 ? days + 1 : days
}

/** One recorded version of an AE, as the AE dataset reads it. */
export interface AeVersion {
  snapshot: AeSnapshot
  /** commit order of the version within the trial (adverse_event_versions.seq) */
  seq: number
  /** the site's calendar date on which the version was recorded */
  recordedOn: string
}

/** One AE record before numbering: the version it shows and the dates of the grade it stands for. */
export interface GradeRecord {
  ae: AeSnapshot
  /** the seq of the record's first version: records are numbered in this order */
  key: number
  start: string
  end: string | null
}

const later = (a: string, b: string) => a > b ? a : b

/**
 * The records of one AE (versions oldest first). One record per grade: each
 * run of consecutive versions at the same grade shows its last version (the
 * latest follow-up recorded while the AE stood at that grade). The first run
 * starts at the onset, a later one on the day its grade change was recorded
 * (the service keeps no clinical date of a grade change), never before the
 * onset nor after the resolution; a run ends where the next begins, the last
 * at the resolution date.
 * Collapsed: one record, the latest version at the worst grade recorded.
 * Nullified AEs have records too (they keep their numbers); subjectRows
 * leaves them out.
 */
export function gradeRecords (versions: readonly AeVersion[], collapse: boolean): GradeRecord[] {
  const last = versions[versions.length - 1]
  if (last === undefined) return []
  const latest = last.snapshot
  if (collapse) {
    return [{ ae: { ...latest, grade: Math.max(...versions.map((x) => x.snapshot.grade)) }, key: versions[0]!.seq, start: latest.onsetDate, end: latest.resolvedDate }]
  }
  const runs: AeVersion[][] = []
  for (const version of versions) {
    const run = runs[runs.length - 1]
    if (run !== undefined && run[run.length - 1]!.snapshot.grade === version.snapshot.grade) run.push(version)
    else runs.push([version])
  }
  // A change recorded after the resolution happened by then: it starts no later than the resolution date.
  const bound = (date: string) => latest.resolvedDate !== null && date > latest.resolvedDate ? latest.resolvedDate : date
  const starts = runs.map((run, i) => i === 0 ? latest.onsetDate : bound(later(latest.onsetDate, run[0]!.recordedOn)))
  return runs.map((run, i) => ({
    ae: run[run.length - 1]!.snapshot,
    key: run[0]!.seq,
    start: starts[i]!,
    end: i + 1 < runs.length ? starts[i + 1]! : latest.resolvedDate
  }))
}

const SERIOUSNESS_VARIABLES = [
  ['AESCONG', 'congenital_anomaly'],
  ['AESDISAB', 'disability'],
  ['AESDTH', 'death'],
  ['AESHOSP', 'hospitalization'],
  ['AESLIFE', 'life_threatening'],
  ['AESMIE', 'important_medical_event']
] as const

export interface Subject {
  studyId: string
  participantId: string
  /** date of the first administration (RFSTDTC), null when never dosed */
  rfstdtc: string | null
}

export const usubjid = (studyId: string, participantId: string) => `${studyId}-${participantId}`

/** One AE dataset row. */
export function aeRow (record: GradeRecord, seq: number, subject: Subject): AeDatasetRow {
  const { ae } = record
  const criteria = Object.fromEntries(SERIOUSNESS_VARIABLES.map(([variable, criterion]) =>
    [variable, ae.serious ? yn(ae.seriousnessCriteria.includes(criterion)) : null])) as Record<typeof SERIOUSNESS_VARIABLES[number][0], SdtmValue>
  return {
    STUDYID: subject.studyId,
    DOMAIN: 'AE',
    USUBJID: usubjid(subject.studyId, subject.participantId),
    AESEQ: seq,
    AEGRPID: ae.aeId,
    AESPID: ae.externalId ?? ae.aeId,
    AETERM: ae.otherSpecify ?? ae.term,
    AELLT: ae.term,
    AELLTCD: Number(ae.meddraCode),
    AEDECOD: ae.term,
    AEPTCD: null,
    AEHLT: null,
    AEHLTCD: null,
    AEHLGT: null,
    AEHLGTCD: null,
    AEBODSYS: ae.soc,
    AEBDSYCD: null,
    AESOC: ae.soc,
    AESOCCD: null,
    AESER: yn(ae.serious),
    ...actionTaken(ae.actionTaken),
    AEREL: AEREL[ae.attribution],
    AEOUT: ae.outcome === null ? null : AEOUT[ae.outcome],
    ...criteria,
    AETOXGR: String(ae.grade),
    EPOCH: ae.phase === undefined ? null : EPOCH[ae.phase],
    AESTDTC: record.start,
    AEENDTC: record.end,
    AESTDY: studyDay(record.start, subject.rfstdtc),
    AEENDY: studyDay(record.end, subject.rfstdtc)
  }
}

/**
 * A subject's AE records with AESEQ: every record of every AE (nullified ones
 * included) numbered 1, 2, ... in the order its first version was committed,
 * so a number never changes when AEs or grades are added or nullified later
 * (SUPPAE refers to records by it). Nullified AEs' records are then left out,
 * leaving gaps; the rows come in onset order.
 */
export function subjectRows (aes: readonly (readonly AeVersion[])[], subject: Subject, collapse: boolean): Array<{ ae: AeSnapshot, row: AeDatasetRow }> {
  const records = aes.flatMap((versions) => {
    const nullified = versions[versions.length - 1]?.snapshot.nullified === true
    return gradeRecords(versions, collapse).map((record) => ({ record, nullified }))
  }).sort((a, b) => a.record.key - b.record.key)
  return records.map(({ record, nullified }, i) => ({ record, nullified, seq: i + 1 }))
    .filter((r) => !r.nullified)
    .sort((a, b) => a.record.start !== b.record.start ? (a.record.start < b.record.start ? -1 : 1) : a.seq - b.seq)
    .map(({ record, seq }) => ({ ae: record.ae, row: aeRow(record, seq, subject) }))
}

/** The supplemental qualifiers of each AE record (their QVAL value-level metadata in Define-XML). */
export const SUPPAE_QUALIFIERS = [
  { qnam: 'AEDLT', qlabel: 'Dose-Limiting Toxicity', dataType: 'text', length: 1, codelist: 'NY' },
  { qnam: 'AEDLTPV', qlabel: 'DLT Protocol Version', dataType: 'integer', length: 8 }
] as const satisfies ReadonlyArray<{ qnam: string, qlabel: string, dataType: DefineDataType, length: number, codelist?: 'NY' }>

/**
 * The SUPPAE records of one AE record: the DLT flag in force at that version
 * (QORIG Assigned when adjudicated, Derived when computed by the protocol's
 * DLT definition) and the protocol version that classified it.
 */
export function suppaeRows (ae: AeSnapshot, row: AeDatasetRow): SuppaeRow[] {
  const parent = { STUDYID: row.STUDYID!, RDOMAIN: 'AE', USUBJID: row.USUBJID!, IDVAR: 'AESEQ', IDVARVAL: String(row.AESEQ) }
  const [dlt, version] = SUPPAE_QUALIFIERS
  return [
    { ...parent, QNAM: dlt.qnam, QLABEL: dlt.qlabel, QVAL: yn(ae.dlt.isDlt), QORIG: ae.dlt.adjudicated === null ? 'Derived' : 'Assigned', QEVAL: null },
    { ...parent, QNAM: version.qnam, QLABEL: version.qlabel, QVAL: String(ae.dlt.protocolVersion), QORIG: 'Derived', QEVAL: null }
  ]
}

/** RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF; quotes doubled. Null is empty. */
export function csvField (value: SdtmValue): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One RFC 4180 record, CRLF-terminated. */
export const csvRecord = (values: readonly SdtmValue[]): string => values.map(csvField).join(',') + '\r\n'

/** A dataset row's values in the dataset's variable order. */
export const inOrder = <V extends string>(variables: readonly V[], row: Record<V, SdtmValue>): SdtmValue[] => variables.map((v) => row[v])
