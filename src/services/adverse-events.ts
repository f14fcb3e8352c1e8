import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lte, type SQL } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import type { z } from 'zod'
import { adjudications, adverseEvents, adverseEventVersions, participants, type AdverseEventRow as AeRow } from '../../db/schema.js'
import type { Db, Queryable, Tx } from '../../db/client.js'
import { insertAe, insertAeVersion } from '../../db/repos/adverse-events.js'
import { readAdministrations, readParticipantStateAnySite } from '../../db/repos/participants.js'
import { sendWrite, sendWrites, type Write } from '../../db/repos/writes.js'
import type { Principal } from '../auth/roles.js'
import { normaliseTerm, resolveCtcae, type CtcaeDictionary, type FieldError } from '../domain/ctcae.js'
import { checkAeReport, phaseAtOnset, type ParticipantPhase } from '../domain/ae-report.js'
import { adjudicatedFacts, worstGrade, type DltVerdict } from '../domain/dlt.js'
import { saeReportingClocks } from '../domain/sae-clocks.js'
import type { AeOutcome, Attribution, SeriousnessCriterion } from '../domain/vocabulary.js'
import { AE_PATCH_META, aePatchBody, type aeCreateBody, type aeListQuery, type aeRecordSchema, type aeSchema, type saeReportSchema } from '../schemas/adverse-events.js'
import { rowsAfter } from '../../db/keyset.js'
import { encodeCursor } from '../http/pagination.js'
import { assertCurrentVersion, conflict, notFound, unprocessable } from '../lib/errors.js'
import { clinicalWrite, type WriteContext } from './clinical-write.js'
import { addClassified, aeFacts, reclassifyParticipant, verdictsDependOnOtherAes } from './classification.js'
import { findKey, keyScope, once, type StoredResponse } from './idempotency.js'
import { loadProtocol } from './protocols.js'
import { requireTrial } from './trials.js'

export const CTCAE_VERSION = '5.0'
const CREATE_ROUTE = 'POST /v1/trials/:trialId/adverse-events'
// AE writes read no status: concurrent ones into one trial are committed together.
const COALESCE = { coalesce: true }

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

/** The AE as it now stands, and the statement that keeps it as its next version. */
function versionOf (ctx: WriteContext, row: AeRow, reason: string | null, correction = false): { record: AeRecord, insert: Write } {
  const record = aeRecord(row)
  return {
    record,
    insert: insertAeVersion({
      trialId: row.trialId, aeId: row.aeId, version: row.version, snapshot: record, changedBy: ctx.principal.sub, role: ctx.principal.role, reason, correction, changedAt: ctx.at
    })
  }
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
    readParticipantStateAnySite(tx, trialId, input.participantId),
    readAdministrations(tx, trialId, input.participantId),
    input.externalId === undefined
      ? undefined
      : tx.select({ aeId: adverseEvents.aeId, siteId: adverseEvents.siteId }).from(adverseEvents)
        .where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.externalId, input.externalId))).execute(),
    findKey(tx, ids)
  ])
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx, [found, administrations, sameExternalId, seen]) =>
    await once(ctx, ids, input, async () => {
      // Another site's participant is answered as one the trial does not have (the same 422): not this token's business.
      const participant = found !== null && inScope(principal, found.siteId) ? found : null
      // externalId is unique per site: a duplicate is always an AE the caller may see, another site's ids say nothing.
      const first = participant === null ? undefined : sameExternalId?.find((ae) => ae.siteId === participant.siteId)
      if (first !== undefined) {
        throw conflict('duplicate-external-id', `An adverse event with externalId ${input.externalId!} already exists at this site`, {
          aeId: first.aeId, location: `/v1/trials/${trialId}/adverse-events/${first.aeId}`
        })
      }
      const ctcae = resolveCtcae(dictionary, input)
      const errors = [
        ...(ctcae.ok ? [] : ctcae.errors),
        ...checkAeReport(input, { participant, asOf: options.receivedAt, timeZone: participant?.timeZone })
      ]
      if (!ctcae.ok || errors.length > 0) throw refuse(errors)
      const entry = ctcae.entry
      const unclassified: AeRow = {
        trialId,
        aeId,
        participantId: input.participantId,
        siteId: participant!.siteId,
        doseLevel: participant!.doseLevel,
        version: 1,
        ctcaeVersion: CTCAE_VERSION,
        meddraCode: entry.meddraCode,
        term: entry.term,
        soc: entry.soc,
        otherSpecify: input.otherSpecify ?? null,
        grade: input.grade,
        onsetDate: input.onsetDate,
        resolvedDate: input.resolvedDate ?? null,
        serious: input.serious,
        seriousnessCriteria: unique(input.seriousnessCriteria),
        attribution: input.attribution,
        expected: input.expected ?? null,
        clinicalSymptoms: input.clinicalSymptoms ?? null,
        requiredMedicalTreatment: input.requiredMedicalTreatment ?? null,
        outcome: input.outcome ?? null,
        actionTaken: input.actionTaken ?? null,
        externalId: input.externalId ?? null,
        awareAt: input.awareAt ?? options.receivedAt,
        // Follow-up is part of the trial: an onset after end of treatment or withdrawal is recorded with its phase.
        phase: phaseAtOnset({ withdrawnAt: participant!.withdrawnAt }, input.onsetDate),
        // Classified below, under the protocol version in force.
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
        createdBy: principal.sub,
        createdAt: ctx.at,
        updatedAt: ctx.at
      }
      const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
      let row: AeRow
      let writes: Write[] = []
      if (await verdictsDependOnOtherAes(ctx.tx, trialId, ctx.trial.protocolVersion)) {
        // The new AE may change the verdicts of the participant's others: all are classified again.
        ctx.defer(sendWrite(ctx.tx, insertAe(unclassified)))
        row = await reclassifyAndRead(ctx, trialId, input.participantId, aeId, true)
      } else {
        const added = addClassified(unclassified, participant!, administrations, protocol, ctx.trial.protocolVersion, ctx.at)
        row = added.row
        writes = added.writes
        if (!added.statusInputsChanged) ctx.keepStatus()
      }
      const { record, insert } = versionOf(ctx, row, null)
      const audit = ctx.auditStatement({ action: 'ae_created', entity: 'adverse_event', entityId: aeId, before: null, after: record })
      // The AE, its participant's summary, its first version and its audit row: distinct rows, one statement.
      ctx.defer(sendWrites(ctx.tx, [...writes, insert, audit]))
      return { statusCode: 201, body: aeView(row) }
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
  const { reason, correction, ...changes } = patch
  const fields = PATCHABLE.filter((k) => changes[k] !== undefined)
  const trigger = { type: 'ae_updated', entity: 'adverse_event', entityId: aeId, change: `follow-up: ${fields.join(', ')}` }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const before = await visibleAe(ctx.tx, trialId, aeId, principal)
    if (before.nullifiedAt !== null) throw conflict('ae-nullified', 'This adverse event was nullified; it can no longer change')
    assertCurrentVersion(expectedVersion, before.version)
    const current = aeRecord(before)
    const merged = { ...current, ...changes, seriousnessCriteria: unique(changes.seriousnessCriteria === undefined ? current.seriousnessCriteria : changes.seriousnessCriteria) }
    const changed = PATCHABLE.filter((k) => JSON.stringify(merged[k]) !== JSON.stringify(current[k]))
    // A patch that changes nothing makes no version (RFC 7396 applied to what is already there).
    if (changed.length === 0) return aeView(before)

    const participant = await readParticipantStateAnySite(ctx.tx, trialId, before.participantId)
    const ctcae = resolveCtcae(dictionary, {
      meddraCode: before.meddraCode, grade: merged.grade, ...(merged.otherSpecify === null ? {} : { otherSpecify: merged.otherSpecify })
    })
    const errors = [
      ...(ctcae.ok ? [] : ctcae.errors),
      ...checkAeReport(merged, { participant, asOf: ctx.at, timeZone: participant?.timeZone })
    ]
    if (errors.length > 0) throw refuse(errors)
    await ctx.tx.update(adverseEvents).set({
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
    }).where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, aeId)))
    const row = await reclassifyAndRead(ctx, trialId, before.participantId, aeId, true)
    const record = writeVersion(ctx, row, reason, correction === true)
    ctx.audit({ action: 'ae_updated', entity: 'adverse_event', entityId: aeId, before: current, after: { ...record, ...(correction === true ? { correction } : {}) }, reason })
    return aeView(row)
  }, undefined, COALESCE)
  return value
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
