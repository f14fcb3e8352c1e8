// Generic stopping rules that apply on top of any design (protocol
// `stoppingRules`). Each fired rule carries its id, type, action and a reason a
// DMC member can check by hand.
//
// Rate-based rules (dlt_rate_above, posterior_toxicity_above) look at the
// investigational levels only: a control/placebo level 0 never stops
// escalation, and trial scope pools the levels >= 1. Safety signals (related
// SAE, related death) count at every level, control included, because
// attribution is assessed blinded. max_sample_size counts enrolled
// participants who are not replaceable (evaluable + pending) at every level.
import type { Attribution, StoppingRule } from './protocol.js'
import { betaCdf } from './stats.js'
import type { GroupCounts } from './evaluability.js'

export type RuleCounts = Pick<GroupCounts, 'doseLevel' | 'armId' | 'enrolled' | 'evaluable' | 'dlts'>

/** a non-nullified AE of the trial that is serious or grade 5 */
export interface SafetySignal {
  aeId: string
  participantId: string
  doseLevel: number
  grade: number
  serious: boolean
  attribution: Attribution
}

export interface FiredRule {
  ruleId: string
  type: StoppingRule['type']
  action: 'stop_escalation' | 'halt_trial' | 'complete'
  reason: string
  /** the level the rule fired at (dose-level scope), or the lowest level of the signals that fired it */
  doseLevel?: number
  armId?: string
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`
const where = (c: RuleCounts) => c.armId !== undefined ? `arm ${c.armId} (dose level ${c.doseLevel})` : `dose level ${c.doseLevel}`
const at = (c: RuleCounts) => c.armId !== undefined ? { doseLevel: c.doseLevel, armId: c.armId } : { doseLevel: c.doseLevel }

function pooled (counts: RuleCounts[]): RuleCounts {
  return counts.reduce((s, c) => ({ ...s, evaluable: s.evaluable + c.evaluable, dlts: s.dlts + c.dlts }), { doseLevel: 0, enrolled: 0, evaluable: 0, dlts: 0 })
}

/** Pr(p > theta) under the Beta(a + dlts, b + evaluable - dlts) posterior */
export function posteriorAbove (theta: number, prior: { a: number, b: number }, dlts: number, evaluable: number): number {
  return 1 - betaCdf(theta, prior.a + dlts, prior.b + evaluable - dlts)
}

function rateRule (rule: Extract<StoppingRule, { scope: unknown }>, counts: RuleCounts[]): FiredRule[] {
  const active = counts.filter((c) => c.doseLevel > 0)
  const groups = rule.scope === 'trial' ? [pooled(active)] : active
  return groups.flatMap((c): FiredRule[] => {
    const label = rule.scope === 'trial' ? 'the trial' : where(c)
    const base = { ruleId: rule.id, type: rule.type, action: rule.action, ...(rule.scope === 'trial' ? {} : at(c)) }
    if (rule.type === 'dlt_rate_above') {
      if (c.evaluable < rule.minEvaluable || !(c.dlts / c.evaluable > rule.threshold)) return []
      return [{ ...base, reason: `${c.dlts}/${c.evaluable} evaluable with DLT (${pct(c.dlts / c.evaluable)}) at ${label} exceeds ${pct(rule.threshold)} with at least ${rule.minEvaluable} evaluable` }]
    }
    const minEvaluable = rule.minEvaluable ?? 1
    if (c.evaluable < minEvaluable) return []
    const pr = posteriorAbove(rule.theta, rule.prior, c.dlts, c.evaluable)
    if (!(pr > rule.cutoff)) return []
    return [{ ...base, reason: `Pr(DLT rate > ${rule.theta} | ${c.dlts}/${c.evaluable}, Beta(${rule.prior.a}, ${rule.prior.b}) prior) = ${pr.toFixed(3)} at ${label} exceeds ${rule.cutoff}` }]
  })
}

function signalRule (rule: Extract<StoppingRule, { type: 'related_sae' | 'grade5_related' }>, signals: SafetySignal[]): FiredRule[] {
  const hits = signals.filter((s) => rule.attributions.includes(s.attribution) && (rule.type === 'related_sae' ? s.serious : s.grade === 5))
  if (hits.length === 0) return []
  const what = rule.type === 'related_sae' ? 'serious AE' : 'grade 5 AE'
  const detail = hits.map((s) => `${s.aeId} (participant ${s.participantId}, dose level ${s.doseLevel}, ${s.attribution})`).join('; ')
  return [{
    ruleId: rule.id,
    type: rule.type,
    action: rule.action,
    reason: `${hits.length} ${what}${hits.length > 1 ? 's' : ''} with attribution in [${rule.attributions.join(', ')}]: ${detail}`,
    doseLevel: Math.min(...hits.map((s) => s.doseLevel))
  }]
}

export function evaluateStoppingRules (rules: StoppingRule[], counts: RuleCounts[], signals: SafetySignal[]): FiredRule[] {
  return rules.flatMap((rule): FiredRule[] => {
    if (rule.type === 'dlt_rate_above' || rule.type === 'posterior_toxicity_above') return rateRule(rule, counts)
    if (rule.type === 'related_sae' || rule.type === 'grade5_related') return signalRule(rule, signals)
    const enrolled = counts.reduce((s, c) => s + c.enrolled, 0)
    return enrolled >= rule.n
      ? [{ ruleId: rule.id, type: rule.type, action: rule.action, reason: `${enrolled} participants enrolled, maximum sample size ${rule.n} reached` }]
      : []
  })
}
