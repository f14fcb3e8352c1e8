// Rule-based monitoring a DMC would sign (issue #16): rules that hold the
// trial for DMC review, the decision table of the rules that read DLT counts,
// and what a control group counts in.
import t from 'tap'
import { parseProtocol, type Protocol } from '../../src/domain/protocol.js'
import { decisionTableFor, evaluateStatus, type StatusInput } from '../../src/domain/status.js'
import type { ParticipantSummary } from '../../src/domain/evaluability.js'
import type { SafetySignal } from '../../src/domain/stopping-rules.js'

const RELATED = ['possible', 'probable', 'definite']
const ASOF = '2026-03-01T00:00:00Z'
const EARLY = '2026-01-01T09:00:00Z' // windows closed by ASOF
// NCT07101484-like parallel groups: a blank control and three doses, stopping rules only.
const parallel = {
  doseLevels: [{ level: 0, label: 'Blank control' }, { level: 1, label: 'low' }, { level: 2, label: 'mid' }, { level: 3, label: 'high' }],
  dltDefinition: { windowDays: 28, windowStart: 'first_administration', minGrade: 3, attributions: RELATED },
  design: { type: 'none' },
  stoppingRules: [{ type: 'related_sae', attributions: RELATED, action: 'halt_trial' }]
}
function protocol (over: object = {}): Protocol {
  const r = parseProtocol({ ...structuredClone(parallel), ...over })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.protocol
}
let seq = 0
const cohort = (doseLevel: number, n: number, dlts: number): ParticipantSummary[] => Array.from({ length: n }, (_, i) => ({
  participantId: `p${++seq}`, doseLevel, status: 'enrolled', firstAdministrationAt: EARLY, lastAdministrationAt: EARLY, dltCount: i < dlts ? 1 : 0, pendingDltCount: 0
}))
const status = (p: Protocol, participants: ParticipantSummary[], over: Partial<StatusInput> = {}) =>
  evaluateStatus(p, { participants, signals: [], ...over }, ASOF)
const sae = (doseLevel: number, aeId = 'ae-1'): SafetySignal => ({ aeId, participantId: 'p1', doseLevel, grade: 3, serious: true, attribution: 'probable' })

t.test('pause_for_review holds the trial until a DMC decision taken on a status that shows the firing', async (t) => {
  const review = protocol({ stoppingRules: [{ type: 'related_sae', attributions: RELATED, action: 'pause_for_review' }] })
  const people = [...cohort(1, 3, 0), ...cohort(2, 3, 0)]
  const clear = status(review, people)
  t.equal(clear.state, 'go', 'no signal: the groups are open')
  const fired = status(review, people, { signals: [sae(2)] })
  t.same([fired.state, fired.doseLevels.filter((d) => d.open)], ['hold', []], 'a related SAE holds every group: no level is open')
  t.ok(fired.decision.reasons.includes('related_sae: on hold for DMC review'))
  t.same(fired.decision.rules, ['none', 'related_sae'])
  t.equal(fired.decision.action, 'stay', 'the rule neither stops escalation nor halts the trial')
  // The DMC reviews that status and lets the trial continue.
  const reviewed = status(review, people, { signals: [sae(2)], dmcReviewed: fired.decision.reasons })
  t.same([reviewed.state, reviewed.doseLevels.filter((d) => d.open).map((d) => d.doseLevel)], ['go', [0, 1, 2, 3]])
  t.notOk(reviewed.decision.reasons.includes('related_sae: on hold for DMC review'))
  // A second SAE is a firing the DMC has not seen: on hold again.
  const again = status(review, people, { signals: [sae(2), sae(1, 'ae-2')], dmcReviewed: fired.decision.reasons })
  t.equal(again.state, 'hold')
  // A review of a status without the firing (taken before it) releases nothing.
  t.equal(status(review, people, { signals: [sae(2)], dmcReviewed: clear.decision.reasons }).state, 'hold')
  // A DMC pause still holds, a halt_trial rule still stops.
  t.equal(status(review, people, { signals: [sae(2)], dmcReviewed: fired.decision.reasons, dmc: 'pause' }).state, 'hold')
  const both = protocol({
    stoppingRules: [
      { type: 'related_sae', attributions: RELATED, action: 'pause_for_review' },
      { type: 'grade5_related', action: 'halt_trial' }
    ]
  })
  t.equal(status(both, people, { signals: [{ ...sae(2), grade: 5 }] }).state, 'stop', 'a related death halts, review or not')
})

t.test('pause_for_review on a rate rule in an escalation design', async (t) => {
  const p = protocol({
    doseLevels: [{ level: 1, label: 'low' }, { level: 2, label: 'high' }],
    design: { type: '3+3', startDoseLevel: 1 },
    stoppingRules: [{ type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'pause_for_review' }]
  })
  const people = [...cohort(1, 3, 0), ...cohort(2, 3, 1)]
  // The 3+3 alone would expand level 2 on 1/3; the rule (1/3 = 33.3% > 33%) asks the DMC first.
  const fired = status(p, people, { currentDoseLevel: 2 })
  // Under the hold the action that applies is to stay with no level opened: the design's expansion waits for the DMC.
  t.same([fired.state, fired.decision.action, fired.decision.nextDoseLevel], ['hold', 'stay', null])
  const reviewed = status(p, people, { currentDoseLevel: 2, dmcReviewed: fired.decision.reasons })
  t.same([reviewed.state, reviewed.decision.action, reviewed.decision.nextDoseLevel], ['go', 'expand_cohort', 2])
})

t.test('decision table: per n, the DLT count at which each rate rule acts, for every design', async (t) => {
  // The rule the records name ("more than 33% of evaluable participants with a DLT", at least 6 evaluable)
  // beside the one invented for three trials (Pr(p > 0.33) > 0.95, flat prior), which tolerates 2/3, 3/5 and 4/7.
  const p = protocol({
    stoppingRules: [
      { id: 'rate', type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
      { id: 'posterior', type: 'posterior_toxicity_above', theta: 0.33, cutoff: 0.95, scope: 'dose_level', action: 'stop_escalation' },
      { id: 'sae', type: 'related_sae', attributions: RELATED, action: 'halt_trial' },
      { id: 'max', type: 'max_sample_size', n: 24 }
    ]
  })
  const table = decisionTableFor(p)
  t.equal(table.design, 'none')
  t.equal(table.rows.length, 30)
  const at = (n: number) => table.rows.find((r) => r.n === n)!
  t.match(at(3), { escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null }, 'the design columns stay null for none')
  const acts = (n: number) => Object.fromEntries(at(n).rules.map((r) => [r.ruleId, r.actsIfDltsAtLeast]))
  t.same(at(3).rules.map((r) => r.ruleId), ['rate', 'posterior'], 'only the rules that read DLT counts')
  t.same(acts(5), { rate: null, posterior: 4 }, 'below the minimum evaluable the rate rule does not act; the posterior one tolerates 3/5')
  t.same(acts(3), { rate: null, posterior: 3 }, 'the posterior rule tolerates 2/3')
  t.same(acts(6), { rate: 2, posterior: 4 }, '2/6 = 33.3% is more than 33%')
  t.same(acts(7), { rate: 3, posterior: 5 }, '2/7 = 28.6% is not; the posterior rule tolerates 4/7')
  t.same(acts(9), { rate: 3, posterior: 6 }, '3/9 = 33.3% is more than 33%')
  t.same(acts(1), { rate: null, posterior: null }, 'Pr(p > 0.33 | 1/1) = 1 - 0.33^2 = 0.891: not even 1/1 makes it act')
  // An escalation design keeps its own columns and gains the rules'.
  const threePlusThree = decisionTableFor(protocol({
    doseLevels: [{ level: 1, label: 'low' }], design: { type: '3+3', startDoseLevel: 1 }, stoppingRules: p.stoppingRules
  }))
  t.match(threePlusThree.rows, [{ n: 3, escalateIfDltsAtMost: 0, rules: [{ ruleId: 'rate', actsIfDltsAtLeast: null }, { ruleId: 'posterior', actsIfDltsAtLeast: 3 }] },
    { n: 6, escalateIfDltsAtMost: 1, rules: [{ ruleId: 'rate', actsIfDltsAtLeast: 2 }, { ruleId: 'posterior', actsIfDltsAtLeast: 4 }] }])
  // Each boundary is where the rule fires in the status: one DLT fewer does not.
  const rate = protocol({ stoppingRules: [p.stoppingRules[0]] })
  t.equal(status(rate, cohort(1, 6, 2)).decision.action, 'stop_escalation')
  t.equal(status(rate, cohort(1, 6, 1)).decision.action, 'stay')
})

t.test('control group (dose level 0): not DLT-evaluable in rules; signals counted unless nothing can be related', async (t) => {
  const rate = { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'trial', action: 'halt_trial' }
  // 3 control participants with a DLT-like event and 3 at level 1 with none: the pooled rate is 0/3, not 3/6.
  const pooled = status(protocol({ stoppingRules: [rate] }), [...cohort(0, 3, 3), ...cohort(1, 3, 0)])
  t.same([pooled.state, pooled.decision.rules], ['go', ['none']], 'control DLT counts never reach a rate rule')
  // #16: a control-group AE changes no DLT count, not even its own row's (its events stay in the AE summaries).
  t.same([pooled.doseLevels[0]!.dlts, pooled.doseLevels[0]!.evaluable, pooled.doseLevels[0]!.dltRate], [0, 0, null], 'the control row counts no DLT and nobody evaluable')
  const people = [...cohort(0, 2, 0), ...cohort(1, 2, 0)]
  // A placebo procedure (or when the protocol says nothing: attribution is assessed blinded): a related SAE counts.
  t.equal(status(protocol(), people, { signals: [sae(0)] }).state, 'stop', 'protocol silent: the control SAE halts, as before')
  t.equal(status(protocol({ controlCanBeRelated: true }), people, { signals: [sae(0)] }).state, 'stop', 'placebo procedure: it halts')
  // A blank control receives nothing an AE can be related to.
  const blank = protocol({
    controlCanBeRelated: false,
    stoppingRules: [
      { type: 'related_sae', attributions: RELATED, action: 'halt_trial' }, { type: 'grade5_related', action: 'halt_trial' }
    ]
  })
  t.same(status(blank, people, { signals: [sae(0), { ...sae(0, 'ae-2'), grade: 5 }] }).state, 'go', 'blank control: its SAE and death do not count')
  t.equal(status(blank, people, { signals: [sae(1)] }).state, 'stop', 'an SAE at a dose level still does')
})

t.test('a stop_escalation rule closes the level it fired at and every level above, not the whole trial', async (t) => {
  const escalation = (rule: object) => protocol({
    doseLevels: [{ level: 1, label: 'low' }, { level: 2, label: 'mid' }, { level: 3, label: 'high' }],
    design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 },
    stoppingRules: [rule]
  })
  const saeRule = { type: 'related_sae', attributions: RELATED, action: 'stop_escalation' }
  const people = [...cohort(1, 3, 0), ...cohort(2, 3, 0)]
  // BOIN alone escalates from 0/3 at level 2 to level 3.
  t.same(status(escalation(saeRule), people, { currentDoseLevel: 2 }).decision.nextDoseLevel, 3)
  // A related SAE at level 2: level 2 and above are closed; level 1 goes on (monotone toxicity).
  const atTwo = status(escalation(saeRule), people, { currentDoseLevel: 2, signals: [sae(2)] })
  t.same([atTwo.state, atTwo.decision.action, atTwo.decision.nextDoseLevel, atTwo.doseLevels.filter((d) => d.open).map((d) => d.doseLevel)],
    ['go', 'stop_escalation', 1, [1]])
  // At level 1 no level is left: the trial stops.
  const atOne = status(escalation(saeRule), people, { currentDoseLevel: 2, signals: [sae(1)] })
  t.same([atOne.state, atOne.decision.nextDoseLevel], ['stop', null])
  // A rate rule at dose-level scope: 2/3 at level 2 closes levels 2 and 3.
  const rate = escalation({ type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' })
  const toxicTwo = status(rate, [...cohort(1, 3, 0), ...cohort(2, 3, 2)], { currentDoseLevel: 2 })
  t.same([toxicTwo.state, toxicTwo.decision.nextDoseLevel], ['go', 1])
})
