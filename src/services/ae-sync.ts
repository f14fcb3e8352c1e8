import { uuidv7 } from 'uuidv7'
import type { z } from 'zod'
import type { Db, Tx } from '../../db/client.js'
import { readAeChanges, readAesByIds, type AeRow } from '../../db/repos/adverse-events.js'
import type { Principal } from '../auth/roles.js'
import { resolveCtcae, type CtcaeDictionary, type FieldError } from '../domain/ctcae.js'
import { encodeCursor } from '../http/pagination.js'
import { problemOf, pointerToken } from '../http/problem.js'
import { AppError, notFound, unprocessable } from '../lib/errors.js'
import { batchCreateItem, batchFollowUpItem, type aeUpsertBody, type batchBody, type batchItemResult, type batchResponse } from '../schemas/ae-sync.js'
import { addAes, aeView, reportedFields, takenExternalIds, changedFields, completeFollowUps, readCreateInputs, stageFollowUp, type StagedFollowUp, type AeCreateInput, type AePatchInput, type AeRecord, type AeView, type CreateInputs, type NewAe } from './adverse-events.js'
import { clinicalWrite, type WriteContext } from './clinical-write.js'
import { findKey, keyScope, once, type StoredResponse } from './idempotency.js'
import { reevaluateStatus, statusInTransaction } from './status.js'
import { requireTrial } from './trials.js'

const BATCH_ROUTE = 'POST /v1/trials/:trialId/adverse-events/batch'

export type BatchBody = z.output<typeof batchBody>
export type BatchResponse = z.output<typeof batchResponse>
type ItemResult = z.output<typeof batchItemResult>

/** A batch item, validated: a new AE (or an upsert of one), or a follow-up of a stored one. */
export type SyncItem =
  | { kind: 'create', input: AeCreateInput, upsert: { reason: string, version: number | undefined } | null }
  | { kind: 'follow-up', aeId: string | undefined, externalId: string | undefined, patch: AePatchInput, version: number | undefined }

type Outcome = { ok: true, statusCode: 200 | 201, body: AeView } | { ok: false, error: AppError }

/** Zod issues as this service's field errors: JSON pointers into the item, an unknown field by its own pointer. */
function fieldErrors (issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map((p) => `/${pointerToken(String(p))}`).join('')
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: `${at}/${pointerToken(key)}`, message: 'unknown field' }))
    return [{ path: at, message: issue.message }]
  })
}

/** One item checked against its schema (a follow-up when it has a patch); a bad one is its 422. */
export function parseItem (raw: Record<string, unknown>): SyncItem | AppError {
  if ('patch' in raw) {
    const parsed = batchFollowUpItem.safeParse(raw)
    if (!parsed.success) return unprocessable('The follow-up is not valid', fieldErrors(parsed.error.issues))
    const { aeId, externalId, patch, reason, version } = parsed.data
    return { kind: 'follow-up', aeId, externalId, patch: { ...patch, reason }, version }
  }
  const parsed = batchCreateItem.safeParse(raw)
  if (!parsed.success) return unprocessable('The adverse event is not valid', fieldErrors(parsed.error.issues))
  const { upsert, reason, version, ...input } = parsed.data
  return { kind: 'create', input, upsert: upsert === true ? { reason: reason!, version } : null }
}

/**
 * An upsert as a follow-up: the create body is the whole AE (as PUT is), so a
 * follow-up field it leaves out is cleared; awareAt, which defaults to when
 * the first report arrived, is kept.
 */
const upsertPatch = (input: AeCreateInput, reason: string): AePatchInput => ({
  ...reportedFields(input),
  seriousnessCriteria: input.seriousnessCriteria ?? null,
  ...(input.awareAt === undefined ? {} : { awareAt: input.awareAt }),
  reason
})

/** What a follow-up cannot change: an upsert that names another participant or term is refused. */
function sameIdentity (dictionary: CtcaeDictionary, stored: AeRow, input: AeCreateInput): AppError | null {
  const errors: FieldError[] = []
  if (input.participantId !== stored.participantId) {
    errors.push({ path: '/participantId', message: `the stored AE of this externalId is of participant ${stored.participantId}` })
  }
  const ctcae = resolveCtcae(dictionary, input)
  if (!ctcae.ok) errors.push(...ctcae.errors)
  else if (ctcae.entry.meddraCode !== stored.meddraCode) {
    errors.push({ path: input.term === undefined ? '/meddraCode' : '/term', message: `the stored AE of this externalId is ${stored.term} (${stored.meddraCode})` })
  }
  if (errors.length === 0) return null
  return unprocessable('An AE\'s participant and term do not change by follow-up: nullify it and report the event anew', errors)
}

/** What the items read under the lock, in its round trip: the AEs they name, their participants and dosing. */
export interface SyncInputs { stored: AeRow[], create: CreateInputs }

export async function readSyncInputs (tx: Tx, trialId: string, items: ReadonlyArray<SyncItem | AppError>): Promise<SyncInputs> {
  const valid = items.filter((i): i is SyncItem => !(i instanceof AppError))
  const externalIds = valid.flatMap((i) => i.kind === 'create' ? (i.input.externalId === undefined ? [] : [i.input.externalId]) : i.externalId === undefined ? [] : [i.externalId])
  const aeIds = valid.flatMap((i) => i.kind === 'follow-up' && i.aeId !== undefined ? [i.aeId] : [])
  const participantIds = valid.flatMap((i) => i.kind === 'create' ? [i.input.participantId] : [])
  const [stored, create] = await Promise.all([
    readAesByIds(tx, trialId, { aeIds: [...new Set(aeIds)], externalIds: [...new Set(externalIds)] }),
    readCreateInputs(tx, trialId, participantIds)
  ])
  return { stored, create }
}

/**
 * Applies items in one clinical write, each on its own: a refused item
 * stores nothing and leaves the others be. New AEs are gathered and stored
 * together (addAes: one statement per kind of row); they are stored before
 * an item that names one of them, so items apply in input order. Follow-ups
 * and upserts of stored AEs are checked and applied one by one
 * (stageFollowUp), and their participants re-classified together, once each
 * (completeFollowUps); an upsert or follow-up that changes nothing writes
 * nothing. Every check of an item comes
 * before its first write, so no savepoint is needed to undo a refused one; a
 * failure of the database itself fails the whole transaction.
 */
export async function applyItems (
  ctx: WriteContext, dictionary: CtcaeDictionary, trialId: string, items: ReadonlyArray<SyncItem | AppError>, inputs: SyncInputs, receivedAt: string
): Promise<{ outcomes: Outcome[], wrote: boolean }> {
  const outcomes: Outcome[] = []
  const byId = new Map(inputs.stored.map((row) => [row.aeId, row]))
  const visible = (row: AeRow | undefined) => row !== undefined && (ctx.principal.sites === null || ctx.principal.sites.includes(row.siteId)) ? row : undefined
  const taken = takenExternalIds(inputs.stored)
  // Only the caller's sites' externalIds name AEs for it: another site's are as unknown as unused ones.
  const named = new Map(inputs.stored.flatMap((row) => row.externalId !== null && visible(row) !== undefined ? [[row.externalId, row.aeId] as const] : []))
  let pending: Array<NewAe & { index: number }> = []
  const pendingIds = new Set<string>()
  // Participants written in this batch: their stored states have moved since the prefetch.
  const touched = new Set<string>()
  // Participants with new AEs stored in this batch: their other AEs may have been re-classified
  // (addAes), so what byId holds of them is read again before a follow-up.
  const stale = new Set<string>()
  let wrote = false

  // Follow-ups checked and applied whose participants are re-classified together (completeFollowUps).
  let staged: Array<StagedFollowUp & { index: number }> = []
  const complete = async () => {
    if (staged.length === 0) return
    const { rows, live } = await completeFollowUps(ctx, staged)
    // Their participants' other AEs were re-classified too: what is known of them stays current.
    for (const row of live) if (byId.has(row.aeId)) byId.set(row.aeId, row)
    for (const { before } of staged) stale.delete(before.participantId)
    rows.forEach((row, i) => {
      byId.set(row.aeId, row)
      outcomes[staged[i]!.index] = { ok: true, statusCode: 200, body: aeView(row) }
    })
    staged = []
  }

  const flush = async () => {
    if (pending.length === 0) return
    await complete()
    const known = pending.some((p) => touched.has(p.input.participantId))
      ? await readCreateInputs(ctx.tx, trialId, pending.map((p) => p.input.participantId))
      : inputs.create
    const added = await addAes(ctx, dictionary, trialId, pending, known, receivedAt, taken)
    added.outcomes.forEach((o, i) => {
      const { index } = pending[i]!
      if (!o.ok) {
        outcomes[index] = o
        return
      }
      byId.set(o.row.aeId, o.row)
      if (o.row.externalId !== null) named.set(o.row.externalId, o.row.aeId)
      touched.add(o.row.participantId)
      stale.add(o.row.participantId)
      wrote = true
      outcomes[index] = { ok: true, statusCode: 201, body: aeView(o.row) }
    })
    pending = []
    pendingIds.clear()
  }

  /** Stages the follow-up, or answers it at once when it changes nothing. */
  const followUp = async (index: number, row: AeRow, patch: AePatchInput, version: number | undefined): Promise<void> => {
    // An AE followed up twice in one batch: the first is completed before the second reads it.
    if (staged.some((s) => s.before.aeId === row.aeId)) await complete()
    const stored = byId.get(row.aeId)!
    const before = changedFields(stored, patch).length > 0 && stale.has(stored.participantId)
      ? (await readAesByIds(ctx.tx, trialId, { aeIds: [stored.aeId], externalIds: [] }))[0]!
      : stored
    const change = await stageFollowUp(ctx, dictionary, before, patch, version)
    if (change === null) {
      outcomes[index] = { ok: true, statusCode: 200, body: aeView(before) }
      return
    }
    staged.push({ ...change, index })
    touched.add(before.participantId)
    wrote = true
  }

  for (const [index, item] of items.entries()) {
    if (item instanceof AppError) {
      outcomes[index] = { ok: false, error: item }
      continue
    }
    const externalId = item.kind === 'create' ? item.input.externalId : item.externalId
    if (item.kind === 'create' && item.upsert === null) {
      const aeId = uuidv7()
      pending.push({ aeId, input: item.input, index })
      pendingIds.add(aeId)
      continue
    }
    // The item names an AE: one gathered in this batch is stored first.
    const namedId = externalId === undefined ? (item.kind === 'follow-up' ? item.aeId : undefined) : named.get(externalId)
    if ((namedId !== undefined && pendingIds.has(namedId)) || (externalId !== undefined && pending.some((p) => p.input.externalId === externalId))) await flush()
    const aeId = externalId === undefined ? namedId : named.get(externalId)
    const row = visible(aeId === undefined ? undefined : byId.get(aeId))
    try {
      if (item.kind === 'follow-up') {
        if (row === undefined) throw notFound('Adverse event')
        await followUp(index, row, item.patch, item.version)
      } else if (row === undefined) {
        if (aeId !== undefined) throw notFound('Adverse event')
        if (item.upsert!.version !== undefined) {
          throw new AppError(412, 'precondition-failed', `No adverse event has externalId ${externalId!} yet: a version cannot be matched`)
        }
        const newId = uuidv7()
        pending.push({ aeId: newId, input: item.input, index })
        pendingIds.add(newId)
      } else {
        const refused = sameIdentity(dictionary, row, item.input)
        if (refused !== null) throw refused
        await followUp(index, row, upsertPatch(item.input, item.upsert!.reason), item.upsert!.version)
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      outcomes[index] = { ok: false, error }
    }
  }
  await complete()
  await flush()
  return { outcomes, wrote }
}

const itemResult = (index: number, outcome: Outcome, instance: string, minimal = false): ItemResult => outcome.ok
  ? { index, status: outcome.statusCode, aeId: outcome.body.aeId, version: outcome.body.version, ...(minimal ? {} : { body: outcome.body }) }
  : { index, status: outcome.error.statusCode, problem: problemOf(outcome.error, `${instance}#/items/${index}`) }

/** An atomic batch with refused items (their results): 422 naming each item and its problems by JSON pointer into the request. */
function batchRefused (refused: ItemResult[], total: number): AppError {
  const errors = refused.flatMap((r) => {
    const listed = r.problem!.errors ?? []
    return listed.length === 0
      ? [{ path: `/items/${r.index}`, message: `${r.status}: ${r.problem!.detail ?? r.problem!.title}` }]
      : listed.map((e) => ({ path: `/items/${r.index}${e.path}`, message: e.message }))
  })
  return new AppError(422, 'batch-refused', `${refused.length} of ${total} items were refused; in an atomic batch nothing was stored`, {
    errors, extensions: { items: refused }
  })
}

export interface BatchOptions {
  idempotencyKey: string | undefined
  receivedAt: string
  /** Prefer: return=minimal: the results leave out the AEs */
  minimal: boolean
}

/**
 * A batch of AE creates, upserts and follow-ups in one clinical write: one
 * trial lock, an audit row per change, and one status re-evaluation for the
 * whole batch, whose result the response carries. Atomic: every item is
 * valid or nothing is stored (422 names each bad item). Independent: each
 * item's own result. Replayed whole by Idempotency-Key.
 */
export async function submitBatch (
  db: Db, dictionary: CtcaeDictionary, trialId: string, principal: Principal, body: BatchBody, options: BatchOptions
): Promise<StoredResponse<BatchResponse>> {
  const instance = `/v1/trials/${trialId}/adverse-events/batch`
  const items = body.items.map(parseItem)
  if (body.mode === 'atomic' && items.some((i) => i instanceof AppError)) {
    // Refused before the trial is locked: nothing could be stored.
    throw batchRefused(items.flatMap((i, index) => i instanceof AppError ? [itemResult(index, { ok: false, error: i }, instance)] : []), items.length)
  }
  const ids = { trialId, scope: keyScope(principal, BATCH_ROUTE), key: options.idempotencyKey }
  const prefetch = async (tx: Tx) => await Promise.all([readSyncInputs(tx, trialId, items), findKey(tx, ids)])
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx, [inputs, seen]) =>
    await once(ctx, ids, body, async () => {
      const { outcomes, wrote } = await applyItems(ctx, dictionary, trialId, items, inputs, options.receivedAt)
      const results = outcomes.map((o, index) => itemResult(index, o, instance, options.minimal))
      const refused = results.filter((r) => r.problem !== undefined)
      if (body.mode === 'atomic' && refused.length > 0) throw batchRefused(refused, results.length)
      const status = await batchStatus(ctx, trialId, results, wrote)
      return { statusCode: 200, body: { mode: body.mode, items: results, status } }
    }, seen), prefetch)
  return value
}

/** The one re-evaluation of a batch that wrote; the stored status (re-evaluated if time moved it) when it wrote nothing. */
async function batchStatus (ctx: WriteContext, trialId: string, results: ItemResult[], wrote: boolean) {
  if (!wrote) return await statusInTransaction(ctx, trialId, ctx.at)
  const count = (status: number) => results.filter((r) => r.status === status).length
  const trigger = { type: 'ae_batch', entity: 'trial', entityId: trialId, change: `batch: ${count(201)} reported, ${count(200)} followed up or unchanged`, actor: ctx.principal.sub }
  return await reevaluateStatus(ctx, trialId, trigger, ctx.at)
}

export type UpsertBody = z.output<typeof aeUpsertBody>

/**
 * PUT by the sending system's record id: creates the AE (201) when the
 * externalId is new, follows it up when stored (200, a new version with the
 * reason), and writes nothing when it is the same (200). `expectedVersion`
 * is If-Match's, when sent.
 */
export async function upsertAe (
  db: Db, dictionary: CtcaeDictionary, trialId: string, principal: Principal, externalId: string, body: UpsertBody,
  expectedVersion: number | undefined, receivedAt: string
): Promise<{ statusCode: 200 | 201, body: AeView }> {
  if (body.externalId !== undefined && body.externalId !== externalId) {
    throw unprocessable('The body names another externalId than the path', [{ path: '/externalId', message: `must be ${externalId} (the path's) or absent` }])
  }
  const { reason, ...input } = body
  const item: SyncItem = { kind: 'create', input: { ...input, externalId }, upsert: { reason, version: expectedVersion } }
  const trigger = { type: 'ae_upserted', entity: 'adverse_event', change: `upsert of externalId ${externalId}` }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx, inputs: SyncInputs) => {
    const { outcomes: [outcome], wrote } = await applyItems(ctx, dictionary, trialId, [item], inputs, receivedAt)
    if (!outcome!.ok) throw outcome!.error
    // The same AE again: nothing was written, the stored status stands.
    if (!wrote) ctx.keepStatus()
    return { statusCode: outcome!.statusCode, body: outcome!.body }
  }, async (tx) => await readSyncInputs(tx, trialId, [item]))
  return value
}

/**
 * The AE versions committed after the cursor's chain position, in commit
 * order (see readAeChanges), of the principal's sites. The next cursor is the
 * last position read, or the one given when nothing was new.
 */
export async function aeChanges (db: Db, trialId: string, principal: Principal, page: { after: number, limit: number }) {
  await requireTrial(db, trialId)
  const rows = await readAeChanges(db, trialId, page.after, page.limit, principal.sites)
  return {
    items: rows.map((r) => {
      const snapshot = r.snapshot as AeRecord
      return {
        aeId: snapshot.aeId,
        position: r.seq,
        version: r.version,
        changedAt: new Date(r.changedAt).toISOString(),
        changedBy: r.changedBy,
        role: r.role,
        reason: r.reason,
        correction: r.correction,
        snapshot
      }
    }),
    nextCursor: encodeCursor([rows.at(-1)?.seq ?? page.after])
  }
}
