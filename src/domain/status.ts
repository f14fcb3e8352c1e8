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
// A stop_escalation rule caps nextDoseLevel at the current level, and below
// the level it fired at (never higher than the design's own choice).
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
// Cleared levels (issue #15): only the level the design names takes
// enrolment; a level below it takes more only with `design.backfill`, up to
// maxPerLevel participants there in all. Backfilled participants count in
// their level's data, so the design's own elimination acts on them.
//
// Exceptions (issue #21): an override enrolment (`override: true`) counts at
// its level but never moves the design's current level (the caller derives
// currentDoseLevel from enrolments through the gate only: currentLevelOf); a
// DLT of an override participant closes their level and every level above.
// A dose-modified participant counts at the level exposure.ts names and is
// flagged. Under a DMC pause or a stop that does not come from the design the
// action is the one that applies (no enrolment), and the design's reasons are
// kept, marked as not applied.
//
// Design 'none' (parallel groups): rows per arm (or per dose level without
// arms), all open until a rule fires; stop_escalation closes the level it
// fired at and all above (trial scope: every investigational level);
// nextDoseLevel is the highest open investigational level.
import { decide, decisionTable } from './designs/index.js'
import { countedLevel } from './exposure.js'
import type { DesignAction, DoseLevelCounts } from './designs/types.js'
import {
  countByArm, countByDoseLevel, evaluateParticipant, nextWindowCloseAt, waitingReasons, windowEnd,
  type EvaluabilityStatus, type GroupCounts, type ParticipantEvaluability, type ParticipantSummary
} from './evaluability.js'
import type { DesignProtocol, Protocol } from './protocol.js'
import { evaluateStoppingRules, firedReason, ruleActions, type FiredRule, type SafetySignal } from './stopping-rules.js'

/** a participant as the status reads them: the evaluability summary plus how they were enrolled and dosed */
export interface StatusParticipant extends ParticipantSummary {
  /** enrolled by an admin override outside the dose gate */
  override?: boolean
}

export interface StatusInput {
  participants: StatusParticipant[]
  /** the trial's non-nullified AEs that are serious or grade 5 */
  signals: SafetySignal[]
  /** level of the most recent enrolment through the gate (currentLevelOf); absent, null or not an escalation level: startDoseLevel */
  currentDoseLevel?: number | null
  /** the DMC decision in force, if it stops enrolment */
  dmc?: 'pause' | 'terminate' | null
  /** the reasons of the status the latest DMC decision was taken on: the pause_for_review firings it reviewed */
  dmcReviewed?: string[]
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
  /** doseLevel: the level the participant counts at; enrolledDoseLevel and doseModified when dosed elsewhere; override when enrolled by one */
  participants: Array<{ participantId: string, doseLevel: number, status: EvaluabilityStatus, hadDlt: boolean, enrolledDoseLevel?: number, doseModified?: true, override?: true }>
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

function escalationPlan (design: EscalationDesign, rows: GroupCounts[], input: StatusInput, fired: FiredRule[], overrideDltFrom: number): Plan {
  const active = rows.filter((r) => r.doseLevel > 0)
  const levels = active.map((r) => r.doseLevel)
  const wanted = input.currentDoseLevel != null && levels.includes(input.currentDoseLevel) ? input.currentDoseLevel : design.startDoseLevel
  // Levels an override participant's DLT closed are not offered to the design, so that it
  // completes and declares its MTD below them; CRM keeps its whole skeleton and is capped below.
  const admissible = design.type !== 'crm' && levels[0]! < overrideDltFrom ? active.filter((r) => r.doseLevel < overrideDltFrom) : active
  const current = Math.min(wanted, admissible.at(-1)!.doseLevel)
  const decision = decide(design, { doseLevels: admissible.map((r) => r.doseLevel), currentDoseLevel: current, counts: admissible.map(toDesignCounts) })
  // the designs say "wait for pending participants" as stay with no next level
  const waiting = decision.action === 'stay' && decision.nextDoseLevel === null
  const eliminatedFrom = Math.min(...decision.eliminated, overrideDltFrom)
  const stops = fired.filter((f) => f.action === 'stop_escalation')
  // Monotone toxicity: a rule that fired at a level closes it and every level above (below level 1: none is left).
  const cap = Math.min(current, ...stops.map((f) => f.doseLevel === undefined ? current : f.doseLevel - 1))
  const capped = stops.length > 0 && decision.nextDoseLevel !== null ? Math.min(decision.nextDoseLevel, cap) : decision.nextDoseLevel
  // a DLT of an override participant closes their level and all above, for everyone
  const closedByOverride = capped !== null && capped >= overrideDltFrom
  const open = closedByOverride ? (levels.includes(overrideDltFrom - 1) ? overrideDltFrom - 1 : null) : capped
  const next = open !== null && open < 1 ? null : open
  const enrolledAt = (level: number | null) => active.find((r) => r.doseLevel === level)?.enrolled ?? 0
  const size = cohortSize(design)
  const left = design.maxSampleSize === undefined ? Infinity : Math.max(0, design.maxSampleSize - active.reduce((s, r) => s + r.enrolled, 0))
  const nextRoom = Math.min(left, design.type === 'rolling6'
    ? Math.max(0, size - enrolledAt(next))
    : next === current ? size - enrolledAt(current) % size : size)
  const backfill = design.backfill
  // an MTD the design has determined is said as such, whatever rule fired with it (issue #15)
  const action = decision.action === 'mtd_reached' ? decision.action : stops.length > 0 || closedByOverride ? 'stop_escalation' : decision.action
  return {
    action,
    nextDoseLevel: next,
    mtdDoseLevel: decision.mtdDoseLevel ?? null,
    reasons: decision.reasons,
    stop: TERMINAL.includes(decision.action) || (next === null && !waiting),
    halted: decision.action === 'halt_trial',
    waiting,
    eliminatedFrom,
    room: (row) => {
      if (row.doseLevel === 0) return null
      if (next === null || row.doseLevel > next || row.doseLevel >= eliminatedFrom) return false
      if (row.doseLevel === next) return nextRoom
      // a cleared level below the one the design names: closed unless the design backfills
      return backfill === undefined ? false : Math.min(left, Math.max(0, backfill.maxPerLevel - row.enrolled))
    }
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

/** The pause_for_review firings no DMC decision has seen: each holds the trial. */
const awaitingDmcReview = (fired: FiredRule[], reviewed: string[] = []) =>
  fired.filter((f) => f.action === 'pause_for_review' && !reviewed.includes(firedReason(f)))

export function evaluateStatus (protocol: Protocol, input: StatusInput, asOf: string): TrialStatus {
  const def = protocol.dltDefinition
  const design = protocol.design
  const byArm = design.type === 'none' && protocol.arms !== undefined
  // dose-modified participants count at the level exposure.ts names (parallel arms count by arm)
  const exposure = input.participants.map((p) => byArm || p.administrations === undefined || p.administrations.length === 0
    ? null
    : countedLevel(p.doseLevel, p.administrations, windowEnd(p, def), def.modifiedDoseCountsAt))
  const counted = input.participants.map((p, i) => exposure[i] == null ? p : { ...p, doseLevel: exposure[i].doseLevel })
  const evaluations = counted.map((p) => evaluateParticipant(p, def, asOf))
  const levels = protocol.doseLevels.map((d) => d.level).sort((a, b) => a - b)
  const overrideDltFrom = Math.min(...evaluations.filter((e, i) => input.participants[i]!.override === true && e.hadDlt).map((e) => e.doseLevel))
  const rows = byArm ? countByArm(evaluations, protocol.arms!) : countByDoseLevel(evaluations, levels)
  const fired = evaluateStoppingRules(protocol.stoppingRules, rows, input.signals, { controlCanBeRelated: protocol.controlCanBeRelated })
  const awaitingReview = awaitingDmcReview(fired, input.dmcReviewed)
  const plan = design.type === 'none' ? parallelPlan(rows, fired) : escalationPlan(design, rows, input, fired, overrideDltFrom)
  const override = overrideOf(fired, plan, input.dmc)
  // a DMC pause, or a rule awaiting DMC review, holds enrolment: the design's step waits with it
  const paused = (input.dmc === 'pause' || awaitingReview.length > 0) && override === null && !plan.stop

  const ruleReasons = [...fired.map(firedReason), ...awaitingReview.map((f) => `${f.ruleId}: on hold for DMC review`)]
  const dmcReasons = input.dmc === 'terminate' ? ['DMC decision: terminate'] : input.dmc === 'pause' ? ['DMC decision: pause enrolment'] : []
  // when something other than the design stops or holds the trial, that comes first and the design's reasons are marked
  const superseded = paused ? `not applied while ${input.dmc === 'pause' ? 'the DMC pause holds' : 'the trial waits for DMC review'}` : override !== null && !plan.halted ? `not applied: the trial is stopped (${override.action})` : null
  const reasons = superseded === null
    ? [...plan.reasons, ...ruleReasons, ...dmcReasons]
    : [...dmcReasons, ...ruleReasons, ...plan.reasons.map((r) => `${superseded}: ${r}`)]
  if (Number.isFinite(overrideDltFrom) && design.type !== 'none') {
    reasons.push(`a participant enrolled by override had a DLT at level ${overrideDltFrom}: level ${overrideDltFrom} and above are closed`)
  }
  input.participants.forEach((p, i) => {
    const e = exposure[i]
    if (e?.modified === true) {
      reasons.push(`participant ${p.participantId}: enrolled at level ${p.doseLevel}, given level(s) ${e.given.join(', ')} in the DLT period: counts at level ${e.doseLevel}`)
    }
    if (p.override === true) reasons.push(`participant ${p.participantId}: enrolled by override; counts at level ${counted[i]!.doseLevel} and does not move the design's current level`)
  })
  // whom evaluability waits for beyond elapsing time (an AE's information, exposure, a DLT assessment)
  reasons.push(...waitingReasons(evaluations))

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
    : input.dmc === 'pause' || awaitingReview.length > 0 || plan.waiting || !limited.some((l) => l.row.doseLevel > 0 && available(l.room)) ? 'hold' : 'go'

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
      action: override?.action ?? (paused ? 'stay' : plan.action),
      nextDoseLevel: override !== null ? override.nextDoseLevel : paused ? null : plan.nextDoseLevel,
      mtdDoseLevel: plan.mtdDoseLevel,
      reasons,
      rules: [design.type, ...fired.map((f) => f.ruleId), ...(input.dmc != null ? ['dmc'] : [])]
    },
    doseLevels,
    participants: evaluations.map((e, i) => ({
      participantId: e.participantId,
      doseLevel: e.doseLevel,
      status: e.status,
      hadDlt: e.hadDlt,
      ...(exposure[i]?.modified === true ? { enrolledDoseLevel: input.participants[i]!.doseLevel, doseModified: true as const } : {}),
      ...(input.participants[i]!.override === true ? { override: true as const } : {})
    })),
    nextChangeAt: changes[0] ?? null
  }
}

/**
 * The design's decision table for the protocol in force (n = 1 .. maxSampleSize, or 30), each row with
 * where the stopping rules that read DLT counts act at that n.
 */
export function decisionTableFor (protocol: Protocol): DecisionTable {
  const design = protocol.design
  const table = decisionTable(design, design.type !== 'none' && design.maxSampleSize !== undefined ? design.maxSampleSize : 30)
  return { ...table, rows: table.rows.map((row) => ({ ...row, rules: ruleActions(protocol.stoppingRules, row.n) })) }
}

type DesignTable = ReturnType<typeof decisionTable>
export type DecisionTable = Omit<DesignTable, 'rows'> & { rows: Array<DesignTable['rows'][number] & { rules: ReturnType<typeof ruleActions> }> }

/** the design's current level: the level of the most recent enrolment made through the gate (override enrolments excluded), null before any */
export function currentLevelOf (enrolments: Array<{ doseLevel: number, seq: number, override?: boolean }>): number | null {
  const through = enrolments.filter((e) => e.override !== true)
  return through.length === 0 ? null : through.reduce((a, e) => e.seq > a.seq ? e : a).doseLevel
}
