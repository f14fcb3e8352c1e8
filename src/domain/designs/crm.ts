// The continual reassessment method (O'Quigley, Pepe & Fisher 1990,
// Biometrics 46:33-48) as computed by Cheung's dfcrm package, crm() with
// method "bayes": a ~ N(0, priorVariance); empiric model p_i = skeleton_i^exp(a);
// logistic model logit p_i = intercept + exp(a) x_i with x_i = logit(skeleton_i)
// - intercept. Like dfcrm, the DLT probabilities are the plug-in values at the
// posterior mean of a (its "ptox"), and the recommended level is the one whose
// ptox is closest to the target (the lower one on a tie). The integrals run over
// a in [-10, 10], as dfcrm's numerator does.
import { integrate } from '../stats.js'
import { currentIndex, decideOverOutcomes, safetyRule, unfilledPlaces } from './common.js'
import type { DecisionTableRow, DesignDecision, DesignInput, SafetyStop } from './types.js'

export interface CrmParams {
  startDoseLevel: number
  cohortSize: number
  targetToxicity: number
  /** prior guess of the DLT probability at each dose level, ascending */
  skeleton: number[]
  model?: 'empiric' | 'logistic'
  priorVariance?: number
  intercept?: number
  noSkipEscalation?: boolean
  /** stop when Pr(DLT rate at the lowest level > threshold | data) > probability (default: the target, 0.9) */
  safetyStop?: SafetyStop
  maxSampleSize?: number
}

export interface CrmFit {
  /** posterior mean of a */
  estimate: number
  /** DLT probability per level at the posterior mean of a (dfcrm's ptox) */
  ptox: number[]
  /** index of the level whose ptox is closest to the target */
  recommended: number
  /** Pr(DLT rate at the lowest level > the safety stop's threshold | data), 0 with the safety stop disabled */
  lowestOverThreshold: number
}

const A = 10
const softplus = (v: number) => v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))
const logit = (p: number) => Math.log(p / (1 - p))

interface Model {
  logP: (a: number, i: number) => number
  logQ: (a: number, i: number) => number
  p: (a: number, i: number) => number
  /** the a below which p_1(a) > threshold (p_1 falls as a grows); -Infinity if never */
  cut: (threshold: number) => number
}

function model (p: CrmParams): Model {
  const s = p.skeleton
  if (!(p.targetToxicity > 0 && p.targetToxicity < 1)) throw new RangeError('CRM targetToxicity must be in (0, 1)')
  if (!s.every((v, i) => v > 0 && v < 1 && (i === 0 || v > s[i - 1]))) {
    throw new RangeError('CRM skeleton must be strictly increasing probabilities in (0, 1)')
  }
  if ((p.model ?? 'empiric') === 'empiric') {
    const x = s.map(Math.log)
    return {
      logP: (a, i) => Math.exp(a) * x[i],
      logQ: (a, i) => Math.log(-Math.expm1(Math.exp(a) * x[i])),
      p: (a, i) => Math.exp(Math.exp(a) * x[i]),
      cut: th => Math.log(Math.log(th) / x[0])
    }
  }
  const b0 = p.intercept ?? 3
  const x = s.map(v => logit(v) - b0)
  if (!x.every(v => v < 0)) throw new RangeError(`CRM logistic intercept ${b0} is too small: every logit(skeleton) must be below it`)
  return {
    logP: (a, i) => -softplus(-(b0 + Math.exp(a) * x[i])),
    logQ: (a, i) => -softplus(b0 + Math.exp(a) * x[i]),
    p: (a, i) => 1 / (1 + Math.exp(-(b0 + Math.exp(a) * x[i]))),
    cut: th => logit(th) >= b0 ? -Infinity : Math.log((logit(th) - b0) / x[0])
  }
}

/** posterior summary for per-level data (n evaluable, y DLTs), in skeleton order */
export function crmFit (p: CrmParams, data: Array<{ n: number, y: number }>): CrmFit {
  const m = model(p)
  const variance = p.priorVariance ?? 1.34
  if (!(variance > 0)) throw new RangeError('CRM priorVariance must be positive')
  const rule = safetyRule(p)
  if (rule !== null && !(rule.threshold > 0 && rule.threshold < 1)) throw new RangeError('CRM safetyStop.threshold must be in (0, 1)')
  const used = data.map((d, i) => ({ ...d, i })).filter(d => d.n > 0)
  const logPost = (a: number) => used.reduce((s, d) => s + d.y * m.logP(a, d.i) + (d.n - d.y) * m.logQ(a, d.i), -a * a / (2 * variance))
  // scale by the largest value on a grid so that exp() neither under- nor overflows
  let shift = -Infinity
  for (let k = 0; k <= 400; k++) shift = Math.max(shift, logPost(-A + k * 2 * A / 400))
  const post = (a: number) => Math.exp(logPost(a) - shift)
  const den = integrate(post, -A, A)
  const estimate = integrate(a => a * post(a), -A, A) / den
  const ptox = p.skeleton.map((_, i) => m.p(estimate, i))
  let recommended = 0
  ptox.forEach((q, i) => {
    if (Math.abs(q - p.targetToxicity) < Math.abs(ptox[recommended] - p.targetToxicity)) recommended = i
  })
  let lowestOverThreshold = 0
  if (rule !== null) {
    const cut = Math.min(A, m.cut(rule.threshold))
    if (cut > -A) lowestOverThreshold = integrate(post, -A, cut) / den
  }
  return { estimate, ptox, recommended, lowestOverThreshold }
}

function describe (p: CrmParams, fit: CrmFit, levels: number[]): string {
  const est = fit.ptox.map((q, i) => `${levels[i]}: ${q.toFixed(3)}`).join(', ')
  return `CRM (${p.model ?? 'empiric'}): posterior mean of a = ${fit.estimate.toFixed(4)}; estimated DLT probabilities ${est}; closest to the target ${p.targetToxicity}: level ${levels[fit.recommended]}`
}

function choose (p: CrmParams, fit: CrmFit, levels: number[], c: number): DesignDecision {
  const reasons = [describe(p, fit, levels)]
  let next = fit.recommended
  // the current level is always tried, so this also keeps within one level of the highest tried
  if ((p.noSkipEscalation ?? true) && next > c + 1) {
    next = c + 1
    reasons.push(`no skipping: at most one level above the current level ${levels[c]}`)
  }
  const action = next > c ? 'escalate' : next < c ? 'de_escalate' : 'stay'
  return { action, nextDoseLevel: levels[next], eliminated: [], reasons }
}

// The default stop waits for 3 evaluable at the lowest level, as BOIN's does:
// under the logistic model one DLT in one participant already gives
// Pr(p1 > target) > 0.9. A protocol's own safetyStop applies as written.
function stopsForSafety (p: CrmParams, fit: CrmFit, evaluableAtLowest: number): boolean {
  const rule = safetyRule(p)
  return rule !== null && (p.safetyStop !== undefined || evaluableAtLowest >= 3) && fit.lowestOverThreshold > rule.probability
}

export function decideCrm (p: CrmParams, input: DesignInput): DesignDecision {
  const c = currentIndex(input)
  const { doseLevels: levels, counts } = input
  if (p.skeleton.length !== levels.length) throw new RangeError(`CRM skeleton has ${p.skeleton.length} values for ${levels.length} dose levels`)
  const data = counts.map(x => ({ n: x.evaluable, y: x.dlts }))
  const fit = crmFit(p, data)
  if (stopsForSafety(p, fit, counts[0].evaluable)) {
    const s = safetyRule(p)!
    return {
      action: 'stop_escalation',
      nextDoseLevel: null,
      mtdDoseLevel: null,
      eliminated: [...levels],
      reasons: [describe(p, fit, levels), `Pr(DLT rate at level ${levels[0]} > ${s.threshold}) = ${fit.lowestOverThreshold.toFixed(3)} > ${s.probability}: the lowest dose is too toxic, stop${p.safetyStop === undefined ? ' (default safety stop)' : ''}`]
    }
  }
  const total = counts.reduce((s, x) => s + x.evaluable + x.pending, 0)
  if (p.maxSampleSize !== undefined && total >= p.maxSampleSize) {
    const reasons = [`${total} participants treated reach the maximum sample size ${p.maxSampleSize}`, describe(p, fit, levels), `MTD: level ${levels[fit.recommended]}`]
    const pending = counts.reduce((s, x) => s + x.pending, 0)
    if (pending > 0) reasons.push(`the MTD selection is provisional: ${pending} participant(s) still pending`)
    return { action: 'complete', nextDoseLevel: null, mtdDoseLevel: levels[fit.recommended], eliminated: [], reasons }
  }
  const unfilled = unfilledPlaces(counts[c].enrolled, p.cohortSize)
  const pending = counts.reduce((s, x) => s + x.pending, 0)
  if (pending + unfilled === 0) return choose(p, fit, levels, c)
  // CRM's recommendation falls as DLTs are added anywhere, so the two extreme
  // outcomes (no outstanding participant with a DLT, all of them with one) bound all others
  const extreme = (withDlt: boolean) => counts.map((x, i) => {
    const extra = x.pending + (i === c ? unfilled : 0)
    return { n: x.evaluable + extra, y: x.dlts + (withDlt ? extra : 0) }
  })
  const scenarios = [false, true].map(w => choose(p, crmFit(p, extreme(w)), levels, c))
  return decideOverOutcomes(scenarios, {
    currentLevel: levels[c],
    pending,
    unfilled,
    eliminated: [],
    summary: `CRM at level ${levels[c]}: ${pending} participant(s) pending, ${unfilled} open place(s) in the cohort of ${p.cohortSize}; on the data so far: ${describe(p, fit, levels)}`
  })
}

/**
 * For n = 1..maxN participants evaluated at the start level and no other data:
 * the largest DLT count for which the model escalates, the smallest for which
 * it recommends a lower level or stops, and the smallest for which the safety
 * stop fires.
 */
export function crmDecisionTable (p: CrmParams, maxN: number, doseLevels?: number[]): DecisionTableRow[] {
  const levels = doseLevels ?? p.skeleton.map((_, i) => i + 1)
  const c = levels.indexOf(p.startDoseLevel)
  if (c < 0 || levels.length !== p.skeleton.length) throw new RangeError('CRM decision table: start level or skeleton does not match the dose levels')
  const rows: DecisionTableRow[] = []
  for (let n = 1; n <= maxN; n++) {
    const row: DecisionTableRow = { n, escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null }
    for (let y = n; y >= 0; y--) {
      const fit = crmFit(p, levels.map((_, i) => i === c ? { n, y } : { n: 0, y: 0 }))
      const stop = stopsForSafety(p, fit, c === 0 ? n : 0)
      const next = choose(p, fit, levels, c).nextDoseLevel!
      if (stop) row.eliminateIfDltsAtLeast = y
      if (stop || next < levels[c]) row.deEscalateIfDltsAtLeast = y
      if (!stop && next > levels[c] && row.escalateIfDltsAtMost === null) row.escalateIfDltsAtMost = y
    }
    rows.push(row)
  }
  return rows
}
