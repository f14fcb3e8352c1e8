// The traditional 3+3 design (Storer 1989; Le Tourneau, Lee & Siu 2009, JNCI
// 101:708-720): 0/3 escalate, 1/3 expand to 6, <= 1/6 escalate, >= 2 DLTs
// exceeds the MTD; the MTD is the highest level with at most 1 DLT in 6.
import { currentIndex, decideOverOutcomes, dlt } from './common.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from './types.js'

export interface ThreePlusThreeParams {
  startDoseLevel: number
  cohortSize?: number
  allowDeEscalation?: boolean
}

// Level t has exceeded the MTD (>= 2 DLTs): what the level below it allows.
function exceeded (input: DesignInput, t: number, y: number, n: number, cs: number, allowDe: boolean): DesignDecision {
  const levels = input.doseLevels
  const eliminated = levels.slice(t)
  const reasons = [`level ${levels[t]} exceeds the MTD: ${dlt(y)} in ${n} (2 or more)`]
  if (t === 0) {
    return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated, reasons: [...reasons, 'the lowest dose exceeds the MTD: stop, no MTD'] }
  }
  const below = levels[t - 1]
  const lower = input.counts[t - 1]
  if (lower.evaluable >= 2 * cs && lower.pending === 0) {
    return { action: 'mtd_reached', nextDoseLevel: null, mtdDoseLevel: below, eliminated, reasons: [...reasons, `MTD: level ${below}, ${dlt(lower.dlts)} in ${lower.evaluable}`] }
  }
  if (lower.enrolled >= 2 * cs) {
    return { action: 'stay', nextDoseLevel: null, eliminated, reasons: [...reasons, `wait: ${lower.pending} participant(s) pending at level ${below} decide whether it is the MTD`] }
  }
  if (!allowDe) {
    return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated, reasons: [...reasons, `de-escalation is not allowed: level ${below} has ${lower.evaluable} evaluable, fewer than the ${2 * cs} needed to declare it the MTD`] }
  }
  return { action: 'de_escalate', nextDoseLevel: below, eliminated, reasons: [...reasons, `de-escalate to level ${below} to complete it to ${2 * cs}`] }
}

export function decideThreePlusThree (p: ThreePlusThreeParams, input: DesignInput): DesignDecision {
  const c = currentIndex(input)
  const cs = p.cohortSize ?? 3
  const allowDe = p.allowDeEscalation ?? true
  const { doseLevels: levels, counts } = input
  const found = counts.findIndex(x => x.dlts >= 2)
  const t = found < 0 ? counts.length : found
  const eliminated = levels.slice(t)
  if (c >= t) return exceeded(input, t, counts[t].dlts, counts[t].evaluable, cs, allowDe)
  const cur = counts[c]
  const level = levels[c]
  const size = cur.enrolled <= cs ? cs : Math.max(2 * cs, cur.enrolled)
  const expanded = size > cs
  const top = c + 1 >= t
  const outcome = (y: number, n: number): DesignDecision => {
    if (y >= 2) return exceeded(input, c, y, n, cs, allowDe)
    const seen = `3+3 at level ${level}: ${dlt(y)} in ${n}`
    if (!expanded && y === 1) {
      return { action: 'expand_cohort', nextDoseLevel: level, eliminated, reasons: [`${seen}: expand the cohort to ${2 * cs}`] }
    }
    if (!top) return { action: 'escalate', nextDoseLevel: levels[c + 1], eliminated, reasons: [`${seen}: escalate`] }
    if (!expanded) {
      return { action: 'expand_cohort', nextDoseLevel: level, eliminated, reasons: [`${seen}, at the highest admissible level: expand to ${2 * cs} to confirm it as the MTD`] }
    }
    return { action: 'mtd_reached', nextDoseLevel: null, mtdDoseLevel: level, eliminated, reasons: [`${seen}, at the highest admissible level: MTD is level ${level}`] }
  }
  const unfilled = size - cur.enrolled
  const outstanding = cur.pending + unfilled
  if (outstanding === 0) return outcome(cur.dlts, cur.evaluable)
  const n = cur.evaluable + outstanding
  const scenarios = Array.from({ length: outstanding + 1 }, (_, j) => outcome(cur.dlts + j, n))
  return decideOverOutcomes(scenarios, {
    currentLevel: level,
    pending: cur.pending,
    unfilled,
    eliminated,
    fillAction: expanded ? 'expand_cohort' : 'stay',
    summary: `3+3 at level ${level}: ${dlt(cur.dlts)} in ${cur.evaluable} evaluable, ${cur.pending} pending, ${unfilled} open place(s) in the cohort of ${size}`
  })
}

/** rows for n = 3 and n = 6 (cohort size 3): escalate on 0/3 or <= 1/6, exceed the MTD on >= 2 */
export function threePlusThreeDecisionTable (p: ThreePlusThreeParams): DecisionTableRow[] {
  const cs = p.cohortSize ?? 3
  return [
    { n: cs, escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 2 },
    { n: 2 * cs, escalateIfDltsAtMost: 1, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 2 }
  ]
}
