import { and, asc, desc, eq, gt, notExists, or, sql } from 'drizzle-orm'
import { adverseEventVersions, auditLog, dmcDecisions, trials } from '../schema.js'
import type { Db, Queryable } from '../client.js'
import { insertRows, selectRows, statement } from '../statements.js'
import type { Write } from './writes.js'
import type { AdverseEventVersionRow, AuditRow, DmcDecisionRow } from '../schema.js'

/** The head of a trial's audit chain, as `seq hash` (null for an empty chain). */
export async function readChainHead (db: Queryable, trialId: string): Promise<string | null> {
  const [row] = await selectRows<{ head: string | null }>(db,
    statement`select (select seq || ' ' || hash from audit_log where trial_id = ${trialId} order by seq desc limit 1) as head`)
  return row?.head ?? null
}

/** Appends a row to a trial's audit chain: the statement, for the caller to send with its other writes. */
export const insertAuditRow = (row: typeof auditLog.$inferInsert): Write => insertRows(auditLog, [row])

/** What the trial row says its chain holds (kept by the audit_log insert trigger). */
export async function readChainAnchor (db: Queryable, trialId: string): Promise<{ count: number, head: string } | undefined> {
  const [row] = await db.select({ count: trials.auditCount, head: trials.auditHead }).from(trials).where(eq(trials.trialId, trialId))
  return row
}

/**
 * Trials whose chain has only unkeyed rows (chain 1): chains from before the key, not yet sealed. Found by
 * their last row (one lookup per trial), then confirmed for those alone.
 */
export async function readUnkeyedChains (db: Queryable, trialId?: string): Promise<string[]> {
  const keyed = db.select({ one: sql`1` }).from(auditLog).where(and(eq(auditLog.trialId, trials.trialId), eq(auditLog.chain, 2)))
  const found = await db.select({ trialId: trials.trialId }).from(trials)
    .innerJoin(auditLog, and(eq(auditLog.trialId, trials.trialId), eq(auditLog.seq, trials.auditCount)))
    .where(and(eq(auditLog.chain, 1), notExists(keyed), trialId === undefined ? undefined : eq(trials.trialId, trialId)))
  return found.map((r) => r.trialId)
}

/** Appends rows to a trial's chain in one multi-row statement. */
export const insertAuditRows = (rows: Array<typeof auditLog.$inferInsert>): Write => insertRows(auditLog, rows)

const preparedHeads = new WeakMap<Db, ReturnType<typeof auditSeqQuery>>()
const auditSeqQuery = (db: Db) => db.select({ seq: auditLog.seq }).from(auditLog)
  .where(eq(auditLog.trialId, sql.placeholder('trialId'))).orderBy(desc(auditLog.seq)).limit(1).prepare('audit_seq')

/** The length of a trial's audit chain (0 when empty), by a statement prepared once per database. */
export async function readAuditSeq (db: Db, trialId: string): Promise<number> {
  let head = preparedHeads.get(db)
  if (head === undefined) preparedHeads.set(db, head = auditSeqQuery(db))
  return (await head.execute({ trialId }))[0]?.seq ?? 0
}

export interface AuditFilter { trialId: string, entity?: string | undefined, entityId?: string | undefined, afterSeq?: number | undefined }

/** A page of a trial's audit chain in order, optionally of one entity; `limit` rows at most. */
export async function readAuditPage (db: Queryable, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  return await db.select().from(auditLog).where(and(
    eq(auditLog.trialId, f.trialId),
    f.entity === undefined ? undefined : eq(auditLog.entity, f.entity),
    f.entityId === undefined ? undefined : eq(auditLog.entityId, f.entityId),
    f.afterSeq === undefined ? undefined : gt(auditLog.seq, f.afterSeq)
  )).orderBy(asc(auditLog.seq)).limit(limit)
}

/** A page of a trial's AE versions in key order, after the version `after` (aeId, version); for the audit cross-check. */
export async function readAeVersionsPage (db: Queryable, trialId: string, after: [string, number] | undefined, limit: number): Promise<AdverseEventVersionRow[]> {
  const v = adverseEventVersions
  return await db.select().from(v).where(and(
    eq(v.trialId, trialId),
    after === undefined ? undefined : or(gt(v.aeId, after[0]), and(eq(v.aeId, after[0]), gt(v.version, after[1])))
  )).orderBy(asc(v.aeId), asc(v.version)).limit(limit)
}

/** A trial's DMC decisions (a handful per trial), for the audit cross-check. */
export async function readDmcDecisions (db: Queryable, trialId: string): Promise<DmcDecisionRow[]> {
  return await db.select().from(dmcDecisions).where(eq(dmcDecisions.trialId, trialId)).orderBy(asc(dmcDecisions.dmcDecisionId))
}
