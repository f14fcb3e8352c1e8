import t from 'tap'
import {
  evaluateStoppingRules, isSafetySignal, posteriorAbove, RULE_INPUTS, SIGNAL_FACTS, type RuleCounts, type SafetySignal
} from '../../src/domain/stopping-rules.js'
import type { StoppingRule } from '../../src/domain/protocol.js'

const RELATED = ['possible', 'probable', 'definite'] as const
const rate = (over: Partial<Extract<StoppingRule, { type: 'dlt_rate_above' }>> = {}): StoppingRule =>
  ({ type: 'dlt_rate_above', id: 'rate', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation', ...over })
const level = (doseLevel: number, evaluable: number, dlts: number, enrolled = evaluable): RuleCounts => ({ doseLevel, enrolled, evaluable, dlts })
const signal = (over: Partial<SafetySignal> = {}): SafetySignal =>
  ({ aeId: 'ae-1', participantId: '001-0001', doseLevel: 2, grade: 3, serious: true, attribution: 'possible', ...over })

t.test('dlt_rate_above: NCT07295067 "stop escalation if DLTs in more than 33%", at least 6 evaluable', async (t) => {
  const rules = [rate()]
  t.same(evaluateStoppingRules(rules, [level(1, 3, 1)], []), [], '1/3 is below the minimum evaluable: the 3+3 expands instead')
  t.same(evaluateStoppingRules(rules, [level(1, 6, 1)], []), [], '1/6 = 16.7% does not exceed 33%')
  t.same(evaluateStoppingRules(rules, [level(1, 6, 1), level(2, 6, 2)], []), [{
    ruleId: 'rate',
    type: 'dlt_rate_above',
    action: 'stop_escalation',
    doseLevel: 2,
    reason: '2/6 evaluable with DLT (33.3%) at dose level 2 exceeds 33% with at least 6 evaluable'
  }], '2/6 = 33.3% exceeds 33%')
  t.same(evaluateStoppingRules([rate({ threshold: 0.5, minEvaluable: 3 })], [level(1, 6, 3)], []), [], 'exactly at the threshold does not exceed it')
  t.same(evaluateStoppingRules([rate({ minEvaluable: 3 })], [level(0, 3, 3)], []), [], 'a control level never stops escalation')
  const arm = evaluateStoppingRules([rate({ minEvaluable: 3 })], [{ ...level(2, 3, 2), armId: 'high' }], [])
  t.match(arm, [{ doseLevel: 2, armId: 'high', reason: /^2\/3 evaluable with DLT \(66\.7%\) at arm high \(dose level 2\)/ }])
})

t.test('dlt_rate_above at trial scope pools the investigational levels', async (t) => {
  const rules = [rate({ scope: 'trial', threshold: 0.25, minEvaluable: 9, action: 'halt_trial' })]
  // 0/3 + 1/3 + 2/3 = 3/9 = 33% > 25%; the control level's 3/3 is not pooled
  t.same(evaluateStoppingRules(rules, [level(0, 3, 3), level(1, 3, 0), level(2, 3, 1), level(3, 3, 2)], []), [{
    ruleId: 'rate', type: 'dlt_rate_above', action: 'halt_trial', reason: '3/9 evaluable with DLT (33.3%) at the trial exceeds 25% with at least 9 evaluable'
  }])
  t.same(evaluateStoppingRules(rules, [level(1, 3, 0), level(2, 3, 2)], []), [], 'only 6 evaluable')
})

t.test('posterior_toxicity_above with a Beta prior', async (t) => {
  // Beta(1,1) prior, 2/3: Beta(3, 2) posterior, Pr(p > 0.3) = 1 - [4(0.3^3)(0.7) + 0.3^4] = 0.9163
  t.ok(Math.abs(posteriorAbove(0.3, { a: 1, b: 1 }, 2, 3) - 0.9163) < 1e-4)
  // BOIN safety elimination (Liu & Yuan 2015, JRSS-C; Yuan et al. 2016, Clin Cancer Res 22:4291, Table 2,
  // target 0.3, Pr(p > 0.3 | data) > 0.95): eliminate with 3 DLTs of 3 and 4 of 6, not with 2 of 3 or 3 of 6
  const rule: StoppingRule = { type: 'posterior_toxicity_above', id: 'elim', theta: 0.3, cutoff: 0.95, prior: { a: 1, b: 1 }, scope: 'dose_level', action: 'stop_escalation' }
  const fired = (c: RuleCounts) => evaluateStoppingRules([rule], [c], []).length === 1
  t.same([fired(level(1, 3, 3)), fired(level(1, 3, 2)), fired(level(1, 6, 4)), fired(level(1, 6, 3))], [true, false, true, false])
  t.match(evaluateStoppingRules([rule], [level(2, 3, 3)], []), [{
    ruleId: 'elim', doseLevel: 2, reason: 'Pr(DLT rate > 0.3 | 3/3, Beta(1, 1) prior) = 0.992 at dose level 2 exceeds 0.95'
  }])
  // with no data the prior alone: Pr(p > 0.01) = 0.99 under Beta(1,1), held back until minEvaluable (default 1)
  const vague: StoppingRule = { ...rule, theta: 0.01 }
  t.same(evaluateStoppingRules([vague], [level(1, 0, 0)], []), [])
  t.same(evaluateStoppingRules([{ ...rule, minEvaluable: 6 }], [level(1, 3, 3)], []), [])
  // pooled 4/6: Pr(p > 0.3) under Beta(5, 3) = 0.971 (the n = 6 row above)
  t.match(evaluateStoppingRules([{ ...rule, scope: 'trial' }], [level(1, 3, 2), level(2, 3, 2)], []), [{ ruleId: 'elim', reason: /at the trial/ }])
})

t.test('related_sae and grade5_related', async (t) => {
  const sae: StoppingRule = { type: 'related_sae', id: 'related_sae', attributions: [...RELATED], action: 'halt_trial' }
  const g5: StoppingRule = { type: 'grade5_related', id: 'g5', attributions: [...RELATED], action: 'halt_trial' }
  t.same(evaluateStoppingRules([sae, g5], [], [signal({ attribution: 'unlikely' }), signal({ serious: false, grade: 4 })]), [])
  t.same(evaluateStoppingRules([sae], [], [signal()]), [{
    ruleId: 'related_sae',
    type: 'related_sae',
    action: 'halt_trial',
    doseLevel: 2,
    reason: '1 serious AE with attribution in [possible, probable, definite]: ae-1 (participant 001-0001, dose level 2, possible)'
  }])
  t.match(evaluateStoppingRules([sae], [], [signal(), signal({ aeId: 'ae-2', doseLevel: 1, attribution: 'definite' })]), [{
    doseLevel: 1, reason: /^2 serious AEs with attribution/
  }])
  t.same(evaluateStoppingRules([g5], [], [signal({ grade: 5, serious: false, attribution: 'probable', doseLevel: 0 })]), [{
    ruleId: 'g5',
    type: 'grade5_related',
    action: 'halt_trial',
    doseLevel: 0,
    reason: '1 grade 5 AE with attribution in [possible, probable, definite]: ae-1 (participant 001-0001, dose level 0, probable)'
  }], 'a death on the (blinded) control arm counts')
})

t.test('max_sample_size', async (t) => {
  const rule: StoppingRule = { type: 'max_sample_size', id: 'max', n: 18, action: 'complete' }
  t.same(evaluateStoppingRules([rule], [level(1, 6, 0), level(2, 6, 1, 6), level(3, 3, 0, 5)], []), [])
  t.same(evaluateStoppingRules([rule], [level(1, 6, 0), level(2, 6, 1, 6), level(3, 3, 0, 6)], []), [{
    ruleId: 'max', type: 'max_sample_size', action: 'complete', reason: '18 participants enrolled, maximum sample size 18 reached'
  }])
})

// One case per rule type, each firing its rule: a type added without a case fails to typecheck, and one
// added to RULE_INPUTS without a case fails below.
type Case = { rule: StoppingRule, counts: RuleCounts[], signals: SafetySignal[] }
const firing: { [T in StoppingRule['type']]: Case } = {
  dlt_rate_above: { rule: rate({ minEvaluable: 3 }), counts: [level(1, 3, 2)], signals: [] },
  posterior_toxicity_above: {
    rule: { type: 'posterior_toxicity_above', id: 'post', theta: 0.33, cutoff: 0.95, prior: { a: 1, b: 1 }, scope: 'dose_level', action: 'stop_escalation' },
    counts: [level(1, 3, 3)],
    signals: []
  },
  related_sae: { rule: { type: 'related_sae', id: 'sae', attributions: [...RELATED], action: 'halt_trial' }, counts: [level(1, 1, 0)], signals: [signal()] },
  grade5_related: {
    rule: { type: 'grade5_related', id: 'g5', attributions: [...RELATED], action: 'halt_trial' },
    counts: [level(1, 1, 0)],
    signals: [signal({ grade: 5, serious: false })]
  },
  max_sample_size: { rule: { type: 'max_sample_size', id: 'max', n: 3, action: 'complete' }, counts: [level(1, 0, 0, 3)], signals: [] }
}

t.test('every rule type reads only the inputs RULE_INPUTS declares for it', async (t) => {
  t.same(Object.keys(firing).sort(), Object.keys(RULE_INPUTS).sort(), 'a firing case for every declared type')
  for (const [type, { rule, counts, signals }] of Object.entries(firing)) {
    const inputs = RULE_INPUTS[type as StoppingRule['type']]
    const fired = evaluateStoppingRules([rule], counts, signals)
    t.equal(fired.length, 1, `${type} fires on its case`)
    // What the engine gives the rule of its case through its declaration alone (the signal query selects
    // by the declared facts): the same decision.
    const declared = counts.map((c) => ({
      ...c, dlts: inputs.dltCounts ? c.dlts : 0, enrolled: inputs.enrolment ? c.enrolled : c.evaluable
    }))
    const read = signals.filter((s) => isSafetySignal(s) && inputs.signals.some((f) => SIGNAL_FACTS[f](s)))
    t.same(evaluateStoppingRules([rule], declared, read), fired, `${type} decides the same on its declared inputs`)
  }
})
