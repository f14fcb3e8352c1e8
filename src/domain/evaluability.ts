// DLT evaluability of participants and the per-dose-level (or per-arm) counts
// the designs, stopping rules and the status view work from.
//
// The DLT window of a participant starts on the site's calendar day (UTC
// unless the site says otherwise) of the first administration
// ('first_administration') or of the last administration
// ('each_administration') and covers that day plus windowDays days, the same
// inclusive days dlt.ts counts AE onsets in; 'course' runs to windowDays after
// the last administration of the planned DLT period (schedule.ts). When the
// definition has an escalationWindow, that window (from the first
// administration) is the one that gates evaluability. The window ends
// (`windowEnd`) at the start of the local day after its last day: the first
// instant at which no AE onset can still fall in it.
//
// A participant is
// - evaluable once they had a DLT (even if withdrawn afterwards, whatever the
//   exposure), or when the window ended without one (for a withdrawn
//   participant: before withdrawal), the minimum exposure was received and,
//   where required, the site confirmed the DLT assessment after the window;
// - pending while an AE's DLT status is pending or needs information, while
//   enrolled with the window not yet ended (or no administration yet), while
//   the minimum exposure can still be reached but is not, or while the DLT
//   assessment is awaited (`waitingFor` says which of the last three);
// - not_evaluable (replaceable) when withdrawn or completed before the window
//   ended without a DLT, or when the minimum exposure can no longer be
//   reached; a withdrawal without a recorded time counts as before the window
//   end, the cautious reading for escalation.
// Ending treatment is not withdrawal: the participant stays in follow-up and
// the window runs on; only the administrations they can still receive change.
import type { Administered } from './exposure.js'
import type { DltDefinition, Schedule } from './protocol.js'
import { courseLastDay, participantSchedule, type Exposure, type ParticipantSchedule } from './schedule.js'
import { addDays, localDate, startOfLocalDay } from './site-calendar.js'
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
  /** AEs whose DLT status is pending, those needing information included */
  pendingDltCount: number
  /** earliest `pendingUntil` of the participant's pending AEs (dlt.ts), if any */
  pendingDltUntil?: string | null
  /** of pendingDltCount, the AEs whose verdict is 'needs_information' */
  needsInformationDltCount?: number
  /** the site's IANA time zone ['UTC'] */
  timeZone?: string
  /** every administration, with the level given: needed for 'course' windows, minExposure and dose modifications [first and last administration] */
  administrations?: readonly Administered[]
  /** the group's planned schedule (schedule.ts scheduleFor) */
  schedule?: Schedule
  treatmentEndedAt?: string | null
  /** the latest DLT assessment, with the onset dates of the AEs recorded after it */
  dltAssessment?: { recordedAt: string, laterAeOnsets: readonly string[] } | null
}

export type EvaluabilityStatus = 'evaluable' | 'pending' | 'not_evaluable'
export type PendingFor = 'needs_information' | 'exposure' | 'dlt_assessment'

export interface ParticipantEvaluability {
  participantId: string
  doseLevel: number
  armId?: string
  status: EvaluabilityStatus
  hadDlt: boolean
  windowEnd: string | null
  /** pending for a reason other than elapsing time or a pending AE */
  waitingFor?: PendingFor
  /** DLT-period exposure, where minExposure or a schedule applies */
  exposure?: Exposure
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

export type WindowDefinition = Pick<DltDefinition, 'windowDays' | 'windowStart'> &
  Partial<Pick<DltDefinition, 'minExposure' | 'requireAssessment' | 'escalationWindow'>>

const given = (p: ParticipantSummary): readonly string[] =>
  p.administrations?.map((a) => a.administeredAt) ?? [p.firstAdministrationAt, p.lastAdministrationAt].filter((a) => a !== null)

function scheduleOf (p: ParticipantSummary, asOf: string): ParticipantSchedule | null {
  if (p.schedule === undefined) return null
  return participantSchedule(p.schedule, {
    administrations: given(p), treatmentEndedAt: p.treatmentEndedAt, withdrawnAt: p.withdrawnAt, timeZone: p.timeZone, asOf
  })
}

/** the last local day of the window that gates evaluability; null before the first administration */
function lastDay (p: ParticipantSummary, def: WindowDefinition, ps: ParticipantSchedule | null): string | null {
  const tz = p.timeZone ?? 'UTC'
  if (p.firstAdministrationAt === null) return null
  if (def.escalationWindow !== undefined) return addDays(localDate(p.firstAdministrationAt, tz), def.escalationWindow.days)
  if (def.windowStart === 'course') {
    if (ps === null) throw new Error("windowStart 'course' needs the participant's schedule")
    return courseLastDay(ps, def.windowDays)
  }
  const start = def.windowStart === 'first_administration' ? p.firstAdministrationAt : p.lastAdministrationAt!
  return addDays(localDate(start, tz), def.windowDays)
}

// A definition without a schedule can count administrations only in the
// window itself: they are all received once it ended or treatment stopped.
function exposureOf (p: ParticipantSummary, def: WindowDefinition, ps: ParticipantSchedule | null, last: string | null, asOf: string): Exposure | undefined {
  if (ps !== null) return ps.exposure
  if (def.minExposure === undefined) return undefined
  if (!('administrations' in def.minExposure)) throw new Error('minExposure.fraction needs the participant\'s schedule')
  const tz = p.timeZone ?? 'UTC'
  const received = last === null ? 0 : given(p).filter((a) => localDate(a, tz) <= last).length
  const open = p.status === 'enrolled' && p.treatmentEndedAt == null && (last === null || localDate(asOf, tz) <= last)
  return { planned: def.minExposure.administrations, received, reachable: open ? Infinity : received }
}

function requiredExposure (def: WindowDefinition, e: Exposure): number {
  const m = def.minExposure!
  return 'administrations' in m ? m.administrations : Math.ceil(m.fraction * e.planned - 1e-9)
}

interface Assessment { evaluation: ParticipantEvaluability, changesAt: number | null }

function assess (p: ParticipantSummary, def: WindowDefinition, asOf: string): Assessment {
  const tz = p.timeZone ?? 'UTC'
  const ps = scheduleOf(p, asOf)
  const last = lastDay(p, def, ps)
  const end = last === null ? null : startOfLocalDay(addDays(last, 1), tz)
  const exposure = exposureOf(p, def, ps, last, asOf)
  const base = {
    participantId: p.participantId,
    doseLevel: p.doseLevel,
    ...(p.armId != null ? { armId: p.armId } : {}),
    hadDlt: p.dltCount > 0,
    windowEnd: end
  }
  const now = Date.parse(asOf)
  const at = (status: EvaluabilityStatus, waitingFor?: PendingFor, changesAt: number | null = null): Assessment => ({
    evaluation: { ...base, status, ...(waitingFor !== undefined ? { waitingFor } : {}), ...(exposure !== undefined ? { exposure } : {}) },
    changesAt
  })
  const endMs = end === null ? null : Date.parse(end)
  if (p.dltCount > 0) return at('evaluable')
  if (p.pendingDltCount > 0) {
    const until = p.pendingDltUntil == null ? null : Date.parse(p.pendingDltUntil)
    return at('pending', (p.needsInformationDltCount ?? 0) > 0 ? 'needs_information' : undefined, until)
  }
  const needed = def.minExposure !== undefined && exposure !== undefined ? requiredExposure(def, exposure) : 0
  if (exposure !== undefined && exposure.reachable < needed) return at('not_evaluable')
  // the window ran its course while the participant was observed
  const observed = endMs !== null && (p.status === 'withdrawn'
    ? p.withdrawnAt != null && Date.parse(p.withdrawnAt) >= endMs
    : now >= endMs)
  if (!observed) {
    if (p.status !== 'enrolled') return at('not_evaluable')
    return at('pending', undefined, earliest([endMs, nextMiss(ps, tz)]))
  }
  if (exposure !== undefined && exposure.received < needed) return at('pending', 'exposure', nextMiss(ps, tz))
  if (def.requireAssessment === true && !confirmed(p, endMs!, last!)) return at('pending', 'dlt_assessment')
  return at('evaluable')
}

const earliest = (xs: (number | null)[]): number | null => {
  const ts = xs.filter((x) => x !== null)
  return ts.length === 0 ? null : Math.min(...ts)
}

/** when the next DLT-period administration still awaited stops being possible */
function nextMiss (ps: ParticipantSchedule | null, tz: string): number | null {
  const open = ps?.administrations.find((a) => a.inDltPeriod && (a.status === 'due' || a.status === 'upcoming'))
  return open === undefined ? null : Date.parse(startOfLocalDay(addDays(open.latestDate, 1), tz))
}

// Recorded after the window ended, and not undone by an AE with onset in the
// window recorded after it.
function confirmed (p: ParticipantSummary, endMs: number, last: string): boolean {
  const a = p.dltAssessment
  return a != null && Date.parse(a.recordedAt) >= endMs && !a.laterAeOnsets.some((onset) => onset <= last)
}

/** without asOf, a course window ends as if no planned administration were missed yet: the latest it can end */
export function windowEnd (p: ParticipantSummary, def: WindowDefinition, asOf = new Date(0).toISOString()): string | null {
  const last = lastDay(p, def, scheduleOf(p, asOf))
  return last === null ? null : startOfLocalDay(addDays(last, 1), p.timeZone ?? 'UTC')
}

export function evaluateParticipant (p: ParticipantSummary, def: WindowDefinition, asOf: string): ParticipantEvaluability {
  return assess(p, def, asOf).evaluation
}

/**
 * Whether the site may record the participant's DLT assessment at `asOf`:
 * only once the window has ended (409 otherwise, with this reason).
 */
export function dltAssessmentRefusal (p: ParticipantSummary, def: WindowDefinition, asOf: string): string | null {
  const end = windowEnd(p, def, asOf)
  if (end === null) return 'the participant has no administration: the DLT window has not started'
  return Date.parse(asOf) < Date.parse(end) ? `the DLT window ends at ${end}: the DLT period is not complete` : null
}

const waitText: Record<PendingFor, string> = {
  needs_information: 'an AE needs information for its DLT verdict',
  exposure: 'the minimum exposure of the DLT period is not reached yet',
  dlt_assessment: 'the DLT assessment (all AEs entered) is not recorded yet'
}

/** the status reasons naming whom evaluability waits for, one per waiting participant */
export function waitingReasons (evaluations: readonly ParticipantEvaluability[]): string[] {
  return evaluations.flatMap((e) => e.status === 'pending' && e.waitingFor !== undefined
    ? [`participant ${e.participantId} pending: ${waitText[e.waitingFor]}`]
    : [])
}

function count (doseLevel: number, members: ParticipantEvaluability[], armId?: string): GroupCounts {
  const inStudy = members.filter((m) => m.status !== 'not_evaluable').length
  // A control group (dose level 0) receives no investigational dose: nobody there is DLT-evaluable, pending
  // a DLT or counts one (#16), though they stay enrolled (a sample-size cap counts them).
  if (doseLevel === 0) {
    return { doseLevel, ...(armId !== undefined ? { armId } : {}), enrolled: inStudy, evaluable: 0, pending: 0, notEvaluable: members.length - inStudy, dlts: 0, dltRate: null, ci95: [0, 1] }
  }
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
 * status: a pending participant's window ends, a pending AE settles, or an
 * administration needed for the minimum exposure can no longer be given.
 * `evaluations` are the participants' at asOf, in the same order, where the
 * caller has them already.
 */
export function nextWindowCloseAt (
  participants: ParticipantSummary[], def: WindowDefinition, asOf: string,
  evaluations: ParticipantEvaluability[] = participants.map((p) => evaluateParticipant(p, def, asOf))
): string | null {
  const now = Date.parse(asOf)
  const times = participants.flatMap((p, i) => {
    if (evaluations[i]!.status !== 'pending') return []
    const t = assess(p, def, asOf).changesAt
    return t === null ? [] : [t]
  }).filter((t) => t > now)
  return times.length === 0 ? null : new Date(Math.min(...times)).toISOString()
}
