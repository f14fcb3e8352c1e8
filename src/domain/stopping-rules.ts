// Generic stopping rules that apply on top of any design (protocol
// `stoppingRules`). Each fired rule carries its id, type, action and a reason a
// DMC member can check by hand.
//
// Rate-based rules (dlt_rate_above, posterior_toxicity_above) look at the
// investigational levels only: a control/placebo level 0 never stops
// escalation, and trial scope pools the levels >= 1. Safety signals (related
// SAE, related death) count at every level, control included, because
// attribution is assessed blinded, unless the protocol says the control
// receives nothing an AE can be related to (controlCanBeRelated: false).
// pause_for_review holds the trial until the DMC has reviewed the firing
// (domain/status.ts). max_sample_size counts enrolled
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

/**
 * The AE facts that make a live AE a safety signal, one a signal rule reads
 * itself (not through the DLT counts). The signal query and its partial index
 * (services/status.ts, db/schema.ts) select the AEs that have any fact a rule
 * type declares; test/db/signal-index.test.ts holds the three together.
 */
export const SIGNAL_FACTS = {
  serious: (ae: Pick<SafetySignal, 'serious'>) => ae.serious,
  grade5: (ae: Pick<SafetySignal, 'grade'>) => ae.grade === 5
} satisfies Record<string, (ae: Pick<SafetySignal, 'serious' | 'grade'>) => boolean>
export type SignalFact = keyof typeof SIGNAL_FACTS

/** What one rule type reads, beside the participants' evaluability. */
export interface RuleInputs {
  /** the DLT and pending-DLT counts of the participants */
  dltCounts: boolean
  /** the number of participants enrolled */
  enrolment: boolean
  /** the safety signals it reads: the AEs with any of these facts */
  signals: readonly SignalFact[]
}

/**
 * The one definition of what can change a rule's decision: an AE write that
 * touches none of these inputs keeps the stored status (services/classification.ts).
 * A signal rule sees only the signals its entry names, so a rule that reads an
 * AE fact it does not declare never fires (test/domain/stopping-rules.test.ts
 * and test/services/kept-status.test.ts iterate over every type).
 */
export const RULE_INPUTS: { readonly [T in StoppingRule['type']]: RuleInputs } = {
  dlt_rate_above: { dltCounts: true, enrolment: false, signals: [] },
  posterior_toxicity_above: { dltCounts: true, enrolment: false, signals: [] },
  related_sae: { dltCounts: false, enrolment: false, signals: ['serious'] },
  grade5_related: { dltCounts: false, enrolment: false, signals: ['grade5'] },
  max_sample_size: { dltCounts: false, enrolment: true, signals: [] }
}

/** Every fact some rule type reads: what the signal query selects. */
export const SIGNAL_FACTS_READ: readonly SignalFact[] = [...new Set(Object.values(RULE_INPUTS).flatMap((r) => r.signals))]

const hasAny = (facts: readonly SignalFact[], ae: Pick<SafetySignal, 'serious' | 'grade'>) => facts.some((f) => SIGNAL_FACTS[f](ae))

/** Whether a live AE is a safety signal: one some rule type reads itself. */
export const isSafetySignal = (ae: Pick<SafetySignal, 'serious' | 'grade'>): boolean => hasAny(SIGNAL_FACTS_READ, ae)

export interface FiredRule {
  ruleId: string
  type: StoppingRule['type']
  action: 'stop_escalation' | 'halt_trial' | 'complete' | 'pause_for_review'
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
  const read = RULE_INPUTS[rule.type].signals
  const hits = signals.filter((s) => hasAny(read, s) && rule.attributions.includes(s.attribution))
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

/** A fired rule as the status reasons say it; a DMC decision taken on a status reviews the firings it shows. */
export const firedReason = (f: FiredRule): string => `${f.ruleId}: ${f.reason}`

export interface RuleOptions {
  /** false: the control group receives nothing an AE can be related to, so its signals do not count (Protocol.controlCanBeRelated) */
  controlCanBeRelated?: boolean | undefined
}

export function evaluateStoppingRules (rules: StoppingRule[], counts: RuleCounts[], signals: SafetySignal[], options: RuleOptions = {}): FiredRule[] {
  const counted = options.controlCanBeRelated === false ? signals.filter((s) => s.doseLevel > 0) : signals
  return rules.flatMap((rule): FiredRule[] => {
    if (rule.type === 'dlt_rate_above' || rule.type === 'posterior_toxicity_above') return rateRule(rule, counts)
    if (rule.type === 'related_sae' || rule.type === 'grade5_related') return signalRule(rule, counted)
    const enrolled = counts.reduce((s, c) => s + c.enrolled, 0)
    return enrolled >= rule.n
      ? [{ ruleId: rule.id, type: rule.type, action: rule.action, reason: `${enrolled} participants enrolled, maximum sample size ${rule.n} reached` }]
      : []
  })
}

/** The fewest DLTs among n evaluable at which a rule reading DLT counts acts; null when not even n of n. */
function actsIfDltsAtLeast (rule: StoppingRule, n: number): number | null {
  const fires = (dlts: number) => evaluateStoppingRules([rule], [{ doseLevel: 1, enrolled: n, evaluable: n, dlts }], []).length > 0
  if (!fires(n)) return null
  // A rate rule that acts at d DLTs acts at every d' > d: search the boundary.
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (fires(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Where each rule that reads DLT counts (RULE_INPUTS) acts among n evaluable
 * participants of one group (of the trial, for trial scope), found by the
 * rule's own evaluator: a decision-table column per rule.
 */
export function ruleActions (rules: StoppingRule[], n: number): Array<{ ruleId: string, actsIfDltsAtLeast: number | null }> {
  return rules.filter((r) => RULE_INPUTS[r.type].dltCounts).map((r) => ({ ruleId: r.id, actsIfDltsAtLeast: actsIfDltsAtLeast(r, n) }))
}
