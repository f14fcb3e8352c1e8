import { and, eq } from 'drizzle-orm'
import { decisions, dmcDecisions, trialStatus } from '../schema.js'
import type { Queryable } from '../client.js'

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
