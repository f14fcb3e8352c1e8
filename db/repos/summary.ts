import { sql, type SQL } from 'drizzle-orm'
import { adverseEventVersions as v, toxicityCounts as tc } from '../schema.js'
import { rows, type Db } from '../client.js'
import { insertRows } from '../statements.js'
import type { Write } from './writes.js'

export interface ToxicityRow { doseLevel: number, armId: string | null, soc: string, term: string, grade: number, participants: number }

export type GroupRow = { dose_level: number, arm_id: string | null }

/**
 * The trial's AEs as they stood at `asOf`, as (dose level, participant, SOC,
 * term, grade, serious): each AE's latest version written by then, nullified
 * ones left out.
 */
function liveAesAt (trialId: string, asOf: string): SQL {
  return sql`select (s->>'doseLevel')::int as dose_level, s->>'participantId' as participant_id, s->'ctcae'->>'soc' as soc,
      s->>'term' as term, (s->>'grade')::int as grade, (s->>'serious')::boolean as serious
    from (select distinct on (${v.aeId}) ${v.snapshot} as s from ${v}
          where ${v.trialId} = ${trialId} and ${v.changedAt} <= ${asOf} order by ${v.aeId}, ${v.version} desc) as latest
    where not coalesce((s->>'nullified')::boolean, false)`
}

/**
 * Worst grade per participant: now from the participants' maintained worst
 * grade (no AE scan); at a past instant from the AEs as they stood then.
 * Participants without an AE count at grade 0.
 */
function worstGrades (trialId: string, asOf: string | undefined): SQL {
  if (asOf === undefined) {
    return sql`select dose_level, arm_id, coalesce(worst_grade, 0) as grade, count(*)::int as participants
      from participants where trial_id = ${trialId} group by 1, 2, 3`
  }
  return sql`with live as (${liveAesAt(trialId, asOf)}),
      worst as (select participant_id, max(grade) as grade from live group by 1)
    select p.dose_level, p.arm_id, coalesce(w.grade, 0) as grade, count(*)::int as participants
    from participants p left join worst w on w.participant_id = p.participant_id
    where p.trial_id = ${trialId} and p.created_at <= ${asOf} group by 1, 2, 3`
}

/**
 * Participants per (dose level, arm, SOC, term, worst grade): now from the
 * toxicity counts every write keeps current; at a past instant aggregated from
 * the AEs as they stood then.
 */
function toxicityTable (trialId: string, asOf: string | undefined): SQL {
  if (asOf === undefined) {
    return sql`select ${tc.doseLevel} as dose_level, nullif(${tc.armKey}, '') as arm_id, ${tc.soc} as soc, ${tc.term} as term,
        ${tc.grade} as grade, ${tc.participants} as participants
      from ${tc} where ${tc.trialId} = ${trialId} and ${tc.participants} > 0 order by 1, 3, 4, 5`
  }
  return sql`with live as (${liveAesAt(trialId, asOf)}),
      worst as (select dose_level, participant_id, soc, term, max(grade) as grade from live group by 1, 2, 3, 4)
    select w.dose_level, p.arm_id, w.soc, w.term, w.grade, count(*)::int as participants
    from worst w join participants p on p.trial_id = ${trialId} and p.participant_id = w.participant_id
    group by 1, 2, 3, 4, 5 order by 1, 3, 4, 5`
}

/** Serious AEs per dose level and arm: now from the participants' counts, at a past instant from the AEs then. */
function seriousCounts (trialId: string, asOf: string | undefined): SQL {
  if (asOf === undefined) {
    return sql`select dose_level, arm_id, sum(sae_count)::int as saes from participants where trial_id = ${trialId} group by 1, 2`
  }
  return sql`with live as (${liveAesAt(trialId, asOf)})
    select l.dose_level, p.arm_id, count(*)::int as saes
    from live l join participants p on p.trial_id = ${trialId} and p.participant_id = l.participant_id
    where l.serious group by 1, 2`
}

export interface Tables {
  toxicity: ToxicityRow[]
  byWorstGrade: (GroupRow & { grade: number, participants: number })[]
  saes: (GroupRow & { saes: number })[]
}

/** The summary's tables now (asOf undefined) or as they stood at `asOf`. */
export async function readSummaryTables (db: Db, trialId: string, asOf: string | undefined): Promise<Tables> {
  const [toxicity, byWorstGrade, saes] = await Promise.all([
    db.execute(toxicityTable(trialId, asOf)),
    db.execute(worstGrades(trialId, asOf)),
    db.execute(seriousCounts(trialId, asOf))
  ])
  return {
    toxicity: rows<GroupRow & { soc: string, term: string, grade: number, participants: number }>(toxicity).map((r): ToxicityRow => ({
      doseLevel: Number(r.dose_level), armId: r.arm_id, soc: r.soc, term: r.term, grade: Number(r.grade), participants: Number(r.participants)
    })),
    byWorstGrade: rows<GroupRow & { grade: number, participants: number }>(byWorstGrade)
      .map((r) => ({ ...r, dose_level: Number(r.dose_level), grade: Number(r.grade), participants: Number(r.participants) })),
    saes: rows<GroupRow & { saes: number }>(saes).map((r) => ({ ...r, dose_level: Number(r.dose_level), saes: Number(r.saes) }))
  }
}

/** Moves participants between toxicity-table cells (the deltas of their worst grades per term). */
export const addToxicityCounts = (delta: Array<typeof tc.$inferInsert>): Write => insertRows(tc, delta,
  'on conflict (trial_id, dose_level, arm_key, meddra_code, grade) do update set participants = toxicity_counts.participants + excluded.participants')
