// The DMC stop/go view (contract: GET /v1/trials/{trialId}/status) without
// trialId, asOf and protocolVersion, which the caller adds.
//
// Precedence: a halt (halt_trial rule, DMC terminate, or the design halting)
// outranks completion (max_sample_size), which outranks a stop of escalation,
// which outranks the design's own decision. halt and completion give state
// 'stop'; so does a design that reached its MTD or completed, and a decision
// with no acceptable level. A DMC pause, or a design that must wait for
// pending participants, gives 'hold'. Only under 'go' is any level open.
//
// Waiting: the designs weigh pending participants themselves (the decision
// holds when every outcome of theirs leads to it; otherwise the current
// cohort is filled, or accrual waits, said as 'stay' with no next level),
// which gives 'hold'.
//
// A stop_escalation rule caps nextDoseLevel at the current level and at the
// level it fired at (never higher than the design's own choice).
//
// Each row carries `capacity`: how many more participants may be enrolled
// there now (null: no limit from the design or sentinel; 0 when closed).
// The next level of a cohort design has room for the rest of the current
// cohort there (or a full new cohort), rolling6 for up to 6 per level, both
// bounded by the design's maxSampleSize.
//
// Sentinel dosing: at an open level where nobody is evaluable yet, only `sentinel.participants` may be dosed until each of them
// is `sentinel.days` x 24 h past their first administration with no DLT and no
// pending DLT; until then the level has no room beyond them and
// `sentinelWaitUntil` says when the last sentinel's time is up (null while a
// sentinel has not been dosed).
//
// Design 'none' (parallel groups): rows per arm (or per dose level without
// arms), all open until a rule fires; stop_escalation closes the level it
// fired at and all above (trial scope: every investigational level);
// nextDoseLevel is the highest open investigational level.
import { decide, decisionTable } from './designs/index.js'
import type { DesignAction, DoseLevelCounts } from './designs/types.js'
import {
  countByArm, countByDoseLevel, evaluateParticipant, nextWindowCloseAt,
  type EvaluabilityStatus, type GroupCounts, type ParticipantEvaluability, type ParticipantSummary
} from './evaluability.js'
import type { DesignProtocol, Protocol } from './protocol.js'
import { evaluateStoppingRules, type FiredRule, type SafetySignal } from './stopping-rules.js'

export interface StatusInput {
  participants: ParticipantSummary[]
  /** the trial's non-nullified AEs that are serious or grade 5 */
  signals: SafetySignal[]
  /** level of the most recent enrolment; absent, null or not an escalation level: startDoseLevel */
  currentDoseLevel?: number | null
  /** the DMC decision in force, if it stops enrolment */
  dmc?: 'pause' | 'terminate' | null
}

export interface StatusDoseLevel extends Pick<GroupCounts, 'doseLevel' | 'armId' | 'enrolled' | 'evaluable' | 'pending' | 'dlts' | 'dltRate' | 'ci95'> {
  open: boolean
  eliminated: boolean
  capacity: number | null
  sentinelWaitUntil?: string | null
}

export interface TrialStatus {
  state: 'go' | 'hold' | 'stop'
  decision: {
    action: DesignAction
    nextDoseLevel: number | null
    mtdDoseLevel: number | null
    reasons: string[]
    rules: string[]
  }
  doseLevels: StatusDoseLevel[]
  participants: { participantId: string, doseLevel: number, status: EvaluabilityStatus, hadDlt: boolean }[]
  nextChangeAt: string | null
}

type EscalationDesign = Exclude<DesignProtocol, { type: 'none' }>

interface Plan {
  action: DesignAction
  nextDoseLevel: number | null
  mtdDoseLevel: number | null
  reasons: string[]
  stop: boolean
  /** the design itself halts the trial */
  halted: boolean
  waiting: boolean
  /** lowest eliminated level; Infinity when none */
  eliminatedFrom: number
  /** rows that may take participants when the state is 'go', with their room (null: unlimited) */
  room: (row: GroupCounts) => number | null | false
}

const DAY_MS = 86_400_000
const TERMINAL: DesignAction[] = ['mtd_reached', 'complete', 'halt_trial']

const cohortSize = (d: EscalationDesign) => d.type === '3+3' ? 3 : d.type === 'rolling6' ? 6 : d.cohortSize

function toDesignCounts (r: GroupCounts): DoseLevelCounts {
  return { doseLevel: r.doseLevel, enrolled: r.enrolled, evaluable: r.evaluable, pending: r.pending, dlts: r.dlts }
}

function escalationPlan (design: EscalationDesign, rows: GroupCounts[], input: StatusInput, fired: FiredRule[]): Plan {
  const active = rows.filter((r) => r.doseLevel > 0)
  const levels = active.map((r) => r.doseLevel)
  const current = input.currentDoseLevel != null && levels.includes(input.currentDoseLevel) ? input.currentDoseLevel : design.startDoseLevel
  const decision = decide(design, { doseLevels: levels, currentDoseLevel: current, counts: active.map(toDesignCounts) })
  // the designs say "wait for pending participants" as stay with no next level
  const waiting = decision.action === 'stay' && decision.nextDoseLevel === null
  const eliminatedFrom = Math.min(...decision.eliminated)
  const stops = fired.filter((f) => f.action === 'stop_escalation')
  const cap = Math.min(current, ...stops.map((f) => f.doseLevel ?? current))
  const next = stops.length > 0 && decision.nextDoseLevel !== null ? Math.min(decision.nextDoseLevel, cap) : decision.nextDoseLevel
  const enrolledAt = (level: number | null) => active.find((r) => r.doseLevel === level)?.enrolled ?? 0
  const size = cohortSize(design)
  const left = design.maxSampleSize === undefined ? Infinity : Math.max(0, design.maxSampleSize - active.reduce((s, r) => s + r.enrolled, 0))
  const nextRoom = Math.min(left, design.type === 'rolling6'
    ? Math.max(0, size - enrolledAt(next))
    : next === current ? size - enrolledAt(current) % size : size)
  return {
    action: stops.length > 0 ? 'stop_escalation' : decision.action,
    nextDoseLevel: next,
    mtdDoseLevel: decision.mtdDoseLevel ?? null,
    reasons: decision.reasons,
    stop: TERMINAL.includes(decision.action) || (next === null && !waiting),
    halted: decision.action === 'halt_trial',
    waiting,
    eliminatedFrom,
    room: (row) => row.doseLevel === 0
      ? null
      : next !== null && row.doseLevel <= next && row.doseLevel < eliminatedFrom && (row.doseLevel === next ? nextRoom : null)
  }
}

function parallelPlan (rows: GroupCounts[], fired: FiredRule[]): Plan {
  const stops = fired.filter((f) => f.action === 'stop_escalation')
  const closedFrom = Math.min(...stops.map((f) => f.doseLevel ?? 1))
  const openActive = rows.filter((r) => r.doseLevel > 0 && r.doseLevel < closedFrom).map((r) => r.doseLevel)
  const next = openActive.length === 0 ? null : Math.max(...openActive)
  return {
    action: stops.length > 0 ? 'stop_escalation' : 'stay',
    nextDoseLevel: next,
    mtdDoseLevel: null,
    reasons: [stops.length > 0 ? `levels from ${closedFrom} up closed by stopping rules` : 'parallel groups: all open while no stopping rule fires'],
    stop: next === null,
    halted: false,
    waiting: false,
    eliminatedFrom: Infinity,
    room: (row) => row.doseLevel < closedFrom && null
  }
}

interface SentinelLimit { room: number, waitUntil: string | null, reason: string | null }

function sentinelLimit (sentinel: { participants: number, days: number }, members: ParticipantEvaluability[], byId: Map<string, ParticipantSummary>, asOf: string): SentinelLimit {
  const enrolled = members.filter((m) => m.status !== 'not_evaluable').map((m) => byId.get(m.participantId)!)
  if (enrolled.length < sentinel.participants) return { room: sentinel.participants - enrolled.length, waitUntil: null, reason: null }
  const adminTime = (p: ParticipantSummary) => p.firstAdministrationAt === null ? Infinity : Date.parse(p.firstAdministrationAt)
  const sentinels = [...enrolled].sort((a, b) => adminTime(a) - adminTime(b)).slice(0, sentinel.participants)
  const until = Math.max(...sentinels.map((p) => adminTime(p) + sentinel.days * DAY_MS))
  const clear = until <= Date.parse(asOf) && sentinels.every((p) => p.pendingDltCount === 0)
  if (clear) return { room: Infinity, waitUntil: null, reason: null }
  const waitUntil = until === Infinity ? null : new Date(until).toISOString()
  return { room: 0, waitUntil, reason: `sentinel dosing: ${sentinel.participants} sentinel participant(s) must complete ${sentinel.days} day(s) after first administration without DLT before others are dosed${waitUntil === null ? '' : ` (until ${waitUntil})`}` }
}

function overrideOf (fired: FiredRule[], plan: Plan, dmc: StatusInput['dmc']): Pick<Plan, 'action' | 'nextDoseLevel'> | null {
  if (dmc === 'terminate' || plan.halted || fired.some((f) => f.action === 'halt_trial')) return { action: 'halt_trial', nextDoseLevel: null }
  if (fired.some((f) => f.action === 'complete')) return { action: 'complete', nextDoseLevel: null }
  return null
}

export function evaluateStatus (protocol: Protocol, input: StatusInput, asOf: string): TrialStatus {
  const def = protocol.dltDefinition
  const design = protocol.design
  const evaluations = input.participants.map((p) => evaluateParticipant(p, def, asOf))
  const levels = protocol.doseLevels.map((d) => d.level).sort((a, b) => a - b)
  const byArm = design.type === 'none' && protocol.arms !== undefined
  const rows = byArm ? countByArm(evaluations, protocol.arms!) : countByDoseLevel(evaluations, levels)
  const fired = evaluateStoppingRules(protocol.stoppingRules, rows, input.signals)
  const plan = design.type === 'none' ? parallelPlan(rows, fired) : escalationPlan(design, rows, input, fired)
  const override = overrideOf(fired, plan, input.dmc)

  const reasons = [...plan.reasons, ...fired.map((f) => `${f.ruleId}: ${f.reason}`)]
  if (input.dmc === 'terminate') reasons.push('DMC decision: terminate')
  if (input.dmc === 'pause') reasons.push('DMC decision: pause enrolment')

  const byId = new Map(input.participants.map((p) => [p.participantId, p]))
  const sentinelWaits: (string | null)[] = []
  const limited = rows.map((row) => {
    const room = override === null ? plan.room(row) : false
    if (room === false || design.sentinel === undefined || row.doseLevel === 0 || row.evaluable > 0) return { row, room, wait: undefined }
    const members = evaluations.filter((e) => byArm ? e.armId === row.armId : e.doseLevel === row.doseLevel)
    const limit = sentinelLimit(design.sentinel, members, byId, asOf)
    if (limit.reason !== null) reasons.push(`dose level ${row.doseLevel}: ${limit.reason}`)
    sentinelWaits.push(limit.waitUntil)
    return { row, room: limit.room === Infinity ? room : Math.min(limit.room, room ?? Infinity), wait: limit.waitUntil }
  })
  const available = (room: number | null | false) => room !== false && room !== 0
  const state = override !== null || plan.stop
    ? 'stop'
    : input.dmc === 'pause' || plan.waiting || !limited.some((l) => l.row.doseLevel > 0 && available(l.room)) ? 'hold' : 'go'

  const doseLevels = limited.map(({ row, room, wait }): StatusDoseLevel => {
    const open = state === 'go' && available(room)
    return {
      doseLevel: row.doseLevel,
      ...(row.armId !== undefined ? { armId: row.armId } : {}),
      enrolled: row.enrolled,
      evaluable: row.evaluable,
      pending: row.pending,
      dlts: row.dlts,
      dltRate: row.dltRate,
      ci95: row.ci95,
      open,
      eliminated: row.doseLevel >= plan.eliminatedFrom,
      capacity: open ? (room as number | null) : 0,
      ...(wait !== undefined ? { sentinelWaitUntil: wait } : {})
    }
  })

  const now = Date.parse(asOf)
  const changes = [nextWindowCloseAt(input.participants, def, asOf, evaluations), ...sentinelWaits]
    .filter((t): t is string => t !== null && Date.parse(t) > now)
    .sort((a, b) => Date.parse(a) - Date.parse(b))

  return {
    state,
    decision: {
      action: override?.action ?? plan.action,
      nextDoseLevel: override !== null ? override.nextDoseLevel : plan.nextDoseLevel,
      mtdDoseLevel: plan.mtdDoseLevel,
      reasons,
      rules: [design.type, ...fired.map((f) => f.ruleId), ...(input.dmc != null ? ['dmc'] : [])]
    },
    doseLevels,
    participants: evaluations.map((e) => ({ participantId: e.participantId, doseLevel: e.doseLevel, status: e.status, hadDlt: e.hadDlt })),
    nextChangeAt: changes[0] ?? null
  }
}

/** the design's decision table for the protocol in force (n = 1 .. maxSampleSize, or 30) */
export function decisionTableFor (protocol: Protocol): ReturnType<typeof decisionTable> {
  const design = protocol.design
  return decisionTable(design, design.type !== 'none' && design.maxSampleSize !== undefined ? design.maxSampleSize : 30)
}
