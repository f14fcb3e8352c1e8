import { participants } from '../schema.js'
import type { Queryable } from '../client.js'
import { constantText, listOf, selectRows, statement, updateRows } from '../statements.js'
import type { DltSummary } from '../../src/domain/dlt.js'
import type { ParticipantSummary } from '../../src/domain/evaluability.js'
import type { OpenQuery } from '../../src/domain/status.js'
import type { Write } from './writes.js'

/** A participant as the AE write path needs it: its site, dose, dates and DLT summary, whatever its site (the caller checks scope). */
export type ParticipantState = DltSummary & {
  siteId: string
  doseLevel: number
  armId: string | null
  enrolledOn: string
  withdrawnAt: string | null
  treatmentEndedAt: string | null
  /** the site's IANA time zone */
  timeZone: string
  /** when the latest DLT assessment was recorded; null when none was */
  dltAssessedAt: string | null
}

const STATE_COLUMNS = constantText(`p.site_id as "siteId", p.dose_level as "doseLevel", p.arm_id as "armId",
      p.enrolled_on as "enrolledOn", p.withdrawn_at as "withdrawnAt", p.treatment_ended_at as "treatmentEndedAt", s.time_zone as "timeZone",
      (select max(d.recorded_at) from dlt_assessments d where d.trial_id = p.trial_id and d.participant_id = p.participant_id) as "dltAssessedAt",
      p.dlt_count as "dltCount", p.pending_dlt_count as "pendingDltCount",
      p.pending_dlt_until as "pendingDltUntil", p.worst_grade as "worstGrade", p.term_worst as "termWorst", p.sae_count as "saeCount",
      p.open_queries as "openQueries"`)

export async function readParticipantStateAnySite (db: Queryable, trialId: string, participantId: string): Promise<ParticipantState | null> {
  const [found] = await selectRows<ParticipantState>(db, statement`select ${STATE_COLUMNS}
    from participants p join trial_sites s on s.trial_id = p.trial_id and s.site_id = p.site_id
    where p.trial_id = ${trialId} and p.participant_id = ${participantId}`)
  return found ?? null
}

/** readParticipantStateAnySite for several participants in one statement, by id (absent ids are not in the map). */
export async function readParticipantStates (db: Queryable, trialId: string, participantIds: readonly string[]): Promise<Map<string, ParticipantState>> {
  const found = await selectRows<ParticipantState & { participantId: string }>(db, statement`select p.participant_id as "participantId", ${STATE_COLUMNS}
    from participants p join trial_sites s on s.trial_id = p.trial_id and s.site_id = p.site_id
    where p.trial_id = ${trialId} and p.participant_id in (${listOf(participantIds)})`)
  return new Map(found.map(({ participantId, ...state }) => [participantId, state]))
}

export async function readAdministrations (db: Queryable, trialId: string, participantId: string): Promise<Array<{ administeredAt: string }>> {
  return await selectRows(db, statement`select administered_at as "administeredAt" from administrations
    where trial_id = ${trialId} and participant_id = ${participantId}`)
}

/** readAdministrations for several participants in one statement: every id in the map, with none for the undosed. */
export async function readAdministrationsOf (
  db: Queryable, trialId: string, participantIds: readonly string[]
): Promise<Map<string, Array<{ administeredAt: string }>>> {
  const found = await selectRows<{ participantId: string, administeredAt: string }>(db, statement`select participant_id as "participantId",
    administered_at as "administeredAt" from administrations where trial_id = ${trialId} and participant_id in (${listOf(participantIds)})`)
  const byParticipant = new Map(participantIds.map((id) => [id, [] as Array<{ administeredAt: string }>]))
  for (const { participantId, administeredAt } of found) byParticipant.get(participantId)?.push({ administeredAt })
  return byParticipant
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

/**
 * A participant as the status engine reads it: every stored field present, as
 * stored (the schedule comes from the protocol, not from the row).
 */
export type EngineParticipant = Required<Omit<ParticipantSummary, 'schedule'>> &
  { siteId: string, seq: number, override: boolean, backfill: boolean, openQueries: OpenQuery[] }

// Each participant with their site's time zone, every administration (few per
// participant, read by index), and their latest DLT assessment with the onset
// dates of the live AEs entered after it: one statement for the whole trial.
const ENGINE_SELECT = constantText(`select p.participant_id as "participantId", p.site_id as "siteId", p.dose_level as "doseLevel",
        p.arm_id as "armId", p.status, p.withdrawn_at as "withdrawnAt", p.treatment_ended_at as "treatmentEndedAt",
        p.first_administration_at as "firstAdministrationAt", p.last_administration_at as "lastAdministrationAt",
        p.dlt_count as "dltCount", p.pending_dlt_count as "pendingDltCount", p.pending_dlt_until as "pendingDltUntil",
        p.open_queries as "openQueries", jsonb_array_length(p.open_queries) as "needsInformationDltCount",
        p.override_reason is not null as override, p.backfill, p.seq, s.time_zone as "timeZone",
        coalesce((select json_agg(json_build_object('administeredAt', a.administered_at, 'doseLevel', a.dose_level) order by a.administered_at)
          from administrations a where a.trial_id = p.trial_id and a.participant_id = p.participant_id), '[]'::json) as administrations,
        (select json_build_object('recordedAt', d.recorded_at, 'laterAeOnsets', coalesce((select json_agg(e.onset_date) from adverse_events e
            where e.trial_id = d.trial_id and e.participant_id = d.participant_id and e.created_at > d.recorded_at and e.nullified_at is null), '[]'::json))
          from dlt_assessments d where d.trial_id = p.trial_id and d.participant_id = p.participant_id
          order by d.recorded_at desc, d.assessment_id desc limit 1) as "dltAssessment"
      from participants p join trial_sites s on s.trial_id = p.trial_id and s.site_id = p.site_id`)

/**
 * The trial's participants as the status engine reads them, each with every
 * administration and the level given (dose modifications count where
 * exposure.ts says) and whether an override enrolled them.
 */
export async function readEngineParticipants (db: Queryable, trialId: string): Promise<EngineParticipant[]> {
  return await selectRows<EngineParticipant>(db, statement`${ENGINE_SELECT} where p.trial_id = ${trialId}`)
}

/** One participant as the status engine reads them, whatever their site (the caller checks scope). */
export async function readEngineParticipant (db: Queryable, trialId: string, participantId: string): Promise<EngineParticipant | null> {
  const [found] = await selectRows<EngineParticipant>(db, statement`${ENGINE_SELECT} where p.trial_id = ${trialId} and p.participant_id = ${participantId}`)
  return found ?? null
}
