import { adverseEvents, adverseEventVersions } from '../schema.js'
import type { Queryable } from '../client.js'
import { columnsOf, constantText, insertRows, selectRows, statement, updateRows } from '../statements.js'
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

export const insertAe = (row: AeRow): Write => insertRows(adverseEvents, [row])

/** Stores the fields `values` gives on one AE (its classification). */
export const updateAe = (trialId: string, aeId: string, values: Partial<typeof adverseEvents.$inferInsert>): Write =>
  updateRows(adverseEvents, values, { trialId, aeId })

export const insertAeVersion = (row: typeof adverseEventVersions.$inferInsert): Write => insertRows(adverseEventVersions, [row])
