// The modified toxicity probability interval design, mTPI-2 (Guo, Wang, Yang,
// Lynn & Ji 2017, Contemporary Clinical Trials 58:23-33): (0, 1) is cut
// into the equivalence interval EI = [target - epsilon1, target + epsilon2] and
// intervals of the same length below and above it (the ones at 0 and 1
// truncated); the interval with the largest unit probability mass
// Pr(p in I | y, n) / |I| under Beta(1 + y, 1 + n - y) decides E, S or D.
import { betaCdf } from '../stats.js'
import { decideInterval, intervalSafety, intervalTable, type IntervalDesign, type IntervalParams, type Step } from './interval.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from './types.js'

export type Mtpi2Params = IntervalParams

export interface Interval { lo: number, hi: number, step: Step }

/** the under-dosing intervals, the EI and the over-dosing intervals, in ascending order */
export function mtpi2Intervals (target: number, epsilon1 = 0.05, epsilon2 = 0.05): Interval[] {
  const lo = target - epsilon1
  const hi = target + epsilon2
  if (!(epsilon1 > 0 && epsilon2 > 0 && lo > 0 && hi < 1)) {
    throw new RangeError(`mTPI-2 needs 0 < target - epsilon1 < target + epsilon2 < 1, got [${lo}, ${hi}]`)
  }
  const width = epsilon1 + epsilon2
  const below: Interval[] = []
  // a small tolerance keeps rounding from creating a sliver interval at 0 or 1
  for (let b = lo; b > 1e-9; b -= width) below.unshift({ lo: Math.max(0, b - width), hi: b, step: 'E' })
  const above: Interval[] = []
  for (let a = hi; a < 1 - 1e-9; a += width) above.push({ lo: a, hi: Math.min(1, a + width), step: 'D' })
  return [...below, { lo, hi, step: 'S' }, ...above]
}

function design (p: Mtpi2Params): IntervalDesign {
  const intervals = mtpi2Intervals(p.targetToxicity, p.epsilon1, p.epsilon2)
  const label = { E: 'under-dosing: escalate', S: 'the equivalence interval: stay', D: 'over-dosing: de-escalate' }
  return {
    name: 'mTPI-2',
    targetToxicity: p.targetToxicity,
    cohortSize: p.cohortSize,
    eliminationCutoff: p.eliminationCutoff ?? 0.95,
    maxSampleSize: p.maxSampleSize,
    safety: intervalSafety(p),
    step: (y, n) => {
      let best = intervals[0]
      let bestUpm = -1
      for (const iv of intervals) {
        const upm = (betaCdf(iv.hi, 1 + y, 1 + n - y) - betaCdf(iv.lo, 1 + y, 1 + n - y)) / (iv.hi - iv.lo)
        if (upm > bestUpm) {
          best = iv
          bestUpm = upm
        }
      }
      return {
        step: best.step,
        reason: `largest unit probability mass ${bestUpm.toFixed(3)} in (${best.lo.toFixed(2)}, ${best.hi.toFixed(2)}), ${label[best.step]}`
      }
    }
  }
}

export function decideMtpi2 (p: Mtpi2Params, input: DesignInput): DesignDecision {
  return decideInterval(design(p), input)
}

export function mtpi2DecisionTable (p: Mtpi2Params, maxN: number): DecisionTableRow[] {
  return intervalTable(design(p), maxN)
}
