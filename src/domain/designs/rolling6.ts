// The rolling six design (Skolnik et al. 2008, J Clin Oncol 26:190-195,
// Table 1): two to six participants are enrolled concurrently at a level and
// the decision depends on the numbers enrolled, with a DLT, without a DLT
// (evaluated) and with data pending.
import { currentIndex, dlt } from './common.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from './types.js'

export interface Rolling6Params {
  startDoseLevel: number
}

const FULL = 6

export function decideRolling6 (input: DesignInput): DesignDecision {
  const c = currentIndex(input)
  const { doseLevels: levels, counts } = input
  const found = counts.findIndex(x => x.dlts >= 2)
  const t = found < 0 ? counts.length : found
  const eliminated = levels.slice(t)
  if (c >= t) {
    // Table 1: >= 2 DLTs, de-escalate; footnote: if six were already entered at the next lower level, the MTD is defined
    const reasons = [`rolling six at level ${levels[t]}: ${dlt(counts[t].dlts)}: de-escalate`]
    if (t === 0) return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated, reasons: [...reasons, 'the lowest dose exceeds the MTD: stop, no MTD'] }
    const below = levels[t - 1]
    const lower = counts[t - 1]
    if (lower.enrolled < FULL) return { action: 'de_escalate', nextDoseLevel: below, eliminated, reasons }
    if (lower.pending > 0) {
      return { action: 'stay', nextDoseLevel: null, eliminated, reasons: [...reasons, `six already entered at level ${below}; wait: ${lower.pending} pending there decide whether it is the MTD`] }
    }
    return { action: 'mtd_reached', nextDoseLevel: null, mtdDoseLevel: below, eliminated, reasons: [...reasons, `six already entered at level ${below} (${dlt(lower.dlts)}): MTD is level ${below}`] }
  }
  const cur = counts[c]
  const level = levels[c]
  const free = cur.evaluable - cur.dlts
  const row = `rolling six at level ${level}: ${cur.enrolled} enrolled, ${dlt(cur.dlts)}, ${free} without DLT, ${cur.pending} pending`
  // Table 1: escalate with 0 DLT and >= 3 without DLT, or 1 DLT and 5 without (6 enrolled)
  const escalate = (cur.dlts === 0 && free >= 3) || (cur.dlts === 1 && free >= FULL - 1)
  if (escalate) {
    if (c + 1 < t) return { action: 'escalate', nextDoseLevel: levels[c + 1], eliminated, reasons: [`${row}: escalate`] }
    // at the highest admissible level the recommended dose needs six evaluated with at most one DLT
    if (cur.evaluable >= FULL && cur.pending === 0) {
      return { action: 'mtd_reached', nextDoseLevel: null, mtdDoseLevel: level, eliminated, reasons: [`${row}: at the highest admissible level, ${dlt(cur.dlts)} in ${cur.evaluable}: MTD is level ${level}`] }
    }
    if (cur.enrolled < FULL) {
      return { action: 'expand_cohort', nextDoseLevel: level, eliminated, reasons: [`${row}: at the highest admissible level, enrol up to six to confirm it`] }
    }
  } else if (cur.enrolled < FULL) {
    return { action: 'stay', nextDoseLevel: level, eliminated, reasons: [`${row}: same dose level`] }
  }
  return { action: 'stay', nextDoseLevel: null, eliminated, reasons: [`${row}: suspend accrual until the pending data are known`] }
}

/** with all outcomes known: n = 2..6 evaluated at a level */
export function rolling6DecisionTable (): DecisionTableRow[] {
  return [2, 3, 4, 5, 6].map(n => ({
    n,
    escalateIfDltsAtMost: n === 2 ? null : n === FULL ? 1 : 0,
    deEscalateIfDltsAtLeast: 2,
    eliminateIfDltsAtLeast: 2
  }))
}
