import { eq } from 'drizzle-orm'
import { trials } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { columnsOf, selectRows, statement } from '../statements.js'
import type { TrialRow } from '../schema.js'
import type { AmendmentLimit } from '../../src/domain/amendment.js'

export type { TrialRow }

/** The trial row, locked FOR UPDATE until the transaction ends: what serialises a trial's clinical writes. */
export async function lockTrial (tx: Tx, trialId: string): Promise<TrialRow | undefined> {
  const [trial] = await selectRows<TrialRow>(tx, statement`select ${columnsOf(trials)} from trials where trial_id = ${trialId} for update`)
  return trial
}

/** The trial row as this transaction sees it. */
export async function readTrial (db: Queryable, trialId: string): Promise<TrialRow | undefined> {
  const [trial] = await selectRows<TrialRow>(db, statement`select ${columnsOf(trials)} from trials where trial_id = ${trialId}`)
  return trial
}

/** Holds the trial (pause, terminate) or lifts its hold (null), as a DMC decided or an admin re-opened it. */
export async function setDmcHold (db: Queryable, trialId: string, hold: 'pause' | 'terminate' | null, at: string): Promise<void> {
  await db.update(trials).set({ dmcHold: hold, updatedAt: at }).where(eq(trials.trialId, trialId))
}

/** Keeps (or, with null, clears) the limit an amendment puts on the trial's status until the DMC's next decision. */
export async function setAmendmentLimit (db: Queryable, trialId: string, limit: AmendmentLimit | null): Promise<void> {
  await db.update(trials).set({ amendmentLimit: limit }).where(eq(trials.trialId, trialId))
}

/** The trial row as drizzle maps it (undefined when there is no such trial). */
export async function findTrial (db: Queryable, trialId: string): Promise<TrialRow | undefined> {
  const [row] = await db.select().from(trials).where(eq(trials.trialId, trialId))
  return row
}

/** Locks the trial row FOR UPDATE without reading it. */
export async function lockTrialId (tx: Tx, trialId: string): Promise<void> {
  await tx.select({ trialId: trials.trialId }).from(trials).where(eq(trials.trialId, trialId)).for('update')
}
