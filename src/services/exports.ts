import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { and, asc, eq, gt, gte, inArray, isNull, lte, min, or, type SQL } from 'drizzle-orm'
import { administrations, adverseEvents, adverseEventVersions, participants, trialSites, type TrialRow } from '../../db/schema.js'
import type { Db } from '../../db/client.js'
import { csvRecord, inOrder, subjectRows, suppaeRows, type SdtmRow } from '../domain/sdtm.js'
import { AE_DATASET, DM_DATASET, EX_DATASET, SUPPAE_DATASET, variableNames, type SdtmDatasetMeta } from '../domain/sdtm-metadata.js'
import { dmRow, exRows, type DmSubject, type ExAdministration } from '../domain/sdtm-dm-ex.js'
import { defineXml } from '../domain/define-xml.js'
import { datasetJsonHead, datasetJsonRow, datasetJsonTail } from '../domain/dataset-json.js'
import {
  BUNDLE_END, adverseEventResource, bundleEntry, bundleStart, interventionResource, patientResource, researchStudyResource,
  researchSubjectResource, type FhirAe, type ParticipantFacts
} from '../domain/fhir.js'
import { localDate } from '../domain/site-calendar.js'
import { SERVICE_VERSION } from '../version.js'
import { loadProtocol } from './protocols.js'
import type { AeRecord } from './adverse-events.js'
import { requireTrial } from './trials.js'

// Exports stream: AEs are read in keyset pages on (participant_id, ae_id),
// keys that never change, so a page boundary cannot skip or repeat an AE
// while others write. A participant's AEs are held until the participant is
// complete (its AESEQ order needs them all), so memory is bounded by the page
// size plus the largest participant's AEs, not by the trial.

const PAGE = 250

// The columns an export reads: the keys, and the live AE as exported without asOf.
const ae = adverseEvents
const LIVE = {
  aeId: ae.aeId,
  version: ae.version,
  participantId: ae.participantId,
  doseLevel: ae.doseLevel,
  term: ae.term,
  meddraCode: ae.meddraCode,
  soc: ae.soc,
  otherSpecify: ae.otherSpecify,
  grade: ae.grade,
  expected: ae.expected,
  onsetDate: ae.onsetDate,
  resolvedDate: ae.resolvedDate,
  serious: ae.serious,
  seriousnessCriteria: ae.seriousnessCriteria,
  attribution: ae.attribution,
  outcome: ae.outcome,
  actionTaken: ae.actionTaken,
  externalId: ae.externalId,
  awareAt: ae.awareAt,
  createdAt: ae.createdAt,
  updatedAt: ae.updatedAt,
  phase: ae.phase,
  isDlt: ae.isDlt,
  dltProtocolVersion: ae.dltProtocolVersion,
  dltAdjudicated: ae.dltAdjudicated,
  nullifiedAt: ae.nullifiedAt
}

/** One keyset page of a trial's AEs, ordered by (participant_id, ae_id): keys that never change. */
const aePage = (db: Db, where: SQL | undefined) =>
  db.select(LIVE).from(ae).where(where).orderBy(asc(ae.participantId), asc(ae.aeId)).limit(PAGE)
type AeRow = Awaited<ReturnType<typeof aePage>>[number]

const iso = (instant: string) => new Date(instant).toISOString()

/** The live AE in the shape of a version snapshot (the stored AE record's fields the exports read). */
const liveAe = ({ nullifiedAt, ...row }: AeRow): FhirAe => ({
  ...row,
  attribution: row.attribution as FhirAe['attribution'],
  outcome: row.outcome as FhirAe['outcome'],
  phase: row.phase as NonNullable<FhirAe['phase']>,
  nullified: nullifiedAt !== null,
  dlt: { isDlt: row.isDlt, protocolVersion: row.dltProtocolVersion, adjudicated: row.dltAdjudicated },
  awareAt: iso(row.awareAt),
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt)
})

/** A stored version snapshot as exported. */
const versionAe = (record: AeRecord): FhirAe => ({ ...record, soc: record.ctcae.soc })

export interface ExportOptions {
  /** the data as it stood at this instant: versions changed by then, AEs not nullified by then */
  asOf?: string | undefined
  /** SDTM: one record per AE at its worst grade instead of one per grade */
  collapse?: boolean | undefined
}

/** One recorded version of an AE. */
interface Version { snapshot: FhirAe, seq: number, changedAt: string }

/** One participant's AEs (nullified ones included), each with its versions (oldest first, the last being the AE as exported). */
interface ParticipantAes {
  participantId: string
  /** date of the first administration recorded (by asOf), null when never dosed */
  rfstdtc: string | null
  /** the time zone of the participant's site */
  timeZone: string
  aes: Version[][]
}

const chunks = <T>(xs: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / PAGE) }, (_, i) => xs.slice(i * PAGE, (i + 1) * PAGE))

/** Versions of these AEs recorded by asOf, by aeId, oldest first. */
async function versionsOf (db: Db, trialId: string, aeIds: string[], asOf: string | undefined): Promise<Map<string, Version[]>> {
  const byAe = new Map<string, Version[]>()
  for (const ids of chunks(aeIds)) {
    const rows = await db.select({
      aeId: adverseEventVersions.aeId, snapshot: adverseEventVersions.snapshot, seq: adverseEventVersions.seq, changedAt: adverseEventVersions.changedAt
    }).from(adverseEventVersions).where(and(
      eq(adverseEventVersions.trialId, trialId),
      inArray(adverseEventVersions.aeId, ids),
      asOf === undefined ? undefined : lte(adverseEventVersions.changedAt, asOf)
    )).orderBy(asc(adverseEventVersions.aeId), asc(adverseEventVersions.version))
    for (const row of rows) {
      const list = byAe.get(row.aeId) ?? []
      list.push({ snapshot: versionAe(row.snapshot as AeRecord), seq: row.seq, changedAt: row.changedAt })
      byAe.set(row.aeId, list)
    }
  }
  return byAe
}

/** The time zone of each participant's site. */
async function siteZones (db: Db, trialId: string, participantIds: string[]): Promise<Map<string, string>> {
  const rows = await db.select({ participantId: participants.participantId, timeZone: trialSites.timeZone }).from(participants)
    .innerJoin(trialSites, and(eq(trialSites.trialId, participants.trialId), eq(trialSites.siteId, participants.siteId)))
    .where(and(eq(participants.trialId, trialId), inArray(participants.participantId, participantIds)))
  return new Map(rows.map((r) => [r.participantId, r.timeZone]))
}

/** RFSTDTC: the date of the first administration in the site's calendar, as study days and DLT windows count. */
async function firstDoses (db: Db, trialId: string, participantIds: string[], asOf: string | undefined): Promise<Map<string, string>> {
  const rows = await db.select({ participantId: administrations.participantId, first: min(administrations.administeredAt), timeZone: trialSites.timeZone })
    .from(administrations)
    .innerJoin(participants, and(eq(participants.trialId, administrations.trialId), eq(participants.participantId, administrations.participantId)))
    .innerJoin(trialSites, and(eq(trialSites.trialId, participants.trialId), eq(trialSites.siteId, participants.siteId)))
    .where(and(
      eq(administrations.trialId, trialId),
      inArray(administrations.participantId, participantIds),
      asOf === undefined ? undefined : lte(administrations.createdAt, asOf)
    )).groupBy(administrations.participantId, trialSites.timeZone)
  return new Map(rows.flatMap((r) => r.first === null ? [] : [[r.participantId, localDate(r.first, r.timeZone)]]))
}

/**
 * The trial's AEs (recorded by asOf, nullified ones included), one complete
 * participant at a time, in participant order. Without asOf each AE's last
 * entry is the live record (its DLT verdict is refreshed by re-classification
 * without a new version); with asOf, the version in force at that instant.
 */
async function * participantsAes (db: Db, trialId: string, options: ExportOptions): AsyncGenerator<ParticipantAes[]> {
  const { asOf } = options
  let held: AeRow[] = []
  let after: [string, string] | undefined
  for (;;) {
    const rows = await aePage(db, and(
      eq(ae.trialId, trialId),
      asOf === undefined ? undefined : lte(ae.createdAt, asOf),
      after === undefined ? undefined : and(gte(ae.participantId, after[0]), or(gt(ae.participantId, after[0]), gt(ae.aeId, after[1])))
    ))
    const last = rows[rows.length - 1]
    const more = rows.length === PAGE
    const all = held.concat(rows)
    // The last participant of a full page may go on in the next page: hold it back.
    held = more ? all.filter((r) => r.participantId === last!.participantId) : []
    const complete = more ? all.filter((r) => r.participantId !== last!.participantId) : all
    if (complete.length > 0) yield await assemble(db, trialId, complete, asOf)
    if (!more) return
    after = [last!.participantId, last!.aeId]
  }
}

async function assemble (db: Db, trialId: string, rows: AeRow[], asOf: string | undefined): Promise<ParticipantAes[]> {
  const participantIds = [...new Set(rows.map((r) => r.participantId))]
  const [versions, doses, zones] = await Promise.all([
    versionsOf(db, trialId, rows.map((r) => r.aeId), asOf),
    firstDoses(db, trialId, participantIds, asOf),
    siteZones(db, trialId, participantIds)
  ])
  const groups = new Map(participantIds.map((participantId) => [participantId, [] as Version[][]]))
  for (const row of rows) {
    const recorded = versions.get(row.aeId) ?? []
    groups.get(row.participantId)!.push(asOf === undefined ? withLive(recorded, row) : recorded)
  }
  return participantIds.map((participantId) => ({
    participantId, rfstdtc: doses.get(participantId) ?? null, timeZone: zones.get(participantId) ?? 'UTC', aes: groups.get(participantId)!
  }))
}

/** The recorded versions up to the live row's, the last one showing the live row (same version, refreshed DLT verdict). */
function withLive (recorded: Version[], row: AeRow): Version[] {
  const kept = recorded.filter((v) => v.snapshot.version <= row.version)
  const last = kept.pop()
  if (last === undefined) throw new Error(`adverse event ${row.aeId} has no recorded version`)
  return [...kept, { ...last, snapshot: liveAe(row) }]
}

/** AE dataset rows with the snapshot each came from: per subject, AESEQ stable across exports (sdtm.ts subjectRows). */
async function * aeDataset (db: Db, trial: TrialRow, options: ExportOptions) {
  for await (const page of participantsAes(db, trial.trialId, options)) {
    yield page.flatMap((p) => subjectRows(
      p.aes.map((versions) => versions.map((v) => ({ snapshot: v.snapshot, seq: v.seq, recordedOn: localDate(v.changedAt, p.timeZone) }))),
      { studyId: trial.trialId, participantId: p.participantId, rfstdtc: p.rfstdtc },
      options.collapse === true
    ))
  }
}

type Dataset<R> = AsyncGenerator<R[]>

async function * csv (dataset: SdtmDatasetMeta, rows: Dataset<SdtmRow>): AsyncGenerator<string> {
  const variables = variableNames(dataset)
  yield csvRecord(variables)
  for await (const page of rows) {
    if (page.length > 0) yield page.map((row) => csvRecord(inOrder(variables, row))).join('')
  }
}

/** A JSON array, written as it is produced. */
async function * jsonArray (items: AsyncGenerator<readonly string[]>, start = '[', end = ']'): AsyncGenerator<string> {
  let separator = ''
  yield start
  for await (const page of items) {
    if (page.length === 0) continue
    yield separator + page.join(',')
    separator = ','
  }
  yield end
}

async function * serialised<R> (rows: Dataset<R>): AsyncGenerator<string[]> {
  for await (const page of rows) yield page.map((row) => JSON.stringify(row))
}

async function * mapPages<A, B> (pages: Dataset<A>, f: (a: A) => B[]): Dataset<B> {
  for await (const page of pages) yield page.flatMap(f)
}

/** CDISC Dataset-JSON v1.1: the head, the rows as arrays in column order, and the record count at the end. */
async function * datasetJson (dataset: SdtmDatasetMeta, trialId: string, rows: Dataset<SdtmRow>): AsyncGenerator<string> {
  let records = 0
  async function * arrays (): AsyncGenerator<string[]> {
    for await (const page of rows) {
      records += page.length
      yield page.map((row) => JSON.stringify(datasetJsonRow(dataset, row)))
    }
  }
  const head = datasetJsonHead(dataset, { studyId: trialId, createdAt: new Date().toISOString(), sourceSystemVersion: SERVICE_VERSION })
  for await (const chunk of jsonArray(arrays(), head, '')) yield chunk
  yield datasetJsonTail(records)
}

/** csv: RFC 4180; json: an array of records by variable name; dataset-json: CDISC Dataset-JSON v1.1. */
export type DatasetFormat = 'csv' | 'json' | 'dataset-json'

const stream = (chunks: AsyncGenerator<string>) => Readable.from(chunks, { objectMode: false })

function written (dataset: SdtmDatasetMeta, trialId: string, format: DatasetFormat, rows: Dataset<SdtmRow>): Readable {
  if (format === 'csv') return stream(csv(dataset, rows))
  return stream(format === 'json' ? jsonArray(serialised(rows)) : datasetJson(dataset, trialId, rows))
}

/** The SDTM AE dataset. */
export async function sdtmAe (db: Db, trialId: string, format: DatasetFormat, options: ExportOptions): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  return written(AE_DATASET, trialId, format, mapPages(aeDataset(db, trial, options), (r) => [r.row]))
}

/** SUPPAE: the DLT flag and its protocol version of each AE record (same options as the AE dataset it qualifies). */
export async function suppae (db: Db, trialId: string, format: DatasetFormat, options: ExportOptions): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  return written(SUPPAE_DATASET, trialId, format, mapPages(aeDataset(db, trial, options), (r) => suppaeRows(r.ae, r.row)))
}

interface Subjects { trial: TrialRow, subjects: Array<DmSubject & { given: ExAdministration[] }> }

/**
 * Every participant of the trial as DM and EX read them, as the data stand
 * now. Read whole: a trial has at most some hundreds of participants.
 */
async function subjects (db: Db, trialId: string): Promise<Subjects> {
  const trial = await requireTrial(db, trialId)
  const protocol = await loadProtocol(db, trialId, trial.protocolVersion)
  const [people, given, deaths] = await Promise.all([
    db.select({
      participantId: participants.participantId,
      siteId: participants.siteId,
      timeZone: trialSites.timeZone,
      armId: participants.armId,
      doseLevel: participants.doseLevel,
      treatmentEndedAt: participants.treatmentEndedAt,
      withdrawnAt: participants.withdrawnAt
    }).from(participants)
      .innerJoin(trialSites, and(eq(trialSites.trialId, participants.trialId), eq(trialSites.siteId, participants.siteId)))
      .where(eq(participants.trialId, trialId)).orderBy(asc(participants.participantId)),
    db.select({
      participantId: administrations.participantId,
      administrationId: administrations.administrationId,
      administeredAt: administrations.administeredAt,
      doseLevel: administrations.doseLevel,
      doseValue: administrations.doseValue,
      doseUnit: administrations.doseUnit
    }).from(administrations).where(eq(administrations.trialId, trialId))
      .orderBy(asc(administrations.participantId), asc(administrations.administeredAt), asc(administrations.administrationId)),
    db.select({ participantId: ae.participantId, onsetDate: ae.onsetDate, resolvedDate: ae.resolvedDate }).from(ae)
      .where(and(eq(ae.trialId, trialId), isNull(ae.nullifiedAt), or(eq(ae.grade, 5), eq(ae.outcome, 'fatal'))))
  ])
  const levelLabel = new Map(protocol.doseLevels.map((d) => [d.level, d]))
  const armLabel = new Map((protocol.arms ?? []).map((a) => [a.armId, a.label]))
  return {
    trial,
    subjects: people.map((p) => {
      const mine = given.filter((g) => g.participantId === p.participantId)
      const level = levelLabel.get(p.doseLevel)
      return {
        studyId: trialId,
        ...p,
        armLabel: (p.armId === null ? undefined : armLabel.get(p.armId)) ?? `Dose level ${p.doseLevel}${level === undefined ? '' : `: ${level.label}`}`,
        administrations: mine.map((g) => ({ administeredAt: iso(g.administeredAt), doseLevel: g.doseLevel })),
        deaths: deaths.filter((d) => d.participantId === p.participantId),
        given: mine.map((g) => {
          const planned = levelLabel.get(g.doseLevel)?.dose
          return {
            administrationId: g.administrationId,
            administeredAt: iso(g.administeredAt),
            doseLevel: g.doseLevel,
            dose: g.doseValue !== null && g.doseUnit !== null ? { value: Number(g.doseValue), unit: g.doseUnit } : planned ?? null
          }
        })
      }
    })
  }
}

async function * once<R> (rows: R[]): Dataset<R> { yield rows }

/** SDTM DM: one record per participant. */
export async function sdtmDm (db: Db, trialId: string, format: DatasetFormat): Promise<Readable> {
  const { subjects: all } = await subjects(db, trialId)
  return written(DM_DATASET, trialId, format, once(all.map(dmRow)))
}

/** SDTM EX: one record per administration. */
export async function sdtmEx (db: Db, trialId: string, format: DatasetFormat): Promise<Readable> {
  const { subjects: all } = await subjects(db, trialId)
  return written(EX_DATASET, trialId, format, once(all.flatMap((s) => exRows(s, s.given))))
}

/** Define-XML 2.1 for the SDTM datasets of the trial. */
export async function defineDocument (db: Db, trialId: string): Promise<string> {
  const trial = await requireTrial(db, trialId)
  return defineXml({ studyId: trialId, title: trial.title, createdAt: new Date().toISOString(), sourceSystemVersion: SERVICE_VERSION })
}

// Stable name-based UUIDs (RFC 4122 version 5) for resources that have no
// UUID of their own: the same trial and participant get the same fullUrl in
// every export.
const NAMESPACE = Buffer.from('5b0c3f9e9a6d4b7e8f21c4d7a0e6b913', 'hex')

export function nameUuid (name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const byThen = (at: string | null, asOf: string | undefined) => at !== null && (asOf === undefined || Date.parse(at) <= Date.parse(asOf))

async function participantFacts (db: Db, trialId: string, studyUuid: string, ids: string[], asOf: string | undefined): Promise<ParticipantFacts[]> {
  const rows = await db.select({
    participantId: participants.participantId,
    doseLevel: participants.doseLevel,
    armId: participants.armId,
    withdrawnAt: participants.withdrawnAt,
    treatmentEndedAt: participants.treatmentEndedAt
  }).from(participants).where(and(eq(participants.trialId, trialId), inArray(participants.participantId, ids)))
    .orderBy(asc(participants.participantId))
  return rows.map((p) => ({
    patientUuid: nameUuid(`patient:${trialId}:${p.participantId}`),
    subjectUuid: nameUuid(`research-subject:${trialId}:${p.participantId}`),
    studyUuid,
    trialId,
    participantId: p.participantId,
    doseLevel: p.doseLevel,
    armId: p.armId,
    withdrawn: byThen(p.withdrawnAt, asOf),
    treatmentEnded: byThen(p.treatmentEndedAt, asOf)
  }))
}

/**
 * A FHIR R4 collection Bundle: the ResearchStudy, the study intervention per
 * dose level (the AEs' suspect entity), then per participant its Patient,
 * ResearchSubject and AdverseEvents, nullified ones as entered-in-error.
 */
export async function fhirBundle (db: Db, trialId: string, options: ExportOptions & { generatedAt: string }): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  const protocol = await loadProtocol(db, trialId, trial.protocolVersion)
  const studyUuid = nameUuid(`study:${trialId}`)
  const interventionUuid = (level: number) => nameUuid(`intervention:${trialId}:${level}`)
  const study = researchStudyResource({ uuid: studyUuid, trialId, title: trial.title, dmcHold: trial.dmcHold as 'pause' | 'terminate' | null })
  async function * entries (): AsyncGenerator<string[]> {
    yield [bundleEntry(study), ...protocol.doseLevels.map((d) =>
      bundleEntry(interventionResource({ uuid: interventionUuid(d.level), trialId, doseLevel: d.level, label: d.label })))]
    for await (const page of participantsAes(db, trialId, options)) {
      const facts = await participantFacts(db, trialId, studyUuid, page.map((p) => p.participantId), options.asOf)
      const byId = new Map(facts.map((f) => [f.participantId, f]))
      yield page.flatMap((p) => {
        const subject = byId.get(p.participantId)!
        const refs = { study: studyUuid, patient: subject.patientUuid, researchSubject: subject.subjectUuid }
        // Each AE as it stands (by asOf).
        const aes = p.aes.flatMap((versions) => versions.slice(-1).map((v) => v.snapshot))
          .sort((a, b) => a.onsetDate < b.onsetDate ? -1 : a.onsetDate > b.onsetDate ? 1 : a.aeId < b.aeId ? -1 : 1)
        return [
          bundleEntry(patientResource(subject)),
          bundleEntry(researchSubjectResource(subject)),
          ...aes.map((ae) => bundleEntry(adverseEventResource(ae, { ...refs, intervention: interventionUuid(ae.doseLevel) })))
        ]
      })
    }
  }
  return stream(jsonArray(entries(), bundleStart(options.asOf ?? options.generatedAt), BUNDLE_END))
}
