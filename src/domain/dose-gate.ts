// The dose gate: whether an enrolment or an administration may go ahead under
// the trial's status, the DMC decision in force and the caller's role.
//
// - After a DMC termination nothing is enrolled or dosed, override or not.
// - Enrolment needs the state 'go' and the target row open with room.
// - An administration at the participant's own level is refused while the DMC
//   pauses the trial or the trial is halted.
// - An administration at another level is a dose modification: a reduction to
//   a lower level that is open for dosing (not eliminated or closed, at or
//   below the level the design names now) is allowed under 'go'; anything else
//   (a higher level, a closed one, any modification while the trial is on hold
//   or stopped) is refused.
// - A participant's first administration at a sentinel level is compared by
//   its administeredAt instant: once the sentinels are dosed, no one else may
//   be dosed before the last sentinel's first administration + sentinel.days,
//   whatever the clock says now (a back-dated dose cannot break the interval).
// - Apart from termination, an admin's override with a reason lets a refused
//   request through (the caller audits it and records it in the decision
//   history); other roles cannot override.
import type { TrialStatus } from './status.js'

const DAY_MS = 86_400_000

export type GateRole = 'edc' | 'investigator' | 'safety_monitor' | 'dmc' | 'admin'

export interface GateContext {
  status: Pick<TrialStatus, 'state'> & { decision: Pick<TrialStatus['decision'], 'action' | 'nextDoseLevel' | 'reasons'>, doseLevels: Array<Pick<TrialStatus['doseLevels'][number], 'doseLevel' | 'armId' | 'open' | 'capacity' | 'eliminated'>> }
  dmc: 'pause' | 'terminate' | null
  role: GateRole
  override?: { reason: string } | undefined
}

export type GateRefusal = {
  allowed: false
  status: 409
  code: 'trial-terminated' | 'dose-level-closed' | 'dosing-suspended' | 'sentinel-interval'
  reason: string
}

export type GateResult = { allowed: true, overridden: boolean, reduction: boolean } | GateRefusal

const refuse = (code: GateRefusal['code'], reason: string): GateRefusal => ({ allowed: false, status: 409, code, reason })

const TERMINATED = refuse('trial-terminated', 'The DMC terminated the trial: no enrolment or administration is accepted, override or not')

function decide (ctx: GateContext, refusal: GateRefusal | null, reduction = false): GateResult {
  if (refusal === null) return { allowed: true, overridden: false, reduction }
  if (ctx.role === 'admin' && ctx.override !== undefined) return { allowed: true, overridden: true, reduction: false }
  return refusal
}

const why = (ctx: GateContext) => `${ctx.status.decision.action}, next dose level ${ctx.status.decision.nextDoseLevel ?? 'none'}`

export function gateEnrolment (ctx: GateContext, target: { doseLevel: number, armId: string | null }): GateResult {
  if (ctx.dmc === 'terminate') return TERMINATED
  const { status } = ctx
  const where = target.armId === null ? `dose level ${target.doseLevel}` : `arm ${target.armId}`
  if (status.state !== 'go') {
    return decide(ctx, refuse('dose-level-closed', `Enrolment is closed: the trial status is "${status.state}" (${status.decision.reasons.join('; ')})`))
  }
  // An escalation design counts by dose level even where arms name the groups (sequential arms): the arm's level decides.
  const byArm = target.armId !== null && status.doseLevels.some((d) => d.armId !== undefined)
  const row = status.doseLevels.find((d) => byArm ? d.armId === target.armId : d.doseLevel === target.doseLevel)
  const open = row !== undefined && row.open && row.capacity !== 0
  return decide(ctx, open ? null : refuse('dose-level-closed', `${where} is not open for enrolment under the current decision (${why(ctx)})`))
}

export interface AdministrationRequest {
  /** the level the participant was enrolled at */
  participantLevel: number
  /** the level given */
  doseLevel: number
  /** the sentinel check of this administration (sentinelCheck), null when it does not apply */
  sentinel: string | null
}

export function gateAdministration (ctx: GateContext, req: AdministrationRequest): GateResult {
  if (ctx.dmc === 'terminate') return TERMINATED
  const { status } = ctx
  if (req.sentinel !== null) return decide(ctx, refuse('sentinel-interval', req.sentinel))
  if (req.doseLevel === req.participantLevel) {
    if (ctx.dmc === 'pause') return decide(ctx, refuse('dosing-suspended', 'Dosing is suspended: DMC decision "pause" is in force'))
    if (status.decision.action === 'halt_trial') return decide(ctx, refuse('dosing-suspended', `Dosing is suspended: the trial is halted (${status.decision.reasons.join('; ')})`))
    return decide(ctx, null)
  }
  const modification = `a dose at level ${req.doseLevel} for a participant enrolled at level ${req.participantLevel} is a dose modification`
  if (status.state !== 'go') return decide(ctx, refuse('dosing-suspended', `${modification}, refused while the trial status is "${status.state}"`))
  if (req.doseLevel > req.participantLevel) return decide(ctx, refuse('dose-level-closed', `${modification} above the enrolled level`))
  const row = status.doseLevels.find((d) => d.doseLevel === req.doseLevel)
  const next = status.decision.nextDoseLevel
  const openForDosing = row !== undefined && !row.eliminated && next !== null && req.doseLevel <= next
  return decide(ctx, openForDosing ? null : refuse('dose-level-closed', `${modification} to a level not open for dosing (${why(ctx)})`), true)
}

/**
 * The sentinel check of a participant's administration at a level: null when
 * it may go ahead, else why not. `others` are the other participants at the
 * level with their first administration (null: not dosed yet).
 */
export function sentinelCheck (
  sentinel: { participants: number, days: number } | undefined,
  others: Array<{ firstAdministrationAt: string | null }>,
  own: { firstAdministrationAt: string | null },
  administeredAt: string
): string | null {
  if (sentinel === undefined || own.firstAdministrationAt !== null) return null
  const dosed = others.flatMap((o) => o.firstAdministrationAt === null ? [] : [Date.parse(o.firstAdministrationAt)]).sort((a, b) => a - b)
  if (dosed.length < sentinel.participants) return null
  const clearAt = Math.max(...dosed.slice(0, sentinel.participants)) + sentinel.days * DAY_MS
  if (Date.parse(administeredAt) >= clearAt) return null
  return `sentinel dosing: an administration at ${administeredAt} falls before ${new Date(clearAt).toISOString()}, ${sentinel.days} day(s) after the last sentinel's first administration`
}
