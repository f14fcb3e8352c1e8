// DLT evaluability of participants and the per-dose-level (or per-arm) counts
// the designs, stopping rules and the status view work from.
//
// The DLT window of a participant starts on the UTC day of the first
// administration ('first_administration') or of the last administration
// ('each_administration') and covers that day plus windowDays days, the same
// inclusive days dlt.ts counts AE onsets in. It therefore ends (`windowEnd`)
// at 00:00 UTC of day start + windowDays + 1: the first instant at which no
// AE onset can still fall in the window.
//
// A participant is
// - evaluable once they had a DLT (even if withdrawn afterwards), or when the
//   window ended without one (for a withdrawn participant: before withdrawal);
// - pending while an AE's DLT status is pending, or while enrolled with the
//   window not yet ended (or no administration yet);
// - not_evaluable (replaceable) when withdrawn or completed before the window
//   ended without a DLT; a withdrawal without a recorded time counts as before
//   the window end, the cautious reading for escalation.
import type { DltDefinition } from './protocol.js'
import { clopperPearson } from './stats.js'

export interface ParticipantSummary {
  participantId: string
  doseLevel: number
  armId?: string | null
  status: 'enrolled' | 'withdrawn' | 'completed'
  withdrawnAt?: string | null
  firstAdministrationAt: string | null
  lastAdministrationAt: string | null
  /** AEs classified (or adjudicated) as DLT */
  dltCount: number
  /** AEs whose DLT status is pending */
  pendingDltCount: number
  /** earliest `pendingUntil` of the participant's pending AEs (dlt.ts), if any */
  pendingDltUntil?: string | null
}

export type EvaluabilityStatus = 'evaluable' | 'pending' | 'not_evaluable'

export interface ParticipantEvaluability {
  participantId: string
  doseLevel: number
  armId?: string
  status: EvaluabilityStatus
  hadDlt: boolean
  windowEnd: string | null
}

/**
 * The counts of one dose level (or arm): the one declaration the designs, the
 * stopping rules and the status view take the parts they need from.
 */
export interface GroupCounts {
  doseLevel: number
  armId?: string
  /** participants not replaceable: evaluable + pending (designs' `enrolled`) */
  enrolled: number
  /** DLT-evaluable participants: had a DLT, or completed the DLT window without one */
  evaluable: number
  /** enrolled, window still open, no DLT yet */
  pending: number
  /** withdrawn before the window ended without a DLT: to be replaced */
  notEvaluable: number
  /** evaluable participants with at least one DLT */
  dlts: number
  /** dlts / evaluable; null while nobody is evaluable */
  dltRate: number | null
  /** exact (Clopper-Pearson) 95% interval of the DLT rate; [0, 1] while nobody is evaluable */
  ci95: [number, number]
}

export type WindowDefinition = Pick<DltDefinition, 'windowDays' | 'windowStart'>

const DAY_MS = 86_400_000

export function windowEnd (p: ParticipantSummary, def: WindowDefinition): string | null {
  const start = def.windowStart === 'first_administration' ? p.firstAdministrationAt : p.lastAdministrationAt
  if (start === null) return null
  const day = Math.floor(Date.parse(start) / DAY_MS)
  return new Date((day + def.windowDays + 1) * DAY_MS).toISOString()
}

function statusOf (p: ParticipantSummary, end: string | null, asOf: string): EvaluabilityStatus {
  if (p.dltCount > 0) return 'evaluable'
  if (p.pendingDltCount > 0) return 'pending'
  if (p.status === 'withdrawn') {
    return end !== null && p.withdrawnAt != null && Date.parse(p.withdrawnAt) >= Date.parse(end) ? 'evaluable' : 'not_evaluable'
  }
  if (end === null) return p.status === 'completed' ? 'not_evaluable' : 'pending'
  if (Date.parse(asOf) >= Date.parse(end)) return 'evaluable'
  return p.status === 'completed' ? 'not_evaluable' : 'pending'
}

export function evaluateParticipant (p: ParticipantSummary, def: WindowDefinition, asOf: string): ParticipantEvaluability {
  const end = windowEnd(p, def)
  return {
    participantId: p.participantId,
    doseLevel: p.doseLevel,
    ...(p.armId != null ? { armId: p.armId } : {}),
    status: statusOf(p, end, asOf),
    hadDlt: p.dltCount > 0,
    windowEnd: end
  }
}

function count (doseLevel: number, members: ParticipantEvaluability[], armId?: string): GroupCounts {
  const evaluable = members.filter((m) => m.status === 'evaluable').length
  const pending = members.filter((m) => m.status === 'pending').length
  const dlts = members.filter((m) => m.hadDlt).length
  return {
    doseLevel,
    ...(armId !== undefined ? { armId } : {}),
    enrolled: evaluable + pending,
    evaluable,
    pending,
    notEvaluable: members.length - evaluable - pending,
    dlts,
    dltRate: evaluable === 0 ? null : dlts / evaluable,
    ci95: evaluable === 0 ? [0, 1] : clopperPearson(dlts, evaluable)
  }
}

/** one row per listed level, in the order given, empty levels included */
export function countByDoseLevel (evaluations: ParticipantEvaluability[], doseLevels: number[]): GroupCounts[] {
  return doseLevels.map((level) => count(level, evaluations.filter((e) => e.doseLevel === level)))
}

/** one row per arm, in the order given */
export function countByArm (evaluations: ParticipantEvaluability[], arms: { armId: string, doseLevel: number }[]): GroupCounts[] {
  return arms.map((a) => count(a.doseLevel, evaluations.filter((e) => e.armId === a.armId), a.armId))
}

/**
 * The earliest instant after asOf at which time alone changes someone's
 * status: a pending participant's window ends, or a pending AE settles.
 * `evaluations` are the participants' at asOf, in the same order, where the
 * caller has them already.
 */
export function nextWindowCloseAt (
  participants: ParticipantSummary[], def: WindowDefinition, asOf: string,
  evaluations: ParticipantEvaluability[] = participants.map((p) => evaluateParticipant(p, def, asOf))
): string | null {
  const now = Date.parse(asOf)
  const times = participants.flatMap((p, i) => {
    const e = evaluations[i]!
    if (e.status !== 'pending') return []
    if (p.pendingDltCount > 0) return p.pendingDltUntil != null ? [Date.parse(p.pendingDltUntil)] : []
    return e.windowEnd !== null ? [Date.parse(e.windowEnd)] : []
  }).filter((t) => t > now)
  return times.length === 0 ? null : new Date(Math.min(...times)).toISOString()
}
