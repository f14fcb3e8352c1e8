// Rule-based monitoring through the API (issue #16): a pause_for_review rule
// holds the trial until a DMC decision signed on a status that shows the
// firing, and the decision table names where each rate rule acts.
import t from 'tap'
import { nct07295067 } from '../helpers/reference-trials.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, enrolDosed, mildAe, reportAe } from '../helpers/fixtures.js'

const { app } = await build()
const RELATED = ['possible', 'probable', 'definite'] as const

async function statusOf (trialId: string): Promise<{ state: string, decisionId: string, decision: { reasons: string[] } }> {
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`)
  return res.json()
}

t.test('a related SAE under pause_for_review holds the trial until the DMC decides on it', async (t) => {
  const trialId = 'REVIEW-1'
  const protocol: ProtocolInput = { ...nct07295067.protocol, stoppingRules: [{ type: 'related_sae', attributions: [...RELATED], action: 'pause_for_review' }], assumptions: undefined }
  await createTrial(app, trialId, protocol)
  await enrolDosed(app, trialId, 'P-1', 1, 5)
  const before = await statusOf(trialId)
  t.equal(before.state, 'go')
  const sae = { ...mildAe('P-1', daysAgo(2).date), grade: 2, attribution: 'probable', serious: true, seriousnessCriteria: ['hospitalization'] }
  await reportAe(app, trialId, sae)
  const held = await statusOf(trialId)
  t.equal(held.state, 'hold', 'on hold for DMC review')
  t.ok(held.decision.reasons.includes('related_sae: on hold for DMC review'))

  const url = `/v1/trials/${trialId}/dmc-decisions`
  const decide = async (statusDecisionId: string) => await app.inject({
    method: 'POST', url, headers: bearer('dmc'), payload: { decision: 'continue', rationale: 'SAE reviewed: hospitalisation for a fall, dosing may go on', statusDecisionId, signature: { meaning: 'approved' } }
  })
  t.equal((await decide(before.decisionId)).statusCode, 409, 'a decision on the status before the SAE is refused as stale')
  const signed = await decide(held.decisionId)
  t.equal(signed.statusCode, 201)
  t.match(signed.json(), { status: { state: 'go' } }, 'the DMC reviewed the firing: dosing resumes')
  t.equal((await statusOf(trialId)).state, 'go')

  await reportAe(app, trialId, { ...sae, onsetDate: daysAgo(1).date })
  t.equal((await statusOf(trialId)).state, 'hold', 'a second related SAE is a firing the DMC has not seen')
})

t.test('decision table of a trial governed by stopping rules alone', async (t) => {
  const trialId = 'REVIEW-TABLE'
  const protocol: ProtocolInput = {
    ...nct07295067.protocol,
    design: { type: 'none' },
    stoppingRules: [{ id: 'rate', type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'pause_for_review' }],
    assumptions: undefined
  }
  await createTrial(app, trialId, protocol)
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decision-table`, headers: bearer('dmc') })
  t.equal(res.statusCode, 200)
  const table = res.json()
  t.equal(table.design, 'none')
  // more than 33% of at least 3 evaluable: 1 of 3 (33.3%), 2 of 4 (50%)
  t.match(table.rows.slice(1, 4), [
    { n: 2, escalateIfDltsAtMost: null, rules: [{ ruleId: 'rate', actsIfDltsAtLeast: null }] },
    { n: 3, escalateIfDltsAtMost: null, rules: [{ ruleId: 'rate', actsIfDltsAtLeast: 1 }] },
    { n: 4, escalateIfDltsAtMost: null, rules: [{ ruleId: 'rate', actsIfDltsAtLeast: 2 }] }
  ])
})
