import { and, count, eq, isNull, max, sql } from 'drizzle-orm'
import { adverseEvents, participants } from '../../db/schema.js'
import type { Db } from '../../db/client.js'
import { currentStatus } from './status.js'

export interface ToxicityRow { doseLevel: number, armId: string | null, soc: string, term: string, grade: number, participants: number }

/**
 * The safety monitor's toxicity tables for the current state of a trial:
 * group counts from the status engine, participants by worst grade from the
 * participants' maintained worst grade, and AE counts by SOC, term and grade
 * with each participant counted once per term at their worst grade (the
 * standard toxicity table), from one grouped query.
 */
export async function trialSummary (db: Db, trialId: string) {
  const status = await currentStatus(db, trialId)
  if (status === null) return null

  const worstPerTerm = db.select({
    doseLevel: adverseEvents.doseLevel,
    participantId: adverseEvents.participantId,
    soc: adverseEvents.soc,
    term: adverseEvents.term,
    worst: max(adverseEvents.grade).as('worst')
  }).from(adverseEvents)
    .where(and(eq(adverseEvents.trialId, trialId), isNull(adverseEvents.nullifiedAt)))
    .groupBy(adverseEvents.doseLevel, adverseEvents.participantId, adverseEvents.soc, adverseEvents.term)
    .as('worst_per_term')

  const [toxicity, byWorstGrade, saes] = await Promise.all([
    db.select({
      doseLevel: worstPerTerm.doseLevel,
      armId: participants.armId,
      soc: worstPerTerm.soc,
      term: worstPerTerm.term,
      grade: worstPerTerm.worst,
      participants: count()
    }).from(worstPerTerm)
      .innerJoin(participants, and(eq(participants.trialId, trialId), eq(participants.participantId, worstPerTerm.participantId)))
      .groupBy(worstPerTerm.doseLevel, participants.armId, worstPerTerm.soc, worstPerTerm.term, worstPerTerm.worst)
      .orderBy(worstPerTerm.doseLevel, worstPerTerm.soc, worstPerTerm.term, worstPerTerm.worst),
    db.select({
      doseLevel: participants.doseLevel,
      armId: participants.armId,
      grade: sql<number>`coalesce(${participants.worstGrade}, 0)`.mapWith(Number),
      participants: count()
    }).from(participants).where(eq(participants.trialId, trialId))
      .groupBy(participants.doseLevel, participants.armId, sql`coalesce(${participants.worstGrade}, 0)`),
    db.select({ doseLevel: adverseEvents.doseLevel, armId: participants.armId, saes: count() }).from(adverseEvents)
      .innerJoin(participants, and(eq(participants.trialId, trialId), eq(participants.participantId, adverseEvents.participantId)))
      .where(and(eq(adverseEvents.trialId, trialId), isNull(adverseEvents.nullifiedAt), eq(adverseEvents.serious, true)))
      .groupBy(adverseEvents.doseLevel, participants.armId)
  ])

  const groups = status.doseLevels.map((g) => {
    const mine = (r: { doseLevel: number, armId: string | null }) => g.armId !== undefined ? r.armId === g.armId : r.doseLevel === g.doseLevel
    const worst: Record<string, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }
    for (const r of byWorstGrade.filter(mine)) worst[String(r.grade)] = (worst[String(r.grade)] ?? 0) + r.participants
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
      saes: saes.filter(mine).reduce((n, r) => n + r.saes, 0)
    }
  })
  return {
    trialId,
    asOf: status.asOf,
    protocolVersion: status.protocolVersion,
    groups,
    toxicity: toxicity.map((r): ToxicityRow => ({ ...r, grade: Number(r.grade) }))
  }
}
