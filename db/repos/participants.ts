import { participants } from '../schema.js'
import type { Queryable } from '../client.js'
import { selectRows, statement, updateRows } from '../statements.js'
import type { ParticipantSummary } from '../../src/domain/evaluability.js'
import type { OpenQuery, StatusParticipant } from '../../src/domain/status.js'
import type { Write } from './writes.js'

/** A participant as the AE write path needs it: its site, dose, dates and DLT summary, whatever its site (the caller checks scope). */
export interface ParticipantState {
  siteId: string
  doseLevel: number
  armId: string | null
  enrolledOn: string
  withdrawnAt: string | null
  dltCount: number
  pendingDltCount: number
  pendingDltUntil: string | null
  worstGrade: number | null
  termWorst: Record<string, number>
  saeCount: number
  openQueries: OpenQuery[]
}

export async function readParticipantStateAnySite (db: Queryable, trialId: string, participantId: string): Promise<ParticipantState | null> {
  const [found] = await selectRows<ParticipantState>(db, statement`select site_id as "siteId", dose_level as "doseLevel", arm_id as "armId",
      enrolled_on as "enrolledOn", withdrawn_at as "withdrawnAt", dlt_count as "dltCount", pending_dlt_count as "pendingDltCount",
      pending_dlt_until as "pendingDltUntil", worst_grade as "worstGrade", term_worst as "termWorst", sae_count as "saeCount",
      open_queries as "openQueries"
    from participants where trial_id = ${trialId} and participant_id = ${participantId}`)
  return found ?? null
}

export async function readAdministrations (db: Queryable, trialId: string, participantId: string): Promise<Array<{ administeredAt: string }>> {
  return await selectRows(db, statement`select administered_at as "administeredAt" from administrations
    where trial_id = ${trialId} and participant_id = ${participantId}`)
}

/** The first administration of every participant on study at a dose level but one: the sentinel check's input. */
export async function readFirstAdministrations (
  db: Queryable, trialId: string, doseLevel: number, except: string
): Promise<Array<{ firstAdministrationAt: string | null }>> {
  return await selectRows(db, statement`select first_administration_at as "firstAdministrationAt" from participants
    where trial_id = ${trialId} and dose_level = ${doseLevel} and participant_id <> ${except} and status <> 'withdrawn'`)
}

/** Stores the DLT summary fields `summary` gives on the participant's row. */
export const updateParticipantSummary = (trialId: string, participantId: string, summary: Partial<typeof participants.$inferInsert>): Write =>
  updateRows(participants, summary, { trialId, participantId })

/** A participant as the status engine reads it: every field present, as stored. */
export type EngineParticipant = Required<ParticipantSummary> & StatusParticipant & { seq: number, backfill: boolean, openQueries: OpenQuery[] }

/**
 * The trial's participants as the status engine reads them, each with every
 * administration and the level given (dose modifications count where
 * exposure.ts says) and whether an override enrolled them.
 */
export async function readEngineParticipants (db: Queryable, trialId: string): Promise<EngineParticipant[]> {
  return await selectRows<EngineParticipant>(db, statement`select participant_id as "participantId", dose_level as "doseLevel", arm_id as "armId", status,
        withdrawn_at as "withdrawnAt", first_administration_at as "firstAdministrationAt", last_administration_at as "lastAdministrationAt",
        dlt_count as "dltCount", pending_dlt_count as "pendingDltCount", pending_dlt_until as "pendingDltUntil", seq,
        open_queries as "openQueries", jsonb_array_length(open_queries) as "needsInformationDltCount",
        override_reason is not null as override, backfill,
        coalesce((select jsonb_agg(jsonb_build_object('administeredAt', a.administered_at, 'doseLevel', a.dose_level) order by a.administered_at)
          from administrations a where a.trial_id = p.trial_id and a.participant_id = p.participant_id), '[]'::jsonb) as administrations
      from participants p where p.trial_id = ${trialId}`)
}
