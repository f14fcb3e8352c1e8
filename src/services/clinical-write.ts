import { eq, sql } from 'drizzle-orm'
import { auditLog, trials } from '../../db/schema.js'
import { rows, type Db, type Tx } from '../../db/client.js'
import type { Principal } from '../auth/roles.js'
import { notFound } from '../http/problem.js'
import { chainHeadSql, chainRow, parseChainHead, type AuditEntry } from './audit.js'
import { reevaluateStatus, type StatusDocument, type Trigger } from './status.js'
import { forgetProtocols } from './protocols.js'

export type TrialRow = typeof trials.$inferSelect

export interface WriteContext {
  tx: Tx
  /** the trial row, locked FOR UPDATE for the whole transaction */
  trial: TrialRow
  principal: Principal
  /** the instant of this write: audit rows, versions and the re-evaluation share it */
  at: string
  audit: (entry: AuditEntry) => Promise<void>
}

export interface WriteResult<T> { value: T, status: StatusDocument | null }

/**
 * Every clinical write goes through here: one transaction that locks the
 * trial row, runs the change, writes its audit rows, and re-evaluates the
 * trial's status. Two writes to one trial (from any number of server
 * instances) serialise on the row lock, so no decision ever misses a
 * committed DLT; a write that throws leaves nothing behind.
 */
export async function clinicalWrite<T> (
  db: Db,
  trialId: string,
  principal: Principal,
  trigger: Omit<Trigger, 'actor'> | null,
  change: (ctx: WriteContext) => Promise<T>
): Promise<WriteResult<T>> {
  try {
    return await db.transaction(async (tx) => {
      const [trial] = await tx.select().from(trials).where(eq(trials.trialId, trialId)).for('update')
      if (trial === undefined) throw notFound('Trial')
      // Read after the lock is held, in a statement of its own: under READ COMMITTED a
      // subquery of the locking statement would see the snapshot from before the wait.
      const [chain] = rows<{ head: string | null }>(await tx.execute(sql`select ${chainHeadSql(trialId)} as head`))
      const at = new Date().toISOString()
      let head = parseChainHead(chain?.head ?? null)
      const value = await change({
        tx,
        trial,
        principal,
        at,
        audit: async (entry) => {
          const next = chainRow(trialId, principal, entry, at, head)
          head = next.head
          await tx.insert(auditLog).values(next.row)
        }
      })
      const status = trigger === null ? null : await reevaluateStatus(tx, trialId, { ...trigger, actor: principal.sub }, at)
      return { value, status }
    })
  } catch (error) {
    // A protocol version read inside the rolled-back transaction may never have been committed.
    forgetProtocols(trialId)
    throw error
  }
}
