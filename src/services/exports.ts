import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { and, asc, eq, gt, gte, inArray, isNull, lte, min, or, type SQL } from 'drizzle-orm'
import { administrations, adverseEvents, adverseEventVersions, participants, trialSites, type TrialRow } from '../../db/schema.js'
import type { Db } from '../../db/client.js'
import {
  AE_VARIABLES, SUPPAE_VARIABLES, csvRecord, gradeRecords, inOrder, subjectRows, suppaeRows,
  type AeDatasetRow, type SdtmValue
} from '../domain/sdtm.js'
import {
  BUNDLE_END, adverseEventResource, bundleEntry, bundleStart, patientResource, researchStudyResource, researchSubjectResource,
  type FhirAe, type ParticipantFacts
} from '../domain/fhir.js'
import { localDate } from '../domain/site-calendar.js'
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
  dltAdjudicated: ae.dltAdjudicated
}

/** One keyset page of a trial's AEs, ordered by (participant_id, ae_id): keys that never change. */
const aePage = (db: Db, where: SQL | undefined) =>
  db.select(LIVE).from(ae).where(where).orderBy(asc(ae.participantId), asc(ae.aeId)).limit(PAGE)
type AeRow = Awaited<ReturnType<typeof aePage>>[number]

const iso = (instant: string) => new Date(instant).toISOString()

/** The live AE in the shape of a version snapshot (the stored AE record's fields the exports read). */
const liveAe = (row: AeRow): FhirAe => ({
  ...row,
  attribution: row.attribution as FhirAe['attribution'],
  outcome: row.outcome as FhirAe['outcome'],
  phase: row.phase as NonNullable<FhirAe['phase']>,
  nullified: false,
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

/** One participant's AEs, each with its versions (oldest first, the last being the AE as exported). */
interface ParticipantAes {
  participantId: string
  /** date of the first administration recorded (by asOf), null when never dosed */
  rfstdtc: string | null
  aes: FhirAe[][]
}

const chunks = <T>(xs: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / PAGE) }, (_, i) => xs.slice(i * PAGE, (i + 1) * PAGE))

/** Versions of these AEs recorded by asOf, by aeId, oldest first. */
async function versionsOf (db: Db, trialId: string, aeIds: string[], asOf: string | undefined): Promise<Map<string, FhirAe[]>> {
  const byAe = new Map<string, FhirAe[]>()
  for (const ids of chunks(aeIds)) {
    const rows = await db.select({ aeId: adverseEventVersions.aeId, snapshot: adverseEventVersions.snapshot }).from(adverseEventVersions).where(and(
      eq(adverseEventVersions.trialId, trialId),
      inArray(adverseEventVersions.aeId, ids),
      asOf === undefined ? undefined : lte(adverseEventVersions.changedAt, asOf)
    )).orderBy(asc(adverseEventVersions.aeId), asc(adverseEventVersions.version))
    for (const row of rows) {
      const list = byAe.get(row.aeId) ?? []
      list.push(versionAe(row.snapshot as AeRecord))
      byAe.set(row.aeId, list)
    }
  }
  return byAe
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
 * The trial's AEs, one complete participant at a time, in participant order.
 * Without asOf each AE's last entry is the live record (its DLT verdict is
 * refreshed by re-classification without a new version); with asOf, the
 * version in force at that instant. `history`: also the earlier versions.
 */
async function * participantsAes (db: Db, trialId: string, options: ExportOptions, history: boolean): AsyncGenerator<ParticipantAes[]> {
  const { asOf } = options
  let held: AeRow[] = []
  let after: [string, string] | undefined
  for (;;) {
    const rows = await aePage(db, and(
      eq(ae.trialId, trialId),
      asOf === undefined ? isNull(ae.nullifiedAt) : and(lte(ae.createdAt, asOf), or(isNull(ae.nullifiedAt), gt(ae.nullifiedAt, asOf))),
      after === undefined ? undefined : and(gte(ae.participantId, after[0]), or(gt(ae.participantId, after[0]), gt(ae.aeId, after[1])))
    ))
    const last = rows[rows.length - 1]
    const more = rows.length === PAGE
    const all = held.concat(rows)
    // The last participant of a full page may go on in the next page: hold it back.
    held = more ? all.filter((r) => r.participantId === last!.participantId) : []
    const complete = more ? all.filter((r) => r.participantId !== last!.participantId) : all
    if (complete.length > 0) yield await assemble(db, trialId, complete, asOf, history)
    if (!more) return
    after = [last!.participantId, last!.aeId]
  }
}

async function assemble (db: Db, trialId: string, rows: AeRow[], asOf: string | undefined, history: boolean): Promise<ParticipantAes[]> {
  const participantIds = [...new Set(rows.map((r) => r.participantId))]
  // Without asOf the live row is the last version, so only AEs with earlier versions need the history.
  const needHistory = asOf !== undefined ? rows : history ? rows.filter((r) => r.version > 1) : []
  const [versions, doses] = await Promise.all([
    versionsOf(db, trialId, needHistory.map((r) => r.aeId), asOf),
    firstDoses(db, trialId, participantIds, asOf)
  ])
  const groups = new Map(participantIds.map((participantId) => [participantId, [] as FhirAe[][]]))
  for (const row of rows) {
    const recorded = versions.get(row.aeId) ?? []
    groups.get(row.participantId)!.push(asOf === undefined ? [...recorded.filter((v) => v.version < row.version), liveAe(row)] : recorded)
  }
  return participantIds.map((participantId) => ({ participantId, rfstdtc: doses.get(participantId) ?? null, aes: groups.get(participantId)! }))
}

/** AE dataset rows with the snapshot each came from, AESEQ numbered per subject. */
async function * aeDataset (db: Db, trial: TrialRow, options: ExportOptions) {
  for await (const page of participantsAes(db, trial.trialId, options, true)) {
    yield page.flatMap((p) => subjectRows(
      p.aes.flatMap((versions) => gradeRecords(versions, options.collapse === true)),
      { studyId: trial.trialId, participantId: p.participantId, rfstdtc: p.rfstdtc }
    ))
  }
}

type Dataset<R> = AsyncGenerator<R[]>

async function * csv<V extends string> (variables: readonly V[], rows: Dataset<Record<V, SdtmValue>>): AsyncGenerator<string> {
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

export type DatasetFormat = 'csv' | 'json'

const stream = (chunks: AsyncGenerator<string>) => Readable.from(chunks, { objectMode: false })

/** The SDTM AE dataset as CSV or a JSON array of records. */
export async function sdtmAe (db: Db, trialId: string, format: DatasetFormat, options: ExportOptions): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  const rows = mapPages(aeDataset(db, trial, options), (r): AeDatasetRow[] => [r.row])
  return stream(format === 'csv' ? csv(AE_VARIABLES, rows) : jsonArray(serialised(rows)))
}

/** SUPPAE: the DLT flag and its protocol version of each AE record (same options as the AE dataset it qualifies). */
export async function suppae (db: Db, trialId: string, format: DatasetFormat, options: ExportOptions): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  const rows = mapPages(aeDataset(db, trial, options), (r) => suppaeRows(r.ae, r.row))
  return stream(format === 'csv' ? csv(SUPPAE_VARIABLES, rows) : jsonArray(serialised(rows)))
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

/** A FHIR R4 collection Bundle: the ResearchStudy, then per participant its Patient, ResearchSubject and AdverseEvents. */
export async function fhirBundle (db: Db, trialId: string, options: ExportOptions & { generatedAt: string }): Promise<Readable> {
  const trial = await requireTrial(db, trialId)
  const studyUuid = nameUuid(`study:${trialId}`)
  const study = researchStudyResource({ uuid: studyUuid, trialId, title: trial.title, dmcHold: trial.dmcHold as 'pause' | 'terminate' | null })
  async function * entries (): AsyncGenerator<string[]> {
    yield [bundleEntry(study)]
    for await (const page of participantsAes(db, trialId, options, false)) {
      const facts = await participantFacts(db, trialId, studyUuid, page.map((p) => p.participantId), options.asOf)
      const byId = new Map(facts.map((f) => [f.participantId, f]))
      yield page.flatMap((p) => {
        const subject = byId.get(p.participantId)!
        // Each AE as it stands (by asOf); nullified ones are not in the page.
        const aes = p.aes.flatMap((versions) => versions.slice(-1))
          .sort((a, b) => a.onsetDate < b.onsetDate ? -1 : a.onsetDate > b.onsetDate ? 1 : a.aeId < b.aeId ? -1 : 1)
        return [
          bundleEntry(patientResource(subject)),
          bundleEntry(researchSubjectResource(subject)),
          ...aes.map((ae) => bundleEntry(adverseEventResource(ae, { study: studyUuid, patient: subject.patientUuid })))
        ]
      })
    }
  }
  return stream(jsonArray(entries(), bundleStart(options.asOf ?? options.generatedAt), BUNDLE_END))
}
