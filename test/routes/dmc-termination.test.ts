// DMC decisions in force (issue #21). What a DMC expects: a termination is
// final for the DMC path (a later "continue" does not lift it) and no
// override doses past it; only an admin re-opening, with its reason, audited
// and in the decision history, does. A pause holds the design's step ("stay")
// and a stopped trial's reasons never read as an instruction to enrol.
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, enrolDosed, SEED_SITE } from '../helpers/fixtures.js'
import { administerAs, dmcDecide, enrolAs, protocolWith, statusOf } from '../helpers/dosing.js'

const { app } = await build()
const admin = bearer('admin')
const threePlusThree = { type: '3+3', startDoseLevel: 1, cohortSize: 3 } as const

/** 0 DLTs in 3 at level 1, windows closed: the 3+3 escalates to level 2. */
async function escalating (trialId: string) {
  await createTrial(app, trialId, protocolWith(3, threePlusThree))
  for (const id of ['D1', 'D2', 'D3']) await enrolDosed(app, trialId, id, 1, 20)
  const status = await statusOf(app, trialId)
  if (status.decision.action !== 'escalate') throw new Error(`${trialId}: ${JSON.stringify(status.decision)}`)
}

const reopen = async (trialId: string, headers: Record<string, string>, reason = 'DMC charter: the sponsor re-opens after the safety review of 2026-11-30') =>
  await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/reopen`, headers, payload: { reason } })

t.test('a DMC continue after terminate stays terminated; an admin override is refused; an admin re-opening with a reason re-opens', async (t) => {
  const trialId = 'TERM-1'
  await escalating(trialId)
  const terminated = await dmcDecide(app, trialId, 'terminate')
  t.match(terminated.status, { state: 'stop', decision: { action: 'halt_trial', nextDoseLevel: null } })
  // A terminated trial's reasons say why it stopped; the design's "escalate" is marked as not applied.
  const reasons: string[] = terminated.status.decision.reasons
  t.equal(reasons[0], 'DMC decision: terminate')
  t.ok(reasons.every((r) => r === 'DMC decision: terminate' || r.startsWith('not applied: the trial is stopped (halt_trial): ')), 'no reason reads as "enrol at level 2"')

  const continued = await dmcDecide(app, trialId, 'continue')
  t.match(continued.status, { state: 'stop', decision: { action: 'halt_trial' } }, 'a DMC continue does not lift a termination')
  const paused = await dmcDecide(app, trialId, 'pause')
  t.match(paused.status, { state: 'stop', decision: { action: 'halt_trial' } }, 'nor does a pause soften it')

  const override = { override: { reason: 'sponsor wants the cohort completed' } }
  const enrolment = await enrolAs(app, admin, trialId, 'D4', 2, override)
  t.equal(enrolment.statusCode, 409)
  t.match(enrolment.json(), { code: 'trial-terminated', trialStatus: { state: 'stop' } })
  const dose = await administerAs(app, admin, trialId, 'D1', daysAgo(1).at, 1, override)
  t.equal(dose.statusCode, 409)
  t.equal(dose.json().code, 'trial-terminated')

  for (const role of ['dmc', 'safety_monitor', 'investigator', 'edc'] as const) {
    t.equal((await reopen(trialId, bearer(role, { sites: [SEED_SITE] }))).statusCode, 403, `${role} may not re-open`)
  }
  t.equal((await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/reopen`, headers: admin, payload: {} })).statusCode, 422, 'a re-opening needs its reason')
  const reopened = await reopen(trialId, admin)
  t.equal(reopened.statusCode, 200)
  t.match(reopened.json(), {
    trialId,
    reason: 'DMC charter: the sponsor re-opens after the safety review of 2026-11-30',
    reopenedBy: 'admin-user',
    status: { state: 'go', decision: { action: 'escalate', nextDoseLevel: 2 } }
  })
  const history = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=1`, headers: bearer('safety_monitor') })
  t.match(history.json().items[0], { trigger: { type: 'trial_reopened', actor: 'admin-user', reason: /re-opens after the safety review/ }, state: 'go' })
  const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=${trialId}&entity=trial&entityId=${trialId}`, headers: admin })
  t.match(audit.json().items.at(-1), { action: 'reopen', role: 'admin', before: { dmcHold: 'terminate' }, after: { dmcHold: null }, reason: /re-opens/ })
  t.equal((await enrolAs(app, bearer('edc', { sites: [SEED_SITE] }), trialId, 'D4', 2)).statusCode, 201, 'enrolment at the level the design names resumes')

  const again = await reopen(trialId, admin)
  t.equal(again.statusCode, 409, 'nothing to re-open once no termination is in force')
  t.equal(again.json().type, 'urn:dlt-safety:problem:trial-not-terminated')
})

t.test('under a DMC pause the action is "stay" with no level, and a continue lifts it', async (t) => {
  const trialId = 'PAUSE-1'
  await escalating(trialId)
  const paused = await dmcDecide(app, trialId, 'pause')
  t.match(paused.status, { state: 'hold', decision: { action: 'stay', nextDoseLevel: null } })
  const reasons: string[] = paused.status.decision.reasons
  t.equal(reasons[0], 'DMC decision: pause enrolment')
  t.ok(reasons.slice(1).every((r) => r.startsWith('not applied while the DMC pause holds: ')), 'the design\'s escalation is marked as not applied')
  t.ok(paused.status.doseLevels.every((d: { open: boolean }) => !d.open), 'no level is open')
  const continued = await dmcDecide(app, trialId, 'continue')
  t.match(continued.status, { state: 'go', decision: { action: 'escalate', nextDoseLevel: 2 } })
})

t.test('"modify" lifts a pause as "continue" does, and never a termination', async (t) => {
  const trialId = 'MODIFY-1'
  await escalating(trialId)
  await dmcDecide(app, trialId, 'pause')
  t.match((await dmcDecide(app, trialId, 'modify')).status, { state: 'go' })
  await dmcDecide(app, trialId, 'terminate')
  t.match((await dmcDecide(app, trialId, 'modify')).status, { state: 'stop', decision: { action: 'halt_trial' } })
})
