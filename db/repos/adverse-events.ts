import { adverseEvents, adverseEventVersions } from '../schema.js'
import type { Queryable } from '../client.js'
import { columnsOf, constantText, insertRows, listOf, selectRows, statement, updateRows } from '../statements.js'
import { SIGNAL_FACTS_READ, type SafetySignal, type SignalFact } from '../../src/domain/stopping-rules.js'
import type { Write } from './writes.js'
import type { AdverseEventRow as AeRow } from '../schema.js'

export type { AeRow }

/** The participant's live (not nullified) AEs. */
export async function readLiveAes (db: Queryable, trialId: string, participantId: string): Promise<AeRow[]> {
  return await selectRows<AeRow>(db, statement`select ${columnsOf(adverseEvents)} from adverse_events
      where trial_id = ${trialId} and participant_id = ${participantId} and nullified_at is null`)
}

/** Each signal fact in SQL, over adverse_events. */
const SIGNAL_SQL: Record<SignalFact, string> = { serious: 'serious', grade5: 'grade = 5' }

/**
 * The live AEs some rule type reads itself (isSafetySignal, from RULE_INPUTS).
 * The predicate of the partial index adverse_events_signals, which serves the
 * read, must be this one (test/db/signal-index.test.ts).
 */
export const SIGNAL_CONDITION = `nullified_at is null and (${SIGNAL_FACTS_READ.map((f) => SIGNAL_SQL[f]).join(' or ')})`
const signalCondition = constantText(SIGNAL_CONDITION)

/** The trial's safety signals: the live AEs the stopping rules read (SIGNAL_CONDITION). */
export async function readSafetySignals (db: Queryable, trialId: string): Promise<SafetySignal[]> {
  return await selectRows<SafetySignal>(db, statement`select ae_id as "aeId", participant_id as "participantId", dose_level as "doseLevel", grade, serious, attribution
      from adverse_events where trial_id = ${trialId} and ${signalCondition}`)
}

/** New AEs, one multi-row statement (each row gives every column). */
export const insertAes = (rows: AeRow[]): Write => insertRows(adverseEvents, rows)

/** The trial's AEs with one of these ids or externalIds, whatever their site (the caller checks scope). */
export async function readAesByIds (db: Queryable, trialId: string, ids: { aeIds: readonly string[], externalIds: readonly string[] }): Promise<AeRow[]> {
  if (ids.aeIds.length === 0 && ids.externalIds.length === 0) return []
  return await selectRows<AeRow>(db, statement`select ${columnsOf(adverseEvents)} from adverse_events
      where trial_id = ${trialId} and (ae_id in (${listOf(ids.aeIds)}) or external_id in (${listOf(ids.externalIds)}))`)
}

/** Stores the fields `values` gives on one AE (its classification). */
export const updateAe = (trialId: string, aeId: string, values: Partial<typeof adverseEvents.$inferInsert>): Write =>
  updateRows(adverseEvents, values, { trialId, aeId })

export type AeVersionRow = typeof adverseEventVersions.$inferInsert

export const insertAeVersion = (row: AeVersionRow): Write => insertRows(adverseEventVersions, [row])

/** Versions of AEs, one multi-row statement. */
export const insertAeVersions = (rows: AeVersionRow[]): Write => insertRows(adverseEventVersions, rows)

export interface AeChangeRow {
  /** the position in the trial's audit chain of the change that made the version */
  seq: number
  version: number
  changedAt: string
  changedBy: string
  role: string
  reason: string | null
  correction: boolean
  snapshot: unknown
}

/**
 * The AE versions made after chain position `afterSeq`, in chain order,
 * `limit` at most; of these sites only, unless null. Every AE version is
 * written with its audit row, whose position is assigned under the trial's
 * lock: chain order is commit order, so a reader that has seen position n
 * has seen every change before it, and none committed later comes before.
 */
export async function readAeChanges (
  db: Queryable, trialId: string, afterSeq: number, limit: number, sites: readonly string[] | null
): Promise<AeChangeRow[]> {
  return await selectRows<AeChangeRow>(db, statement`select a.seq::float8 as seq, v.version, v.created_at as "changedAt", v.changed_by as "changedBy",
      v.role, v.reason, v.correction, v.snapshot
    from audit_log a join adverse_event_versions v
      on v.trial_id = a.trial_id and v.ae_id::text = a.entity_id and v.version = (a.after->>'version')::int
    where a.trial_id = ${trialId} and a.entity = 'adverse_event' and a.seq > ${afterSeq}
      and (${sites === null}::boolean or v.snapshot->>'siteId' in (${listOf(sites ?? [])}))
    order by a.seq limit ${limit}`)
}
