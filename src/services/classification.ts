import { and, eq, isNull, sql } from 'drizzle-orm'
import { administrations, adverseEvents, participants, toxicityCounts } from '../../db/schema.js'
import type { Pipeline } from './pipeline.js'
import { classifyAe, type AeFacts } from '../domain/dlt.js'
import type { Protocol } from '../domain/protocol.js'
import type { Attribution } from '../domain/protocol.js'

type AeRow = typeof adverseEvents.$inferSelect

export const aeFacts = (row: AeRow): AeFacts => ({
  aeId: row.aeId,
  participantId: row.participantId,
  meddraCode: row.meddraCode,
  term: row.term,
  soc: row.soc,
  grade: row.grade,
  onsetDate: row.onsetDate,
  resolvedDate: row.resolvedDate,
  serious: row.serious,
  attribution: row.attribution as Attribution,
  clinicalSymptoms: row.clinicalSymptoms,
  requiredMedicalTreatment: row.requiredMedicalTreatment,
  adjudication: row.dltAdjudicated === null ? null : { isDlt: row.dltAdjudicated, reason: 'adjudicated' }
})

/** Worst grade per MedDRA code among live AEs. */
function termWorst (aes: AeRow[]): Record<string, number> {
  const worst: Record<string, number> = {}
  for (const ae of aes) worst[ae.meddraCode] = Math.max(worst[ae.meddraCode] ?? 0, ae.grade)
  return worst
}

/**
 * Re-classifies every live AE of one participant and refreshes what is kept
 * current from them: the participant's DLT facts (read by the status engine)
 * and the trial's toxicity counts (read by summaries), so that neither read
 * scans the trial's AEs. A participant's AEs are classified together because
 * a criterion may depend on another AE (withConcurrent) or on the
 * administrations (the window). Returns the live AEs as now classified; the
 * writes are deferred on the pipeline, seen by every statement issued later.
 */
export async function reclassifyParticipant (
  { tx, defer }: Pipeline, trialId: string, participantId: string, protocol: Protocol, protocolVersion: number, asOf: string
): Promise<Map<string, AeRow>> {
  const ofParticipant = <T extends typeof administrations | typeof adverseEvents | typeof participants>(table: T) =>
    and(eq(table.trialId, trialId), eq(table.participantId, participantId))
  const [admins, aes, [person]] = await Promise.all([
    tx.select({ administeredAt: administrations.administeredAt }).from(administrations).where(ofParticipant(administrations)).execute(),
    tx.select().from(adverseEvents).where(and(ofParticipant(adverseEvents), isNull(adverseEvents.nullifiedAt))).execute(),
    tx.select({ doseLevel: participants.doseLevel, armId: participants.armId, termWorst: participants.termWorst })
      .from(participants).where(ofParticipant(participants)).execute()
  ])
  if (person === undefined) throw new Error(`participant ${participantId} of ${trialId} is missing`)
  // classifyAe skips the AE itself among otherAes.
  const facts = aes.map(aeFacts)
  let dltCount = 0
  let pendingCount = 0
  let pendingUntil: string | null = null
  const classified = new Map<string, AeRow>()
  for (const [i, row] of aes.entries()) {
    const result = classifyAe(protocol.dltDefinition, facts[i]!, { administrations: admins, otherAes: facts, asOf })
    if (result.isDlt) dltCount++
    if (result.pending && !result.adjudicated) {
      pendingCount++
      if (result.pendingUntil !== null && (pendingUntil === null || result.pendingUntil < pendingUntil)) pendingUntil = result.pendingUntil
    }
    const changed = row.isDlt !== result.isDlt || row.dltComputed !== result.computed.isDlt || row.dltPending !== result.pending ||
      row.dltProtocolVersion !== protocolVersion || JSON.stringify(row.dltReasons) !== JSON.stringify(result.reasons)
    const dlt = {
      isDlt: result.isDlt,
      dltComputed: result.computed.isDlt,
      dltPending: result.pending,
      dltPendingUntil: result.pendingUntil,
      dltReasons: result.reasons,
      dltProtocolVersion: protocolVersion
    }
    if (changed) defer(tx.update(adverseEvents).set(dlt).where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, row.aeId))).execute())
    classified.set(row.aeId, { ...row, ...dlt })
  }

  const worst = termWorst(aes)
  const delta = toxicityDelta(trialId, { doseLevel: person.doseLevel, armKey: person.armId ?? '' }, person.termWorst, worst, aes)
  if (delta.length > 0) {
    defer(tx.insert(toxicityCounts).values(delta).onConflictDoUpdate({
      target: [toxicityCounts.trialId, toxicityCounts.doseLevel, toxicityCounts.armKey, toxicityCounts.meddraCode, toxicityCounts.grade],
      set: { participants: sql`${toxicityCounts.participants} + excluded.participants` }
    }).execute())
  }
  defer(tx.update(participants).set({
    dltCount,
    pendingDltCount: pendingCount,
    pendingDltUntil: pendingUntil,
    worstGrade: aes.length === 0 ? null : Math.max(...aes.map((a) => a.grade)),
    termWorst: worst,
    saeCount: aes.filter((a) => a.serious).length
  }).where(ofParticipant(participants)).execute())
  return classified
}

/** The cell moves of the toxicity table for every term whose worst grade for the participant changed. */
function toxicityDelta (
  trialId: string, group: { doseLevel: number, armKey: string },
  before: Record<string, number>, after: Record<string, number>, aes: AeRow[]
): (typeof toxicityCounts.$inferInsert)[] {
  const names = new Map(aes.map((a) => [a.meddraCode, { soc: a.soc, term: a.term }]))
  const deltas: (typeof toxicityCounts.$inferInsert)[] = []
  for (const code of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[code]
    const now = after[code]
    if (was === now) continue
    // A term that left the participant's live AEs keeps its name in the cell it leaves.
    const name = names.get(code) ?? { soc: '', term: '' }
    if (was !== undefined) deltas.push({ trialId, ...group, meddraCode: code, grade: was, ...name, participants: -1 })
    if (now !== undefined) deltas.push({ trialId, ...group, meddraCode: code, grade: now, ...name, participants: 1 })
  }
  return deltas
}
