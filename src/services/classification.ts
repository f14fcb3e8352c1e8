import { sql } from 'drizzle-orm'
import { adverseEvents, participants, toxicityCounts } from '../../db/schema.js'
import { rows } from '../../db/client.js'
import { assignments, columnsOf, insertRows } from '../../db/statements.js'
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
  const [admins, aes, [person]] = await Promise.all([
    tx.execute(sql`select administered_at as "administeredAt" from administrations
      where trial_id = ${trialId} and participant_id = ${participantId}`).execute().then((r) => rows<{ administeredAt: string }>(r)),
    tx.execute(sql`select ${columnsOf(adverseEvents)} from adverse_events
      where trial_id = ${trialId} and participant_id = ${participantId} and nullified_at is null`).execute().then((r) => rows<AeRow>(r)),
    tx.execute(sql`select dose_level as "doseLevel", arm_id as "armId", term_worst as "termWorst" from participants
      where trial_id = ${trialId} and participant_id = ${participantId}`).execute()
      .then((r) => rows<{ doseLevel: number, armId: string | null, termWorst: Record<string, number> }>(r))
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
    if (changed) {
      defer(tx.execute(sql`update adverse_events set ${assignments(adverseEvents, dlt)} where trial_id = ${trialId} and ae_id = ${row.aeId}`).execute())
    }
    classified.set(row.aeId, { ...row, ...dlt })
  }

  const worst = termWorst(aes)
  const delta = toxicityDelta(trialId, { doseLevel: person.doseLevel, armKey: person.armId ?? '' }, person.termWorst, worst, aes)
  if (delta.length > 0) {
    defer(tx.execute(sql`${insertRows(toxicityCounts, delta)}
      on conflict (trial_id, dose_level, arm_key, meddra_code, grade) do update set participants = toxicity_counts.participants + excluded.participants`).execute())
  }
  const summary = {
    dltCount,
    pendingDltCount: pendingCount,
    pendingDltUntil: pendingUntil,
    worstGrade: aes.length === 0 ? null : Math.max(...aes.map((a) => a.grade)),
    termWorst: worst,
    saeCount: aes.filter((a) => a.serious).length
  }
  defer(tx.execute(sql`update participants set ${assignments(participants, summary)} where trial_id = ${trialId} and participant_id = ${participantId}`).execute())
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
