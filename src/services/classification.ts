import { and, eq, isNull } from 'drizzle-orm'
import { administrations, adverseEvents, participants } from '../../db/schema.js'
import type { Tx } from '../../db/client.js'
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

/**
 * Re-classifies every live AE of one participant and refreshes the
 * participant's DLT facts that the status engine reads. A participant's AEs
 * are classified together because a criterion may depend on another AE
 * (withConcurrent) or on the administrations (the window).
 */
export async function reclassifyParticipant (
  tx: Tx, trialId: string, participantId: string, protocol: Protocol, protocolVersion: number, asOf: string
): Promise<void> {
  const [admins, aes] = await Promise.all([
    tx.select({ administeredAt: administrations.administeredAt }).from(administrations)
      .where(and(eq(administrations.trialId, trialId), eq(administrations.participantId, participantId))),
    tx.select().from(adverseEvents)
      .where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.participantId, participantId), isNull(adverseEvents.nullifiedAt)))
  ])
  const facts = aes.map(aeFacts)
  let dltCount = 0
  let pendingCount = 0
  let pendingUntil: string | null = null
  for (const [i, row] of aes.entries()) {
    const result = classifyAe(protocol.dltDefinition, facts[i]!, {
      administrations: admins,
      otherAes: facts.filter((_, j) => j !== i),
      asOf
    })
    if (result.isDlt) dltCount++
    if (result.pending && !result.adjudicated) {
      pendingCount++
      if (result.pendingUntil !== null && (pendingUntil === null || result.pendingUntil < pendingUntil)) pendingUntil = result.pendingUntil
    }
    const changed = row.isDlt !== result.isDlt || row.dltComputed !== result.computed.isDlt || row.dltPending !== result.pending ||
      row.dltProtocolVersion !== protocolVersion || JSON.stringify(row.dltReasons) !== JSON.stringify(result.reasons)
    if (changed) {
      await tx.update(adverseEvents).set({
        isDlt: result.isDlt,
        dltComputed: result.computed.isDlt,
        dltPending: result.pending,
        dltPendingUntil: result.pendingUntil,
        dltReasons: result.reasons,
        dltProtocolVersion: protocolVersion
      }).where(and(eq(adverseEvents.trialId, trialId), eq(adverseEvents.aeId, row.aeId)))
    }
  }
  const worstGrade = aes.reduce<number | null>((w, a) => w === null || a.grade > w ? a.grade : w, null)
  await tx.update(participants).set({
    dltCount,
    pendingDltCount: pendingCount,
    pendingDltUntil: pendingUntil,
    worstGrade
  }).where(and(eq(participants.trialId, trialId), eq(participants.participantId, participantId)))
}
