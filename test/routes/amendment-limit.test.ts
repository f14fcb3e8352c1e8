// Amendments apply forward (issue #21). What a DMC expects: a protocol
// amendment that changes the design or its rules starts from the data as they
// stand, but until the DMC's next decision it cannot turn a stop into a go and
// never re-opens a level closed under the version before.
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, reportAe, SEED_SITE } from '../helpers/fixtures.js'
import { dmcDecide, enrolAs, levelOf, protocolWith, statusOf } from '../helpers/dosing.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'

const { app } = await build()
const admin = bearer('admin')
const edc = bearer('edc', { sites: [SEED_SITE] })
const threePlusThree = { type: '3+3', startDoseLevel: 1, cohortSize: 3 } as const

async function amend (trialId: string, protocol: ProtocolInput, reason: string) {
  const trial = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}`, headers: admin })
  const res = await app.inject({ method: 'PUT', url: `/v1/trials/${trialId}/protocol`, headers: { ...admin, 'if-match': `"${trial.json().version}"` }, payload: { protocol, reason } })
  if (res.statusCode !== 200) throw new Error(`amend ${trialId}: ${res.statusCode} ${res.body}`)
}

const latestDecision = async (trialId: string) =>
  (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=1`, headers: bearer('safety_monitor') })).json().items[0]

t.test('an amendment from a 3+3 stop to BOIN does not turn the stop into a go until the DMC decides', async (t) => {
  const trialId = 'AMD-STOP'
  await createTrial(app, trialId, protocolWith(3, threePlusThree))
  for (const id of ['A1', 'A2', 'A3']) await enrolDosed(app, trialId, id, 1, 20)
  for (const id of ['A1', 'A2']) await reportAe(app, trialId, dltAe(id, daysAgo(18).date))
  // Storer's 3+3: 2 DLTs in 3 at the lowest level, no MTD.
  t.match(await statusOf(app, trialId), { state: 'stop', decision: { action: 'stop_escalation', nextDoseLevel: null } })

  // BOIN (Liu & Yuan 2015) would keep dosing at level 1 on 2/3 (not eliminated: Pr(p > 0.3 | 2/3) = 0.92 < 0.95).
  const boin = { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, safetyStop: { disabled: true, reason: 'the protocol relies on elimination alone' } } as const
  await amend(trialId, protocolWith(3, boin), 'design changed to BOIN after the 3+3 stop')
  const limited = await statusOf(app, trialId)
  t.match(limited, { state: 'stop', decision: { action: 'stop_escalation', nextDoseLevel: null } }, 'still stopped under version 2')
  t.ok(limited.decision.rules.includes('amendment'))
  t.match(limited.decision.reasons[0], /^the trial was stopped \(stop_escalation\) under protocol version 1: an amendment does not turn a stop into a go without a DMC decision$/)
  t.ok(limited.doseLevels.every((d) => !d.open), 'no level open')
  t.equal((await enrolAs(app, edc, trialId, 'A4', 1)).statusCode, 409)
  t.match((await latestDecision(trialId)).snapshot, { amendmentLimit: { fromVersion: 1, stopped: true } }, 'the limit is in the decision record')

  // The DMC reviewed the data and the new design: its decision ends the limit.
  const decided = await dmcDecide(app, trialId, 'continue')
  t.notOk(decided.status.decision.rules.includes('amendment'))
  t.match(decided.status, { state: 'go', decision: { nextDoseLevel: 1 } }, 'BOIN governs from the DMC decision on')
  t.equal((await enrolAs(app, edc, trialId, 'A4', 1)).statusCode, 201)
})

t.test('an amendment never re-opens a level a stopping rule closed, until the DMC decides', async (t) => {
  const trialId = 'AMD-RULE'
  const rule = (threshold: number) => [{ type: 'dlt_rate_above', threshold, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' }] as ProtocolInput['stoppingRules']
  await createTrial(app, trialId, protocolWith(3, threePlusThree, rule(0.2)))
  for (const id of ['R1', 'R2', 'R3']) await enrolDosed(app, trialId, id, 1, 20)
  for (const id of ['R4', 'R5', 'R6']) await enrolDosed(app, trialId, id, 2, 20)
  await reportAe(app, trialId, dltAe('R4', daysAgo(18).date))
  // 1 DLT in 3 at level 2 is above the 20% rule: level 2 and above close, dosing continues at 1.
  const before = await statusOf(app, trialId)
  t.match(before, { decision: { action: 'stop_escalation', nextDoseLevel: 1 } })
  t.equal(levelOf(before, 2).open, false)

  // Under the amended 40% threshold the 3+3 alone would expand the cohort at level 2.
  await amend(trialId, protocolWith(3, threePlusThree, rule(0.4)), 'threshold corrected to the 40% the protocol states')
  const limited = await statusOf(app, trialId)
  // The amended design names level 2, which the limit keeps closed; it opens no other level itself, so the trial holds.
  t.match(limited, { state: 'hold', decision: { action: 'stop_escalation', nextDoseLevel: null } })
  t.match(limited.decision.reasons[0], /^level 2 and above were closed under protocol version 1: an amendment does not re-open them without a DMC decision$/)
  t.match(levelOf(limited, 2), { open: false, eliminated: true })
  const refused = await enrolAs(app, edc, trialId, 'R7', 2)
  t.equal(refused.statusCode, 409)
  t.equal(refused.json().code, 'dose-level-closed')

  const decided = await dmcDecide(app, trialId, 'continue')
  t.match(decided.status, { decision: { action: 'expand_cohort', nextDoseLevel: 2 } }, 'after the DMC decision the amended rule applies')
  t.equal((await enrolAs(app, edc, trialId, 'R7', 2)).statusCode, 201)
})

t.test('an amendment that closed nothing changes nothing in the decision', async (t) => {
  const trialId = 'AMD-NONE'
  await createTrial(app, trialId, protocolWith(3, threePlusThree))
  for (const id of ['N1', 'N2', 'N3']) await enrolDosed(app, trialId, id, 1, 20)
  const before = await statusOf(app, trialId)
  await amend(trialId, protocolWith(4, threePlusThree), 'a fourth dose level added')
  const after = await statusOf(app, trialId)
  t.same(after.decision, before.decision, 'still escalate to level 2, for the same reasons')
  t.equal((await enrolAs(app, edc, trialId, 'N4', 2)).statusCode, 201)
})
