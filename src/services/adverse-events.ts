import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lte, type SQL } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import type { z } from 'zod'
import { adjudications, adverseEvents, adverseEventVersions, participants, type AdverseEventRow as AeRow } from '../../db/schema.js'
import type { Db, Queryable, Tx } from '../../db/client.js'
import { insertAes, insertAeVersion, insertAeVersions, readAesByIds, updateAe, type AeVersionRow } from '../../db/repos/adverse-events.js'
import { readAdministrationsOf, readParticipantStateAnySite, readParticipantStates, type ParticipantState } from '../../db/repos/participants.js'
import { sendWrite, sendWrites, type Write } from '../../db/repos/writes.js'
import type { Principal } from '../auth/roles.js'
import { normaliseTerm, resolveCtcae, type CtcaeDictionary, type CtcaeEntry, type FieldError } from '../domain/ctcae.js'
import { checkAeReport, phaseAtOnset, type ParticipantPhase } from '../domain/ae-report.js'
import { adjudicatedFacts, worstGrade, type DltVerdict } from '../domain/dlt.js'
import { saeReportingClocks } from '../domain/sae-clocks.js'
import type { AeOutcome, Attribution, SeriousnessCriterion } from '../domain/vocabulary.js'
import { AE_PATCH_META, aePatchBody, type aeCreateBody, type aeListQuery, type aeRecordSchema, type aeSchema, type saeReportSchema } from '../schemas/adverse-events.js'
import { rowsAfter } from '../../db/keyset.js'
import { encodeCursor } from '../http/pagination.js'
import { assertCurrentVersion, conflict, notFound, unprocessable, type AppError } from '../lib/errors.js'
import { clinicalWrite, type WriteContext } from './clinical-write.js'
import { addClassified, aeFacts, reclassifyParticipant, summaryWrites, verdictsDependOnOtherAes, type SummaryChange } from './classification.js'
import { findKey, keyScope, once, type StoredResponse } from './idempotency.js'
import { loadProtocol } from './protocols.js'
import { requireTrial } from './trials.js'

export const CTCAE_VERSION = '5.0'
const CREATE_ROUTE = 'POST /v1/trials/:trialId/adverse-events'
// AE writes read no status: concurrent ones into one trial are committed together.
const COALESCE = { coalesce: true }

/** The AE each externalId names at each site: externalId is unique per site, another site's ids say nothing. */
export type TakenExternalIds = Map<string, string>
const takenKey = (siteId: string, externalId: string) => `${siteId}\u0000${externalId}`
export const takenExternalIds = (rows: readonly AeRow[]): TakenExternalIds =>
  new Map(rows.flatMap((row) => row.externalId === null ? [] : [[takenKey(row.siteId, row.externalId), row.aeId] as const]))

export type AeCreateInput = z.output<typeof aeCreateBody>

/** JSON Merge Patch (RFC 7396) of the follow-up fields: absent = unchanged, null = cleared. */
export type AePatchInput = z.output<typeof aePatchBody>

export type AeListFilters = Omit<z.output<typeof aeListQuery>, 'cursor'> & { after?: [string, string] | undefined }

const iso = (instant: string): string => new Date(instant).toISOString()

/** The AE as stored, in the API's shape: what versions and audit rows keep whole. */
export function aeRecord (row: AeRow): AeRecord {
  return {
    aeId: row.aeId,
    version: row.version,
    participantId: row.participantId,
    siteId: row.siteId,
    doseLevel: row.doseLevel,
    term: row.term,
    meddraCode: row.meddraCode,
    otherSpecify: row.otherSpecify,
    grade: row.grade,
    onsetDate: row.onsetDate,
    resolvedDate: row.resolvedDate,
    serious: row.serious,
    seriousnessCriteria: row.seriousnessCriteria as SeriousnessCriterion[],
    attribution: row.attribution as Attribution,
    expected: row.expected,
    clinicalSymptoms: row.clinicalSymptoms,
    requiredMedicalTreatment: row.requiredMedicalTreatment,
    outcome: row.outcome as AeOutcome | null,
    actionTaken: row.actionTaken,
    externalId: row.externalId,
    awareAt: iso(row.awareAt),
    phase: row.phase as ParticipantPhase,
    nullified: row.nullifiedAt !== null,
    nullification: row.nullifiedAt === null ? null : { at: iso(row.nullifiedAt), reason: row.nullifyReason ?? '' },
    ctcae: { version: row.ctcaeVersion, term: row.term, meddraCode: row.meddraCode, soc: row.soc },
    dlt: {
      isDlt: row.isDlt,
      verdict: row.dltVerdict as DltVerdict,
      missing: row.dltMissing,
      grade: row.dltGrade,
      pending: row.dltPending,
      reasons: row.dltReasons,
      protocolVersion: row.dltProtocolVersion,
      // The classifier sets a pendingUntil exactly when its own (unadjudicated) verdict is pending.
      computed: { isDlt: row.dltComputed, pending: row.dltPendingUntil !== null },
      adjudicated: row.dltAdjudicated,
      readjudicate: row.dltReadjudicate
    },
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt)
  }
}

/** the record the API returns and each version keeps (AdverseEventVersion) */
export type AeRecord = z.output<typeof aeRecordSchema>

/** The regulatory reports a serious AE owes; none for a nullified entry. */
function saeReports (row: AeRow) {
  if (row.nullifiedAt !== null) return []
  return saeReportingClocks({
    serious: row.serious,
    grade: row.grade,
    seriousnessCriteria: row.seriousnessCriteria as SeriousnessCriterion[],
    attribution: row.attribution as Attribution,
    ...(row.expected === null ? {} : { expected: row.expected }),
    ...(row.outcome === null ? {} : { outcome: row.outcome as AeOutcome })
  }, iso(row.awareAt))
}

export function aeView (row: AeRow): AeView {
  return { ...aeRecord(row), saeReports: saeReports(row) }
}

export type AeView = z.output<typeof aeSchema>

const inScope = (principal: Principal, siteId: string) => principal.sites === null || principal.sites.includes(siteId)

async function findAe (db: Queryable, trialId: string, aeId: string): Promise<AeRow | undefined> {
  const [row] = await db.select().from(adverseEvents).where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, aeId)))
  return row
}

/** The AE if this principal may see it: another site's AE is 404, as if it did not exist. */
async function visibleAe (db: Queryable, trialId: string, aeId: string, principal: Principal): Promise<AeRow> {
  const row = await findAe(db, trialId, aeId)
  if (row === undefined || !inScope(principal, row.siteId)) throw notFound('Adverse event')
  return row
}

/**
 * Re-classifies the participant's AEs, then reads the AE back as stored. Each
 * keeps the protocol version it was classified under, except the AE itself
 * when `renew` (a new AE or a follow-up): it is classified under the protocol
 * in force.
 */
async function reclassifyAndRead (ctx: WriteContext, trialId: string, participantId: string, aeId: string, renew: boolean): Promise<AeRow> {
  const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
  const options = renew ? { renew: new Set([aeId]) } : {}
  const classified = await reclassifyParticipant(ctx, trialId, participantId, protocol, ctx.trial.protocolVersion, ctx.at, options)
  // A nullified AE is not among the live ones reclassified: read it as stored.
  return classified.get(aeId) ?? (await findAe(ctx.tx, trialId, aeId))!
}

/** The version row that keeps the AE as it now stands (`record`, its aeRecord). */
const versionRow = (ctx: WriteContext, row: AeRow, record: AeRecord, reason: string | null, correction = false): AeVersionRow => ({
  trialId: row.trialId, aeId: row.aeId, version: row.version, snapshot: record, changedBy: ctx.principal.sub, role: ctx.principal.role, reason, correction, changedAt: ctx.at
})

/** The AE as it now stands, and the statement that keeps it as its next version. */
function versionOf (ctx: WriteContext, row: AeRow, reason: string | null, correction = false): { record: AeRecord, insert: Write } {
  const record = aeRecord(row)
  return { record, insert: insertAeVersion(versionRow(ctx, row, record, reason, correction)) }
}

/** Keeps the AE as it now stands as its next version (a deferred write); returns that record. */
function writeVersion (ctx: WriteContext, row: AeRow, reason: string | null, correction = false): AeRecord {
  const { record, insert } = versionOf(ctx, row, reason, correction)
  ctx.defer(sendWrite(ctx.tx, insert))
  return record
}

const refuse = (errors: FieldError[]) => unprocessable(`The adverse event is not acceptable (${errors.length} problem${errors.length === 1 ? '' : 's'})`, errors)

const unique = <T>(xs: readonly T[] | null | undefined): T[] => [...new Set(xs ?? [])]

export interface CreateOptions {
  idempotencyKey?: string | undefined
  /** when the request arrived: the default awareAt, and "today" for date checks */
  receivedAt: string
}

/** What new AEs are checked and classified against, read under the trial's lock: their participants (of any site) and their dosing. */
export interface CreateInputs {
  participants: Map<string, ParticipantState>
  administrations: Map<string, Array<{ administeredAt: string }>>
}

export async function readCreateInputs (tx: Queryable, trialId: string, participantIds: readonly string[]): Promise<CreateInputs> {
  const ids = [...new Set(participantIds)]
  const [participants, administrations] = await Promise.all([
    readParticipantStates(tx, trialId, ids), readAdministrationsOf(tx, trialId, ids)
  ])
  return { participants, administrations }
}

/** A new AE as reported, with the id it will have. */
export interface NewAe { aeId: string, input: AeCreateInput }

/** One item's result: what it stored, or why it stored nothing. */
export type ItemOutcome = { ok: true, row: AeRow } | { ok: false, error: AppError }

export interface AddedAes {
  outcomes: ItemOutcome[]
  /** whether the write changed what the status engine reads (see addClassified) */
  statusInputsChanged: boolean
}

/** The AE as reported, before its classification (which the caller adds). */
function reportedAe (
  ctx: WriteContext, trialId: string, { aeId, input }: NewAe, participant: ParticipantState, entry: CtcaeEntry, receivedAt: string
): AeRow {
  return {
    trialId,
    aeId,
    participantId: input.participantId,
    siteId: participant.siteId,
    doseLevel: participant.doseLevel,
    version: 1,
    ctcaeVersion: CTCAE_VERSION,
    meddraCode: entry.meddraCode,
    term: entry.term,
    soc: entry.soc,
    ...reportedFields(input),
    seriousnessCriteria: unique(input.seriousnessCriteria),
    externalId: input.externalId ?? null,
    awareAt: input.awareAt ?? receivedAt,
    // Follow-up is part of the trial: an onset after end of treatment or withdrawal is recorded with its phase.
    phase: phaseAtOnset({ withdrawnAt: participant.withdrawnAt }, input.onsetDate),
    // Classified by the caller, under the protocol version in force.
    isDlt: false,
    dltComputed: false,
    dltPending: false,
    dltPendingUntil: null,
    dltReasons: [],
    dltProtocolVersion: ctx.trial.protocolVersion,
    dltVerdict: 'not_dlt',
    dltMissing: [],
    dltGrade: input.grade,
    dltAdjudicated: null,
    dltAdjudicationReason: null,
    dltAdjudicationFacts: null,
    dltReadjudicate: null,
    nullifiedAt: null,
    nullifyReason: null,
    createdBy: ctx.principal.sub,
    createdAt: ctx.at,
    updatedAt: ctx.at
  }
}

/** The fields of a report a follow-up may change, as stored (a field left out is null). */
export const reportedFields = (input: AeCreateInput) => ({
  grade: input.grade,
  onsetDate: input.onsetDate,
  resolvedDate: input.resolvedDate ?? null,
  serious: input.serious,
  attribution: input.attribution,
  expected: input.expected ?? null,
  clinicalSymptoms: input.clinicalSymptoms ?? null,
  requiredMedicalTreatment: input.requiredMedicalTreatment ?? null,
  outcome: input.outcome ?? null,
  actionTaken: input.actionTaken ?? null,
  otherSpecify: input.otherSpecify ?? null
})

/**
 * Checks, classifies and stores new AEs inside a clinical write: a single
 * report and every new AE of a batch go through here. Each input is checked
 * on its own (CTCAE, the participant, the dates, its externalId against
 * `taken`, the externalIds stored or used earlier in this write, which it
 * extends); one refused stores nothing and does not stop the others. The
 * accepted ones are stored with one statement per kind of row (AEs, versions,
 * audit rows, participants' summaries, toxicity cells), sent together.
 * Outcomes come in input order.
 */
export async function addAes (
  ctx: WriteContext, dictionary: CtcaeDictionary, trialId: string, news: readonly NewAe[], known: CreateInputs,
  receivedAt: string, taken: TakenExternalIds
): Promise<AddedAes> {
  const outcomes: ItemOutcome[] = []
  const accepted: AeRow[] = []
  for (const item of news) {
    const { input } = item
    // Another site's participant is answered as one the trial does not have (the same 422): not this token's business.
    const found = known.participants.get(input.participantId) ?? null
    const participant = found !== null && inScope(ctx.principal, found.siteId) ? found : null
    // A duplicate is always an AE of the same site, which the caller may see.
    const same = input.externalId === undefined || participant === null ? undefined : taken.get(takenKey(participant.siteId, input.externalId))
    if (same !== undefined) {
      outcomes.push({
        ok: false,
        error: conflict('duplicate-external-id', `An adverse event with externalId ${input.externalId!} already exists at this site`, {
          aeId: same, location: `/v1/trials/${trialId}/adverse-events/${same}`
        })
      })
      continue
    }
    const ctcae = resolveCtcae(dictionary, input)
    const errors = [
      ...(ctcae.ok ? [] : ctcae.errors),
      ...checkAeReport(input, { participant, asOf: receivedAt, timeZone: participant?.timeZone })
    ]
    if (!ctcae.ok || errors.length > 0) {
      outcomes.push({ ok: false, error: refuse(errors) })
      continue
    }
    const row = reportedAe(ctx, trialId, item, participant!, ctcae.entry, receivedAt)
    if (row.externalId !== null) taken.set(takenKey(row.siteId, row.externalId), row.aeId)
    accepted.push(row)
    outcomes.push({ ok: true, row })
  }
  if (accepted.length === 0) return { outcomes, statusInputsChanged: false }

  const byParticipant = new Map<string, AeRow[]>()
  for (const row of accepted) byParticipant.set(row.participantId, [...byParticipant.get(row.participantId) ?? [], row])
  const classified = new Map<string, AeRow>()
  let writes: Write[] = []
  let statusInputsChanged = false
  if (await verdictsDependOnOtherAes(ctx.tx, trialId, ctx.trial.protocolVersion)) {
    // New AEs may change the verdicts of their participant's others: all are classified again.
    ctx.defer(sendWrite(ctx.tx, insertAes(accepted)))
    const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
    for (const [participantId, rows] of byParticipant) {
      const now = await reclassifyParticipant(ctx, trialId, participantId, protocol, ctx.trial.protocolVersion, ctx.at, { renew: new Set(rows.map((r) => r.aeId)) })
      for (const row of rows) classified.set(row.aeId, now.get(row.aeId)!)
    }
    statusInputsChanged = true
  } else {
    const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
    const summaries: SummaryChange[] = []
    for (const [participantId, rows] of byParticipant) {
      const added = addClassified(rows, known.participants.get(participantId)!, known.administrations.get(participantId) ?? [],
        protocol, ctx.trial.protocolVersion, ctx.at)
      for (const row of added.rows) classified.set(row.aeId, row)
      summaries.push(added.summary)
      statusInputsChanged ||= added.statusInputsChanged
    }
    writes = [insertAes(accepted.map((row) => classified.get(row.aeId)!)), ...summaryWrites(summaries)]
  }
  const rows = accepted.map((row) => classified.get(row.aeId)!)
  const records = rows.map(aeRecord)
  const versions = insertAeVersions(rows.map((row, i) => versionRow(ctx, row, records[i]!, null)))
  const audit = ctx.auditStatements(rows.map((row, i) => ({ action: 'ae_created', entity: 'adverse_event', entityId: row.aeId, before: null, after: records[i] })))
  // The AEs, their participants' summaries, their first versions and their audit rows: distinct rows, one statement.
  ctx.defer(sendWrites(ctx.tx, [...writes, versions, audit]))
  return { outcomes: outcomes.map((o) => o.ok ? { ok: true, row: classified.get(o.row.aeId)! } : o), statusInputsChanged }
}

export async function createAe (
  db: Db, dictionary: CtcaeDictionary, trialId: string, principal: Principal, input: AeCreateInput, options: CreateOptions
): Promise<StoredResponse<AeView>> {
  const aeId = uuidv7()
  const trigger = {
    type: 'ae_created',
    entity: 'adverse_event',
    entityId: aeId,
    change: `${input.term ?? `MedDRA ${input.meddraCode ?? '?'}`} grade ${input.grade} reported`
  }
  const ids = { trialId, scope: keyScope(principal, CREATE_ROUTE), key: options.idempotencyKey }
  // What the checks and the classification need is read in the lock's round trip.
  const prefetch = async (tx: Tx) => await Promise.all([
    readCreateInputs(tx, trialId, [input.participantId]),
    readAesByIds(tx, trialId, { aeIds: [], externalIds: input.externalId === undefined ? [] : [input.externalId] }),
    findKey(tx, ids)
  ])
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx, [known, sameExternalId, seen]) =>
    await once(ctx, ids, input, async () => {
      const { outcomes: [outcome], statusInputsChanged } = await addAes(ctx, dictionary, trialId, [{ aeId, input }], known, options.receivedAt, takenExternalIds(sameExternalId))
      if (!outcome!.ok) throw outcome!.error
      if (!statusInputsChanged) ctx.keepStatus()
      return { statusCode: 201, body: aeView(outcome!.row) }
    }, seen), prefetch, COALESCE)
  return value
}

/**
 * The fields a follow-up may change: every field of the patch schema but
 * those about the change (its reason, whether it is a correction), so a field
 * added there makes a new version when it changes.
 */
type PatchableField = Exclude<keyof AePatchInput, typeof AE_PATCH_META[number]>
const PATCHABLE = Object.keys(aePatchBody.shape)
  .filter((k): k is PatchableField => !(AE_PATCH_META as readonly string[]).includes(k))

export async function patchAe (
  db: Db, dictionary: CtcaeDictionary, trialId: string, aeId: string, principal: Principal, patch: AePatchInput, expectedVersion: number
): Promise<AeView> {
  const fields = PATCHABLE.filter((k) => patch[k] !== undefined)
  const trigger = { type: 'ae_updated', entity: 'adverse_event', entityId: aeId, change: `follow-up: ${fields.join(', ')}` }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const before = await visibleAe(ctx.tx, trialId, aeId, principal)
    return aeView((await followUpAe(ctx, dictionary, before, patch, expectedVersion)).row)
  }, undefined, COALESCE)
  return value
}

/** The patch's changes that differ from the AE as stored: what a follow-up would change. */
export function changedFields (before: AeRow, patch: AePatchInput): PatchableField[] {
  const current = aeRecord(before)
  const merged = mergePatch(current, patch)
  return PATCHABLE.filter((k) => JSON.stringify(merged[k]) !== JSON.stringify(current[k]))
}

function mergePatch (current: AeRecord, patch: AePatchInput) {
  const { reason: _reason, correction: _correction, ...changes } = patch
  return { ...current, ...changes, seriousnessCriteria: unique(changes.seriousnessCriteria === undefined ? current.seriousnessCriteria : changes.seriousnessCriteria) }
}

/** A follow-up checked and its AE updated, its participant not yet re-classified (see completeFollowUps). */
export interface StagedFollowUp { before: AeRow, current: AeRecord, reason: string, correction: boolean }

/**
 * The first half of a follow-up of a stored AE inside a clinical write (a
 * PATCH, a batch's follow-up or upsert): checks it and updates the AE (a
 * deferred write); null when the patch changes nothing (RFC 7396 applied to
 * what is already there), and then nothing is written. Every check comes
 * before the write, so a refused follow-up writes nothing.
 * `expectedVersion` is If-Match's, when given.
 */
export async function stageFollowUp (
  ctx: WriteContext, dictionary: CtcaeDictionary, before: AeRow, patch: AePatchInput, expectedVersion: number | undefined
): Promise<StagedFollowUp | null> {
  const { trialId, aeId } = before
  const { reason, correction } = patch
  if (before.nullifiedAt !== null) throw conflict('ae-nullified', 'This adverse event was nullified; it can no longer change')
  if (expectedVersion !== undefined) assertCurrentVersion(expectedVersion, before.version)
  const current = aeRecord(before)
  const merged = mergePatch(current, patch)
  if (changedFields(before, patch).length === 0) return null

  const participant = await readParticipantStateAnySite(ctx.tx, trialId, before.participantId)
  const ctcae = resolveCtcae(dictionary, {
    meddraCode: before.meddraCode, grade: merged.grade, ...(merged.otherSpecify === null ? {} : { otherSpecify: merged.otherSpecify })
  })
  const errors = [
    ...(ctcae.ok ? [] : ctcae.errors),
    ...checkAeReport(merged, { participant, asOf: ctx.at, timeZone: participant?.timeZone })
  ]
  if (errors.length > 0) throw refuse(errors)
  ctx.defer(sendWrite(ctx.tx, updateAe(trialId, aeId, {
    grade: merged.grade,
    onsetDate: merged.onsetDate,
    resolvedDate: merged.resolvedDate,
    serious: merged.serious,
    seriousnessCriteria: merged.seriousnessCriteria,
    attribution: merged.attribution,
    expected: merged.expected,
    clinicalSymptoms: merged.clinicalSymptoms,
    requiredMedicalTreatment: merged.requiredMedicalTreatment,
    outcome: merged.outcome,
    actionTaken: merged.actionTaken,
    otherSpecify: merged.otherSpecify,
    awareAt: merged.awareAt,
    phase: phaseAtOnset({ withdrawnAt: participant!.withdrawnAt }, merged.onsetDate),
    // The worst grade reached counts: a lower grade keeps the DLT unless it corrects an entry error.
    dltGrade: worstGrade([{ grade: before.dltGrade }, { grade: merged.grade, correction: correction === true }]),
    version: before.version + 1,
    updatedAt: ctx.at
  })))
  return { before, current, reason, correction: correction === true }
}

/**
 * The second half of staged follow-ups (of distinct AEs): re-classifies
 * each of their participants once, the followed-up AEs under the protocol in
 * force, and keeps each AE as its next version with its reason and an audit
 * row, in order (one statement per kind of row). Returns the AEs as stored,
 * and every live AE of their participants as now classified.
 */
export async function completeFollowUps (ctx: WriteContext, staged: readonly StagedFollowUp[]): Promise<{ rows: AeRow[], live: AeRow[] }> {
  const trialId = ctx.trial.trialId
  const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
  const byParticipant = new Map<string, Set<string>>()
  for (const { before } of staged) byParticipant.set(before.participantId, (byParticipant.get(before.participantId) ?? new Set()).add(before.aeId))
  // Participants' rows are distinct, so they are re-classified at once, each in its own statements.
  const classified = await Promise.all([...byParticipant].map(async ([participantId, renew]) =>
    await reclassifyParticipant(ctx, trialId, participantId, protocol, ctx.trial.protocolVersion, ctx.at, { renew })))
  const rows = staged.map(({ before }) => classified.map((c) => c.get(before.aeId)).find((row) => row !== undefined)!)
  const records = rows.map(aeRecord)
  const versions = insertAeVersions(rows.map((row, i) => versionRow(ctx, row, records[i]!, staged[i]!.reason, staged[i]!.correction)))
  const audit = ctx.auditStatements(staged.map((s, i) => ({
    action: 'ae_updated', entity: 'adverse_event', entityId: s.before.aeId, before: s.current, after: { ...records[i], ...(s.correction ? { correction: true } : {}) }, reason: s.reason
  })))
  ctx.defer(sendWrites(ctx.tx, [versions, audit]))
  return { rows, live: classified.flatMap((c) => [...c.values()]) }
}

/** A whole follow-up of one AE (see stageFollowUp): `changed` is false when it changed nothing, and nothing was written. */
export async function followUpAe (
  ctx: WriteContext, dictionary: CtcaeDictionary, before: AeRow, patch: AePatchInput, expectedVersion: number | undefined
): Promise<{ row: AeRow, changed: boolean }> {
  const staged = await stageFollowUp(ctx, dictionary, before, patch, expectedVersion)
  if (staged === null) return { row: before, changed: false }
  const { rows: [row] } = await completeFollowUps(ctx, [staged])
  return { row: row!, changed: true }
}

export async function nullifyAe (
  db: Db, trialId: string, aeId: string, principal: Principal, reason: string, expectedVersion: number
): Promise<AeView> {
  const trigger = { type: 'ae_nullified', entity: 'adverse_event', entityId: aeId, change: 'nullified' }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const before = await visibleAe(ctx.tx, trialId, aeId, principal)
    if (before.nullifiedAt !== null) throw conflict('ae-nullified', 'This adverse event is already nullified')
    assertCurrentVersion(expectedVersion, before.version)
    await ctx.tx.update(adverseEvents).set({ nullifiedAt: ctx.at, nullifyReason: reason, version: before.version + 1, updatedAt: ctx.at })
      .where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, aeId)))
    // The participant's DLT facts no longer count this AE.
    const row = await reclassifyAndRead(ctx, trialId, before.participantId, aeId, false)
    const record = writeVersion(ctx, row, reason)
    ctx.audit({ action: 'ae_nullified', entity: 'adverse_event', entityId: aeId, before: aeRecord(before), after: record, reason })
    return aeView(row)
  }, undefined, COALESCE)
  return value
}

export async function adjudicateAe (
  db: Db, trialId: string, aeId: string, principal: Principal, input: { isDlt: boolean, reason: string }
) {
  const trigger = { type: 'ae_adjudicated', entity: 'adverse_event', entityId: aeId, change: `adjudicated ${input.isDlt ? 'DLT' : 'not a DLT'}` }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const before = await visibleAe(ctx.tx, trialId, aeId, principal)
    if (before.nullifiedAt !== null) throw conflict('ae-nullified', 'This adverse event was nullified; it cannot be adjudicated')
    // The facts judged are kept with the verdict: a follow-up that changes one reopens it.
    const facts = adjudicatedFacts(aeFacts(before))
    await ctx.tx.update(adverseEvents).set({
      dltAdjudicated: input.isDlt, dltAdjudicationReason: input.reason, dltAdjudicationFacts: facts, version: before.version + 1, updatedAt: ctx.at
    }).where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, aeId)))
    const row = await reclassifyAndRead(ctx, trialId, before.participantId, aeId, false)
    const adjudication = {
      adjudicationId: uuidv7(),
      aeId,
      isDlt: input.isDlt,
      // The protocol's own verdict, kept next to the override.
      computedIsDlt: row.dltComputed,
      reason: input.reason,
      facts,
      adjudicatedBy: principal.sub,
      role: principal.role,
      createdAt: ctx.at
    }
    await ctx.tx.insert(adjudications).values({ trialId, ...adjudication })
    const record = writeVersion(ctx, row, input.reason)
    ctx.audit({ action: 'ae_adjudicated', entity: 'adverse_event', entityId: aeId, before: aeRecord(before), after: { ...record, adjudication }, reason: input.reason })
    return { ...adjudication, adverseEvent: aeView(row) }
  }, undefined, COALESCE)
  return value
}

export async function getAe (db: Db, trialId: string, aeId: string, principal: Principal): Promise<AeView> {
  await requireTrial(db, trialId)
  return aeView(await visibleAe(db, trialId, aeId, principal))
}

export async function aeHistory (db: Db, trialId: string, aeId: string, principal: Principal, page: { limit: number, after?: number | undefined }) {
  await requireTrial(db, trialId)
  await visibleAe(db, trialId, aeId, principal)
  const rows = await db.select().from(adverseEventVersions).where(and(
    eq(adverseEventVersions.trialId, trialId),
    eq(adverseEventVersions.aeId, aeId),
    page.after === undefined ? undefined : gt(adverseEventVersions.version, page.after)
  )).orderBy(asc(adverseEventVersions.version)).limit(page.limit + 1)
  const more = rows.length > page.limit
  const kept = more ? rows.slice(0, page.limit) : rows
  return {
    items: kept.map((v) => ({
      version: v.version,
      changedAt: iso(v.changedAt),
      changedBy: v.changedBy,
      role: v.role,
      reason: v.reason,
      correction: v.correction,
      snapshot: v.snapshot as AeRecord
    })),
    nextCursor: more ? encodeCursor([kept[kept.length - 1]!.version]) : null
  }
}

/** The canonical spelling of a SOC given in any case and spacing; unknown SOCs match nothing. */
const canonicalSoc = (dictionary: CtcaeDictionary, soc: string) =>
  dictionary.socs().find((s) => normaliseTerm(s) === normaliseTerm(soc)) ?? soc

export async function listAes (db: Db, dictionary: CtcaeDictionary, trialId: string, principal: Principal, f: AeListFilters) {
  await requireTrial(db, trialId)
  const ae = adverseEvents
  const conditions: (SQL | undefined)[] = [
    eq(ae.trialId, trialId),
    f.includeNullified ? undefined : isNull(ae.nullifiedAt),
    principal.sites === null ? undefined : inArray(ae.siteId, principal.sites),
    f.participantId === undefined ? undefined : eq(ae.participantId, f.participantId),
    f.siteId === undefined ? undefined : eq(ae.siteId, f.siteId),
    f.doseLevel === undefined ? undefined : eq(ae.doseLevel, f.doseLevel),
    f.armId === undefined
      ? undefined
      : inArray(ae.participantId, db.select({ participantId: participants.participantId }).from(participants)
        .where(and(eq(participants.trialId, trialId), eq(participants.armId, f.armId)))),
    f.minGrade === undefined ? undefined : gte(ae.grade, f.minGrade),
    f.serious === undefined ? undefined : eq(ae.serious, f.serious),
    f.soc === undefined ? undefined : eq(ae.soc, canonicalSoc(dictionary, f.soc)),
    f.isDlt === undefined ? undefined : eq(ae.isDlt, f.isDlt),
    f.dltVerdict === undefined ? undefined : eq(ae.dltVerdict, f.dltVerdict),
    f.readjudicate === undefined ? undefined : f.readjudicate ? isNotNull(ae.dltReadjudicate) : isNull(ae.dltReadjudicate),
    f.onsetFrom === undefined ? undefined : gte(ae.onsetDate, f.onsetFrom),
    f.onsetTo === undefined ? undefined : lte(ae.onsetDate, f.onsetTo),
    // Keyset on (onset_date, ae_id): pages stay stable while AEs are added.
    f.after === undefined ? undefined : rowsAfter([ae.onsetDate, ae.aeId], f.after)
  ]
  const rows = await db.select().from(ae).where(and(...conditions))
    .orderBy(asc(ae.onsetDate), asc(ae.aeId)).limit(f.limit + 1)
  const more = rows.length > f.limit
  const kept = more ? rows.slice(0, f.limit) : rows
  const last = kept[kept.length - 1]
  return { items: kept.map(aeView), nextCursor: more ? encodeCursor([last!.onsetDate, last!.aeId]) : null }
}

export type SaeReportItem = z.output<typeof saeReportSchema>

/**
 * The reports serious, non-nullified AEs owe, earliest due first: each with
 * its due instant and whether that has passed. Computed from the AEs (served
 * by the partial index on serious AEs), so a follow-up that changes
 * seriousness, attribution or expectedness moves the clocks at once.
 */
export async function listSaeReports (
  db: Db, trialId: string, principal: Principal,
  q: { dueBefore?: string | undefined, limit: number, after?: [string, string, string] | undefined, now: string }
) {
  await requireTrial(db, trialId)
  const rows = await db.select().from(adverseEvents).where(and(
    eq(adverseEvents.trialId, trialId),
    isNull(adverseEvents.nullifiedAt),
    eq(adverseEvents.serious, true),
    principal.sites === null ? undefined : inArray(adverseEvents.siteId, principal.sites)
  ))
  const now = Date.parse(q.now)
  const dueBefore = q.dueBefore === undefined ? Infinity : Date.parse(q.dueBefore)
  const key = (r: SaeReportItem) => [r.dueAt, r.aeId, r.kind] as const
  const all = rows.flatMap((row) => saeReports(row).map((r): SaeReportItem => ({
    aeId: row.aeId,
    participantId: row.participantId,
    siteId: row.siteId,
    term: row.term,
    grade: row.grade,
    kind: r.kind,
    dueAt: r.dueAt,
    overdue: Date.parse(r.dueAt) < now,
    basis: r.basis
  })))
    .filter((r) => Date.parse(r.dueAt) < dueBefore)
    .filter((r) => q.after === undefined || key(r).join('\u0000') > q.after.join('\u0000'))
    // dueAt is a fixed-width ISO instant, so text order is time order.
    .sort((a, b) => key(a).join('\u0000') < key(b).join('\u0000') ? -1 : 1)
  const kept = all.slice(0, q.limit)
  const last = kept[kept.length - 1]
  return { items: kept, nextCursor: all.length > q.limit ? encodeCursor(key(last!)) : null }
}
