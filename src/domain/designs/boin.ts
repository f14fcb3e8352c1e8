// Bayesian optimal interval design (Liu & Yuan 2015, JRSS-C 64:507-523), as
// implemented by the BOIN R package (Yan et al. 2020, J Stat Softw 94(13)).
import { decideInterval, intervalSafety, intervalTable, type IntervalDesign } from './interval.js'
import type { DecisionTableRow, DesignDecision, DesignInput, SafetyStop } from './types.js'

export interface BoinParams {
  startDoseLevel: number
  cohortSize: number
  targetToxicity: number
  /** highest DLT rate deemed sub-therapeutic [0.6 x target] */
  phi1?: number
  /** lowest DLT rate deemed overly toxic [1.4 x target] */
  phi2?: number
  eliminationCutoff?: number
  nEarlyStop?: number
  maxSampleSize?: number
  safetyStop?: SafetyStop
}

/** the escalation and de-escalation boundaries λe and λd on the observed DLT rate */
export function boinBoundaries (target: number, phi1 = 0.6 * target, phi2 = 1.4 * target): { lambdaE: number, lambdaD: number } {
  if (!(phi1 > 0 && phi1 < target && target < phi2 && phi2 < 1)) {
    throw new RangeError(`BOIN needs 0 < phi1 < target < phi2 < 1, got ${phi1}, ${target}, ${phi2}`)
  }
  return {
    lambdaE: Math.log((1 - phi1) / (1 - target)) / Math.log(target * (1 - phi1) / (phi1 * (1 - target))),
    lambdaD: Math.log((1 - target) / (1 - phi2)) / Math.log(phi2 * (1 - target) / (target * (1 - phi2)))
  }
}

function design (p: BoinParams): IntervalDesign {
  const { lambdaE, lambdaD } = boinBoundaries(p.targetToxicity, p.phi1, p.phi2)
  const le = lambdaE.toFixed(4)
  const ld = lambdaD.toFixed(4)
  return {
    name: 'BOIN',
    targetToxicity: p.targetToxicity,
    cohortSize: p.cohortSize,
    eliminationCutoff: p.eliminationCutoff ?? 0.95,
    nEarlyStop: p.nEarlyStop,
    maxSampleSize: p.maxSampleSize,
    safety: intervalSafety(p),
    step: (y, n) => {
      const rate = y / n
      const r = `observed DLT rate ${rate.toFixed(3)}`
      if (rate <= lambdaE) return { step: 'E', reason: `${r} <= λe = ${le}: escalate` }
      if (rate >= lambdaD) return { step: 'D', reason: `${r} >= λd = ${ld}: de-escalate` }
      return { step: 'S', reason: `${r} between λe = ${le} and λd = ${ld}: stay` }
    }
  }
}

export function decideBoin (p: BoinParams, input: DesignInput): DesignDecision {
  return decideInterval(design(p), input)
}

/** BOIN get.boundary's table: escalate if y <= floor(n λe), de-escalate if y >= ceil(n λd) (capped at elimination) */
export function boinDecisionTable (p: BoinParams, maxN: number): DecisionTableRow[] {
  return intervalTable(design(p), maxN)
}
