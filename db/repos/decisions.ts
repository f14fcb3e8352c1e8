import { and, asc, desc, eq, gt, lt, lte, sql } from 'drizzle-orm'
import { decisions, dmcDecisions, trialStatus } from '../schema.js'
import type { Queryable } from '../client.js'
import type { DecisionRow } from '../schema.js'

/** The id of the decision the trial's stored status names (under the trial lock: the latest). */
export async function readCurrentDecisionId (db: Queryable, trialId: string): Promise<string | null> {
  const [current] = await db.select({ decisionId: trialStatus.decisionId }).from(trialStatus).where(eq(trialStatus.trialId, trialId))
  return current?.decisionId ?? null
}

/** The snapshot a decision was taken on (undefined when the trial has no such decision). */
export async function readDecisionSnapshot (db: Queryable, trialId: string, decisionId: string): Promise<unknown> {
  const [signed] = await db.select({ snapshot: decisions.snapshot }).from(decisions)
    .where(and(eq(decisions.trialId, trialId), eq(decisions.decisionId, decisionId)))
  return signed?.snapshot
}

export async function insertDmcDecision (db: Queryable, row: typeof dmcDecisions.$inferInsert): Promise<void> {
  await db.insert(dmcDecisions).values(row)
}

export type { DecisionRow }

/** A page of the trial's decisions, newest first, before the decision `before` (all when undefined); `limit` rows at most. */
export async function readDecisionsPage (db: Queryable, trialId: string, before: string | undefined, limit: number): Promise<DecisionRow[]> {
  return await db.select().from(decisions)
    .where(and(eq(decisions.trialId, trialId), before === undefined ? undefined : lt(decisions.decisionId, before)))
    .orderBy(desc(decisions.decisionId)).limit(limit)
}

/** A decision as the status it led to: what an event stream sends. */
export interface DecisionStatus { decisionId: string, at: string, protocolVersion: number, status: unknown }

/** The trial's decisions after `after`, oldest first, `limit` at most, each with the status of its snapshot. */
export async function readDecisionStatusesAfter (db: Queryable, trialId: string, after: string, limit: number): Promise<DecisionStatus[]> {
  return await db.select({
    decisionId: decisions.decisionId,
    at: decisions.at,
    protocolVersion: decisions.protocolVersion,
    // The status only: the snapshot's participants and design stay in the database.
    status: sql<unknown>`${decisions.snapshot}->'status'`
  }).from(decisions)
    .where(and(eq(decisions.trialId, trialId), gt(decisions.decisionId, after))).orderBy(asc(decisions.decisionId)).limit(limit)
}

/** The latest decision taken by `asOf`: its snapshot and protocol version. */
export async function readDecisionAt (db: Queryable, trialId: string, asOf: string): Promise<{ snapshot: unknown, protocolVersion: number } | undefined> {
  const [decision] = await db.select({ snapshot: decisions.snapshot, protocolVersion: decisions.protocolVersion }).from(decisions)
    .where(and(eq(decisions.trialId, trialId), lte(decisions.at, asOf))).orderBy(desc(decisions.at)).limit(1)
  return decision
}
