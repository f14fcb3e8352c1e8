import { and, desc, eq, lte, sql, type SQL } from 'drizzle-orm'
import { adverseEventVersions as v, auditLog, decisions, toxicityCounts as tc, trials } from '../../db/schema.js'
import { rows, type Db } from '../../db/client.js'
import type { TrialStatus } from '../domain/status.js'
import { notFound } from '../http/problem.js'
import { currentStatus } from './status.js'

export interface ToxicityRow { doseLevel: number, armId: string | null, soc: string, term: string, grade: number, participants: number }

type GroupRow = { dose_level: number, arm_id: string | null }

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

/** The status now (DLT windows closed by time included). */
async function statusNow (db: Db, trialId: string): Promise<{ protocolVersion: number, status: Pick<TrialStatus, 'doseLevels'> }> {
  const current = await currentStatus(db, trialId)
  if (current === null) throw notFound('Trial')
  return { protocolVersion: current.protocolVersion, status: current }
}

/** The status as it stood at `asOf`: the latest decision taken by then. */
async function statusAsOf (db: Db, trialId: string, asOf: string): Promise<{ protocolVersion: number, status: Pick<TrialStatus, 'doseLevels'> }> {
  const [trial] = await db.select({ trialId: trials.trialId }).from(trials).where(eq(trials.trialId, trialId))
  if (trial === undefined) throw notFound('Trial')
  const [decision] = await db.select({ snapshot: decisions.snapshot, protocolVersion: decisions.protocolVersion }).from(decisions)
    .where(and(eq(decisions.trialId, trialId), lte(decisions.at, asOf))).orderBy(desc(decisions.at)).limit(1)
  if (decision === undefined) throw notFound('Trial status at that instant')
  return { protocolVersion: decision.protocolVersion, status: (decision.snapshot as { status: TrialStatus }).status }
}

/**
 * The safety monitor's toxicity tables: group counts from the status engine
 * (or the decision in force at `asOf`), participants by worst grade, and AE
 * counts by SOC, term and grade with each participant counted once per term at
 * their worst grade (the standard toxicity table).
 */
export async function trialSummary (db: Db, trialId: string, asOf?: string) {
  const { protocolVersion, status } = asOf === undefined ? await statusNow(db, trialId) : await statusAsOf(db, trialId, asOf)
  const { toxicity, byWorstGrade, saes } = asOf === undefined ? await currentTables(db, trialId) : await tablesAt(db, trialId, asOf)

  const groups = status.doseLevels.map((g) => {
    const mine = (r: GroupRow) => g.armId !== undefined ? r.arm_id === g.armId : Number(r.dose_level) === g.doseLevel
    const worst: Record<string, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }
    for (const r of byWorstGrade.filter(mine)) worst[String(r.grade)] = (worst[String(r.grade)] ?? 0) + Number(r.participants)
    return {
      doseLevel: g.doseLevel,
      ...(g.armId !== undefined ? { armId: g.armId } : {}),
      enrolled: g.enrolled,
      evaluable: g.evaluable,
      pending: g.pending,
      dlts: g.dlts,
      dltRate: g.dltRate,
      ci95: g.ci95,
      participantsByWorstGrade: worst,
      saes: saes.filter(mine).reduce((n, r) => n + Number(r.saes), 0)
    }
  })
  return {
    trialId,
    asOf: asOf ?? new Date().toISOString(),
    protocolVersion,
    groups,
    toxicity
  }
}

interface Tables {
  toxicity: ToxicityRow[]
  byWorstGrade: (GroupRow & { grade: number, participants: number })[]
  saes: (GroupRow & { saes: number })[]
}

async function tablesAt (db: Db, trialId: string, asOf: string | undefined): Promise<Tables> {
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

// Today's tables change only with a clinical write, and every clinical write
// extends the trial's audit chain: the chain's length is their version. Any
// instance answers from its cache while the chain has not grown.
const cache = new Map<string, { auditSeq: number, tables: Tables }>()
const CACHE_LIMIT = 200
const preparedHeads = new WeakMap<Db, ReturnType<typeof auditSeqQuery>>()
const auditSeqQuery = (db: Db) => db.select({ seq: auditLog.seq }).from(auditLog)
  .where(eq(auditLog.trialId, sql.placeholder('trialId'))).orderBy(desc(auditLog.seq)).limit(1).prepare('audit_seq')

async function currentTables (db: Db, trialId: string): Promise<Tables> {
  let head = preparedHeads.get(db)
  if (head === undefined) preparedHeads.set(db, head = auditSeqQuery(db))
  const auditSeq = (await head.execute({ trialId }))[0]?.seq ?? 0
  const hit = cache.get(trialId)
  if (hit?.auditSeq === auditSeq) return hit.tables
  const tables = await tablesAt(db, trialId, undefined)
  cache.delete(trialId)
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
  cache.set(trialId, { auditSeq, tables })
  return tables
}
