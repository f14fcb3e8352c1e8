import type { Db } from '../../db/client.js'
import { readChainHead } from '../../db/repos/audit.js'
import { claimDueTrial, readDueTrialIds, readNextChangeAfter } from '../../db/repos/status.js'
import { auditKeyOf, auditor, parseChainHead, SYSTEM } from './audit.js'
import { pipelinedTransaction } from './pipeline.js'
import { statusInTransaction, type StatusDocument } from './status.js'

/**
 * Makes one trial's due change of status, as a read after its nextChangeAt
 * would: under the trial's lock, re-evaluated by the status engine, the
 * decision recorded with its webhook deliveries and NOTIFY in the same
 * transaction. Undefined when another instance or a write holds the trial, or
 * the change was made meanwhile (the stored status is re-read under the lock).
 */
export async function makeDueChange (db: Db, trialId: string, asOf: string): Promise<StatusDocument | undefined> {
  return await pipelinedTransaction(db, async (pipeline) => {
    if (!await claimDueTrial(pipeline.tx, trialId, asOf)) return undefined
    // The decision's audit row, by the system, extends the chain read under the claimed lock.
    const { audit } = auditor(pipeline, auditKeyOf(db), trialId, SYSTEM, asOf, parseChainHead(await readChainHead(pipeline.tx, trialId)))
    return await statusInTransaction({ ...pipeline, audit }, trialId, asOf)
  })
}

export interface Round {
  /** the trials this round re-evaluated (claimed while due) */
  evaluated: string[]
  failed: Array<{ trialId: string, error: unknown }>
  /** the scan found `limit` due trials: more may be due */
  full: boolean
  /** the soonest change after asOf, of any trial */
  nextAt: string | null
}

/**
 * One round of the scheduler: every trial due by `asOf` (up to `limit`,
 * soonest first, but those in `except`), one transaction each, so that one
 * trial's failure or lock leaves the others unaffected.
 */
export async function makeDueChanges (db: Db, asOf: string, limit: number, except: string[]): Promise<Round> {
  const due = await readDueTrialIds(db, asOf, limit, except)
  const round: Round = { evaluated: [], failed: [], full: due.length === limit, nextAt: null }
  for (const trialId of due) {
    try {
      if (await makeDueChange(db, trialId, asOf) !== undefined) round.evaluated.push(trialId)
    } catch (error) {
      round.failed.push({ trialId, error })
    }
  }
  round.nextAt = await readNextChangeAfter(db, asOf)
  return round
}
