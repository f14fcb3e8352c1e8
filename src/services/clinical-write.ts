import type { Db, Tx } from '../../db/client.js'
import { insertAuditRow, insertAuditRows, readChainHead } from '../../db/repos/audit.js'
import { lockTrial, type TrialRow } from '../../db/repos/trials.js'
import { sendWrite, type Write } from '../../db/repos/writes.js'
import type { Principal } from '../auth/roles.js'
import { notFound } from '../lib/errors.js'
import { chainRow, parseChainHead, type AuditEntry } from './audit.js'
import { reevaluateStatus, type StatusDocument, type Trigger } from './status.js'
import { forgetProtocols } from './protocols.js'
import { pipelinedTransaction, type Pipeline } from './pipeline.js'

export interface WriteContext extends Pipeline {
  /** the trial row, locked FOR UPDATE for the whole transaction */
  trial: TrialRow
  principal: Principal
  /** the instant of this write: audit rows, versions and the re-evaluation share it */
  at: string
  /** appends an audit row to the trial's chain (a deferred write) */
  audit: (entry: AuditEntry) => void
  /** the statement that appends an audit row to the chain, for the caller to send with its other writes */
  auditStatement: (entry: AuditEntry) => Write
  /** the statement that appends these rows to the chain in order, one multi-row insert (a bulk write's) */
  auditStatements: (entries: AuditEntry[]) => Write
  /**
   * Declares that this write changed none of the status engine's inputs
   * (participants' DLT summaries and dosing, safety signals, the trial row):
   * the stored status stands, as it does for every read until its
   * nextChangeAt, and is not re-evaluated.
   */
  keepStatus: () => void
}

export interface WriteResult<T> { value: T, status: StatusDocument | null }

/**
 * Every clinical write goes through here: one transaction that locks the
 * trial row, runs the change, writes its audit rows, and re-evaluates the
 * trial's status (unless the change kept it). Two writes to one trial (from
 * any number of server instances) serialise on the row lock, so no decision
 * ever misses a committed DLT; a write that throws leaves nothing behind.
 */
export async function clinicalWrite<T, P = undefined> (
  db: Db,
  trialId: string,
  principal: Principal,
  trigger: Omit<Trigger, 'actor'> | null,
  change: (ctx: WriteContext, prefetched: P) => Promise<T>,
  /** reads the change needs, sent in the same round trip as the lock (and so seeing what it waited for) */
  prefetch?: (tx: Tx) => Promise<P>
): Promise<WriteResult<T>> {
  try {
    return await pipelinedTransaction(db, async ({ tx, defer }) => {
      // Issued in this order on one connection: the reads run after the lock is granted, each in a
      // snapshot of its own, so under READ COMMITTED they see every write committed before it.
      const [trial, chain, prefetched] = await Promise.all([
        lockTrial(tx, trialId),
        readChainHead(tx, trialId),
        prefetch?.(tx) as Promise<P>
      ])
      if (trial === undefined) throw notFound('Trial')
      const at = new Date().toISOString()
      let head = parseChainHead(chain)
      let keep = false
      const link = (entry: AuditEntry) => {
        const next = chainRow(trialId, principal, entry, at, head)
        head = next.head
        return next.row
      }
      const auditStatement = (entry: AuditEntry) => insertAuditRow(link(entry))
      const value = await change({
        tx,
        defer,
        trial,
        principal,
        at,
        audit: (entry) => defer(sendWrite(tx, auditStatement(entry))),
        auditStatement,
        auditStatements: (entries) => insertAuditRows(entries.map(link)),
        keepStatus: () => { keep = true }
      }, prefetched)
      const status = trigger === null || keep ? null : await reevaluateStatus({ tx, defer }, trialId, { ...trigger, actor: principal.sub }, at)
      return { value, status }
    })
  } catch (error) {
    // A protocol version read inside the rolled-back transaction may never have been committed.
    forgetProtocols(trialId)
    throw error
  }
}
