import { sql } from 'drizzle-orm'
import { decisions, trialStatus } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { columnsOf, insertRows, listOf, selectRows, statement } from '../statements.js'
import type { TrialStatus } from '../../src/domain/status.js'
import type { Write } from './writes.js'
import type { TrialStatusRow as StatusRow } from '../schema.js'

export type { StatusRow }

/** The status as stored and served: the participant-level rows live only in the decision snapshots. */
export type StoredStatus = Omit<TrialStatus, 'participants'>

export async function readStatusRow (db: Queryable, trialId: string): Promise<StatusRow | undefined> {
  const [row] = await selectRows<StatusRow>(db, statement`select ${columnsOf(trialStatus)} from trial_status where trial_id = ${trialId}`)
  return row
}

/** Stores the trial's status, replacing the one stored. */
export const upsertStatus = (row: typeof trialStatus.$inferInsert): Write => insertRows(trialStatus, [row], `on conflict (trial_id) do update set
      status = excluded.status, decision_id = excluded.decision_id, evaluated_at = excluded.evaluated_at, next_change_at = excluded.next_change_at`)

export interface StoredStatusRow { status: StoredStatus, decisionId: string, nextChangeAt: string | null, protocolVersion: number }

/** The stored status row of a trial, with the protocol version in force: the hottest read of the service. */
export async function readStoredStatus (db: Queryable, trialId: string): Promise<StoredStatusRow | undefined> {
  const [row] = await selectRows<StoredStatusRow>(db, statement`select s.status, s.decision_id as "decisionId",
      s.next_change_at as "nextChangeAt", t.protocol_version as "protocolVersion"
    from trial_status s join trials t on t.trial_id = s.trial_id where s.trial_id = ${trialId}`)
  return row
}

/** Trials whose next change is due by `asOf`, soonest first, but those in `except`: the status scheduler's scan. */
export async function readDueTrialIds (db: Queryable, asOf: string, limit: number, except: string[]): Promise<string[]> {
  // The trials left out as a parameter list (an array parameter is not one the query tools can replay).
  const rows = await selectRows<{ trialId: string }>(db, except.length === 0
    ? statement`select trial_id as "trialId" from trial_status
      where next_change_at <= ${asOf} order by next_change_at limit ${limit}`
    : statement`select trial_id as "trialId" from trial_status
      where next_change_at <= ${asOf} and trial_id not in (${listOf(except)}) order by next_change_at limit ${limit}`)
  return rows.map((r) => r.trialId)
}

/** The soonest change of any trial after `asOf` (null: none is coming). */
export async function readNextChangeAfter (db: Queryable, asOf: string): Promise<string | null> {
  const [row] = await selectRows<{ at: string | null }>(db, statement`select min(next_change_at) as at from trial_status where next_change_at > ${asOf}`)
  return row?.at ?? null
}

/**
 * Locks the trial row (as a clinical write does) when its next change is due
 * by `asOf` and no other transaction holds it: false when another instance,
 * or a write, has it (SKIP LOCKED), or the change was made meanwhile.
 */
export async function claimDueTrial (tx: Tx, trialId: string, asOf: string): Promise<boolean> {
  const rows = await selectRows(tx, statement`select t.trial_id from trials t join trial_status s on s.trial_id = t.trial_id
    where t.trial_id = ${trialId} and s.next_change_at <= ${asOf} for update of t skip locked`)
  return rows.length > 0
}

/** NOTIFY on `channel`: delivered to every listener when the transaction commits. */
export const notify = (tx: Tx, channel: string, payload: string): Promise<unknown> =>
  tx.execute(sql`select pg_notify(${channel}, ${payload})`).execute()

/** Appends a decision record; issued at once (for a pipeline's defer). */
export const insertDecision = (tx: Tx, row: typeof decisions.$inferInsert): Promise<unknown> => tx.insert(decisions).values(row).execute()

/** The reasons of the status the latest DMC decision was taken on: the pause_for_review firings it reviewed. */
export async function readReviewedReasons (db: Queryable, trialId: string): Promise<string[] | undefined> {
  const [row] = await selectRows<{ reasons: string[] }>(db, statement`select d.snapshot->'status'->'decision'->'reasons' as reasons
      from dmc_decisions m join decisions d on d.trial_id = m.trial_id and d.decision_id = m.status_decision_id
      where m.trial_id = ${trialId} order by m.dmc_decision_id desc limit 1`)
  return row?.reasons
}
