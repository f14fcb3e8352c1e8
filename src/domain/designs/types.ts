// The interface every dose-escalation design implements. Designs see only
// per-dose-level counts of DLT-evaluable participants; evaluability, DLT
// classification and stopping rules are decided elsewhere.
import type { GroupCounts } from '../evaluability.js'

export type DesignAction =
  | 'escalate'
  | 'stay'
  | 'de_escalate'
  | 'expand_cohort'
  | 'stop_escalation'
  | 'mtd_reached'
  | 'halt_trial'
  | 'complete'

export type DoseLevelCounts = Pick<GroupCounts, 'doseLevel' | 'enrolled' | 'evaluable' | 'pending' | 'dlts'>

export interface DesignInput {
  /** the trial's escalation dose levels in ascending order (control level 0 excluded) */
  doseLevels: number[]
  /** the level the most recent cohort was assigned to (the start level before anyone is enrolled) */
  currentDoseLevel: number
  /** one entry per level in doseLevels, same order */
  counts: DoseLevelCounts[]
}

export interface DesignDecision {
  action: DesignAction
  /** the level the next cohort may be enrolled at; null when no level is acceptable */
  nextDoseLevel: number | null
  /** set when the design has selected (or can select) a maximum tolerated dose */
  mtdDoseLevel?: number | null
  /** levels the design has eliminated as too toxic (each one and all above it) */
  eliminated: number[]
  /** human-readable reasons a DMC member can check by hand */
  reasons: string[]
}

/**
 * The model-based designs' stop for a too toxic lowest dose: stop when
 * Pr(DLT rate at the lowest level > threshold | data) > probability. Absent:
 * threshold = the target, probability = 0.9 (BOIN's `extrasafe` rule,
 * cutoff.eli - offset = 0.95 - 0.05); a protocol may disable it with its reason.
 */
export type SafetyStop = { threshold: number, probability: number } | { disabled: true, reason: string }

export interface DecisionTableRow {
  n: number
  escalateIfDltsAtMost: number | null
  deEscalateIfDltsAtLeast: number | null
  eliminateIfDltsAtLeast: number | null
}
