// The i3+3 design (Liu, Wang & Ji 2020, "The i3+3 design for phase I clinical
// trials", J Biopharm Stat 30(2):294-304): 3+3-like rules on the equivalence interval
// [target - epsilon1, target + epsilon2], with the mTPI-2 safety elimination.
import { decideInterval, intervalSafety, intervalTable, type IntervalDesign, type IntervalParams } from './interval.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from './types.js'

export type I3plus3Params = IntervalParams

function design (p: I3plus3Params): IntervalDesign {
  const lo = p.targetToxicity - (p.epsilon1 ?? 0.05)
  const hi = p.targetToxicity + (p.epsilon2 ?? 0.05)
  if (!(lo > 0 && hi < 1)) throw new RangeError(`i3+3 needs 0 < target - epsilon1 and target + epsilon2 < 1, got [${lo}, ${hi}]`)
  const ei = `[${lo.toFixed(3)}, ${hi.toFixed(3)}]`
  return {
    name: 'i3+3',
    targetToxicity: p.targetToxicity,
    cohortSize: p.cohortSize,
    eliminationCutoff: p.eliminationCutoff ?? 0.95,
    maxSampleSize: p.maxSampleSize,
    safety: intervalSafety(p),
    step: (y, n) => {
      const r = `y/n = ${(y / n).toFixed(3)}`
      if (y / n < lo) return { step: 'E', reason: `${r} below the equivalence interval ${ei}: escalate` }
      if (y / n <= hi) return { step: 'S', reason: `${r} inside the equivalence interval ${ei}: stay` }
      // one DLT fewer would be below the interval: the excess may be noise
      if ((y - 1) / n < lo) return { step: 'S', reason: `${r} above ${ei} but (y-1)/n = ${((y - 1) / n).toFixed(3)} is below it: stay` }
      return { step: 'D', reason: `${r} above ${ei} and (y-1)/n = ${((y - 1) / n).toFixed(3)} is not below it: de-escalate` }
    }
  }
}

export function decideI3plus3 (p: I3plus3Params, input: DesignInput): DesignDecision {
  return decideInterval(design(p), input)
}

export function i3plus3DecisionTable (p: I3plus3Params, maxN: number): DecisionTableRow[] {
  return intervalTable(design(p), maxN)
}
