import { adverseEvents, adverseEventVersions } from '../schema.js'
import type { Queryable } from '../client.js'
import { columnsOf, insertRows, selectRows, statement, updateRows } from '../statements.js'
import type { SafetySignal } from '../../src/domain/stopping-rules.js'
import type { Write } from './writes.js'

export type AeRow = typeof adverseEvents.$inferSelect

/** The participant's live (not nullified) AEs. */
export async function readLiveAes (db: Queryable, trialId: string, participantId: string): Promise<AeRow[]> {
  return await selectRows<AeRow>(db, statement`select ${columnsOf(adverseEvents)} from adverse_events
      where trial_id = ${trialId} and participant_id = ${participantId} and nullified_at is null`)
}

/** The trial's safety signals: its live AEs that are serious or fatal (isSafetySignal). */
export async function readSafetySignals (db: Queryable, trialId: string): Promise<SafetySignal[]> {
  // Served by the partial index adverse_events_signals: only serious or fatal AEs (isSafetySignal).
  return await selectRows<SafetySignal>(db, statement`select ae_id as "aeId", participant_id as "participantId", dose_level as "doseLevel", grade, serious, attribution
      from adverse_events where trial_id = ${trialId} and nullified_at is null and (serious or grade = 5)`)
}

export const insertAe = (row: AeRow): Write => insertRows(adverseEvents, [row])

/** Stores the fields `values` gives on one AE (its classification). */
export const updateAe = (trialId: string, aeId: string, values: Partial<typeof adverseEvents.$inferInsert>): Write =>
  updateRows(adverseEvents, values, { trialId, aeId })

export const insertAeVersion = (row: typeof adverseEventVersions.$inferInsert): Write => insertRows(adverseEventVersions, [row])
