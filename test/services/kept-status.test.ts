// An AE write that changes none of the status engine's inputs keeps the
// stored status instead of re-evaluating it. The status it keeps must be the
// one a full re-evaluation gives, after every write of a series that mixes
// such AEs with ones that do change the inputs.
import tap from 'tap'
import type { ProtocolInput, StoppingRule } from '../../src/domain/protocol.js'
import { RULE_INPUTS } from '../../src/domain/stopping-rules.js'
import { currentStatus, reevaluateStatus, type StatusDocument } from '../../src/services/status.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { pipelinedTransaction } from '../../src/services/pipeline.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe, reportAe } from '../helpers/fixtures.js'

let recorded: string[] = []
const { app } = await build({}, { logQuery: (query) => recorded.push(query) })

// The status engine's read of every participant of the trial (status.ts, statusInput).
const reevaluated = () => recorded.some((q) => q.includes('first_administration_at as "firstAdministrationAt"'))

const ROLLBACK = new Error('rollback')

/** The status a full re-evaluation gives now, from a transaction that is rolled back. */
async function freshStatus (trialId: string, asOf: string): Promise<StatusDocument> {
  let fresh: StatusDocument | undefined
  await pipelinedTransaction(app.db, async (pipeline) => {
    // Rolled back, with the decision's audit row it would append.
    fresh = await reevaluateStatus({ ...pipeline, audit: () => {} }, trialId, { type: 'test' }, asOf)
    throw ROLLBACK
  }).catch((error: unknown) => { if (error !== ROLLBACK) throw error })
  return fresh!
}

const decisionOf = ({ state, decision, doseLevels, nextChangeAt }: StatusDocument) => ({ state, decision, doseLevels, nextChangeAt })

tap.test('AEs that change no status input keep a status equal to a full re-evaluation', async (t) => {
  const trialId = 'KEPT-1'
  await createTrial(app, trialId)
  // P-1's DLT window has ended; P-2's and P-3's are open.
  for (const [participantId, days] of [['P-1', 20], ['P-2', 5], ['P-3', 4]] as const) await enrolDosed(app, trialId, participantId, 1, days)
  const related = { attribution: 'probable', serious: true, seriousnessCriteria: ['hospitalization'] }
  const series: Array<{ what: string, report: Record<string, unknown>, changesInputs: boolean }> = [
    { what: 'a mild AE', report: mildAe('P-2', daysAgo(3).date), changesInputs: false },
    { what: 'a grade 2 AE past the window', report: { ...mildAe('P-1', daysAgo(2).date), grade: 2 }, changesInputs: false },
    { what: 'a grade 3 AE without symptoms', report: { ...dltAe('P-3', daysAgo(2).date), clinicalSymptoms: false }, changesInputs: false },
    { what: 'a DLT', report: dltAe('P-2', daysAgo(2).date), changesInputs: true },
    { what: 'a mild AE after the DLT', report: mildAe('P-3', daysAgo(1).date), changesInputs: false },
    { what: 'a serious unrelated AE (a safety signal)', report: { ...mildAe('P-3', daysAgo(1).date), serious: true, seriousnessCriteria: ['hospitalization'] }, changesInputs: true },
    { what: 'a serious related AE (halts the trial)', report: { ...mildAe('P-1', daysAgo(1).date), grade: 2, ...related }, changesInputs: true },
    { what: 'a mild AE in a halted trial', report: mildAe('P-3', daysAgo(0).date), changesInputs: false }
  ]
  const states = new Set<string>()
  for (const { what, report, changesInputs } of series) {
    recorded = []
    await reportAe(app, trialId, report)
    t.equal(reevaluated(), changesInputs, `${what}: ${changesInputs ? 're-evaluated' : 'kept'}`)
    const asOf = new Date().toISOString()
    const stored = await currentStatus(app.db, trialId, asOf)
    t.same(decisionOf(stored!), decisionOf(await freshStatus(trialId, asOf)), `${what}: stored status as re-evaluated`)
    states.add(JSON.stringify(decisionOf(stored!).decision))
  }
  t.ok(states.size >= 3, 'the series moved the decision (the DLT, then the halt)')
  t.equal((await currentStatus(app.db, trialId))!.decision.action, 'halt_trial')
})

tap.test('an idempotent replay keeps the status', async (t) => {
  const trialId = 'KEPT-2'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'P-1', 1, 5)
  const post = async () => await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/adverse-events`,
    headers: { ...bearer('admin'), 'idempotency-key': 'kept-2-dlt' },
    payload: dltAe('P-1', daysAgo(2).date)
  })
  recorded = []
  t.equal((await post()).statusCode, 201)
  t.ok(reevaluated(), 'the first request re-evaluates (its AE is a DLT)')
  recorded = []
  t.equal((await post()).statusCode, 201)
  t.notOk(reevaluated(), 'the replay does not')
})

// Every stopping-rule type, alone in the seed protocol, with AEs that it reads and one it does not:
// an AE it reads must re-evaluate the status (the keep predicate, from RULE_INPUTS) and reach it (the
// signal query, from the same), so that the rule fires in the stored status exactly as in a fresh one.
// A type missing here fails to typecheck, and the first assertion below fails if RULE_INPUTS has more.
type RuleCase = {
  rule: ProtocolInput['stoppingRules'][number]
  /** participants enrolled and dosed that many days ago, at level 1 (past the 14-day window: evaluable) */
  dosedDaysAgo: number[]
  series: Array<{ what: string, report: Record<string, unknown>, changesInputs: boolean }>
}
const related = { attribution: 'probable' }
const sae = { serious: true, seriousnessCriteria: ['hospitalization'] }
const ruleCases: { [T in StoppingRule['type']]: RuleCase } = {
  dlt_rate_above: {
    rule: { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' },
    dosedDaysAgo: [20, 20, 20],
    series: [
      { what: 'a mild AE', report: mildAe('P-1', daysAgo(18).date), changesInputs: false },
      { what: 'a first DLT', report: dltAe('P-1', daysAgo(15).date), changesInputs: true },
      { what: 'a second DLT (2/3)', report: dltAe('P-2', daysAgo(15).date), changesInputs: true }
    ]
  },
  posterior_toxicity_above: {
    rule: { type: 'posterior_toxicity_above', theta: 0.33, cutoff: 0.8, scope: 'dose_level', action: 'stop_escalation' },
    dosedDaysAgo: [20, 20, 20],
    series: [
      { what: 'a mild AE', report: mildAe('P-1', daysAgo(18).date), changesInputs: false },
      { what: 'a first DLT', report: dltAe('P-1', daysAgo(15).date), changesInputs: true },
      { what: 'a second DLT (Pr(p > 0.33 | 2/3) = 0.89)', report: dltAe('P-2', daysAgo(15).date), changesInputs: true }
    ]
  },
  related_sae: {
    rule: { type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' },
    dosedDaysAgo: [5],
    series: [
      { what: 'a mild related AE', report: { ...mildAe('P-1', daysAgo(3).date), ...related }, changesInputs: false },
      { what: 'a serious related AE', report: { ...mildAe('P-1', daysAgo(2).date), ...related, ...sae }, changesInputs: true }
    ]
  },
  grade5_related: {
    rule: { type: 'grade5_related', action: 'halt_trial' },
    // past the DLT window: the death is no DLT, only the rule's own signal
    dosedDaysAgo: [20],
    series: [
      { what: 'a grade 2 related AE', report: { ...mildAe('P-1', daysAgo(3).date), ...related, grade: 2 }, changesInputs: false },
      // a death is serious with the death criterion (#15): the report can no longer leave that out
      { what: 'a related death', report: { ...mildAe('P-1', daysAgo(2).date), ...related, term: 'Sepsis', grade: 5, outcome: 'fatal', serious: true, seriousnessCriteria: ['death'] }, changesInputs: true }
    ]
  },
  max_sample_size: {
    rule: { type: 'max_sample_size', n: 2 },
    dosedDaysAgo: [5, 5],
    series: [{ what: 'a mild AE (the rule reads enrolment only)', report: mildAe('P-1', daysAgo(3).date), changesInputs: false }]
  }
}

tap.test('every stopping-rule type: the AEs it reads re-evaluate the status, and it fires as re-evaluated', async (t) => {
  t.same(Object.keys(ruleCases).sort(), Object.keys(RULE_INPUTS).sort(), 'a case for every declared rule type')
  for (const [type, { rule, dosedDaysAgo, series }] of Object.entries(ruleCases)) {
    const trialId = `KEPT-RULE-${type}`
    const protocol: ProtocolInput = { ...nct07295067.protocol, stoppingRules: [rule], assumptions: undefined }
    await createTrial(app, trialId, protocol)
    for (const [i, days] of dosedDaysAgo.entries()) await enrolDosed(app, trialId, `P-${i + 1}`, 1, days)
    for (const { what, report, changesInputs } of series) {
      recorded = []
      await reportAe(app, trialId, report)
      t.equal(reevaluated(), changesInputs, `${type}, ${what}: ${changesInputs ? 're-evaluated' : 'kept'}`)
      const asOf = new Date().toISOString()
      t.same(decisionOf((await currentStatus(app.db, trialId, asOf))!), decisionOf(await freshStatus(trialId, asOf)), `${type}, ${what}: stored status as re-evaluated`)
    }
    t.ok((await currentStatus(app.db, trialId))!.decision.rules.includes(type), `${type} fired`)
  }
})
