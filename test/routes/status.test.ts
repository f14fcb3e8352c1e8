import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { auditLog, decisions, participants, trialStatus } from '../../db/schema.js'
import { bearer, build, signToken } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrol, enrolDosed, mildAe, reportAe, SEED_SITE } from '../helpers/fixtures.js'

// The NCT07295067 seed protocol (3+3 over three levels, 14-day window, DLT =
// grade >= 3 possibly related with symptoms and treatment, > 33% of 6 stops
// escalation, any related SAE halts) driven through the HTTP API. Windows are
// made to lie in the past by dosing "days ago", so no clock is faked.

interface Status {
  state: string
  decisionId: string
  decision: { action: string, nextDoseLevel: number | null, mtdDoseLevel?: number | null, rules: string[] }
  doseLevels: { doseLevel: number, enrolled: number, evaluable: number, pending: number, dlts: number, open: boolean, eliminated: boolean }[]
}

async function statusOf (trialId: string, role: 'dmc' | 'safety_monitor' = 'dmc'): Promise<Status> {
  const { app } = await build()
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer(role) })
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`)
  return res.json()
}

const level = (s: Status, doseLevel: number) => s.doseLevels.find((d) => d.doseLevel === doseLevel)!

async function cohort (trialId: string, prefix: string, doseLevel: number, days: number, dlts: number): Promise<void> {
  const { app } = await build()
  // The whole cohort is dosed before its outcomes are known, as in the clinic.
  for (let i = 1; i <= 3; i++) await enrolDosed(app, trialId, `${prefix}-${i}`, doseLevel, days)
  for (let i = 1; i <= 3; i++) {
    const id = `${prefix}-${i}`
    if (i <= dlts) {
      const ae = await reportAe(app, trialId, dltAe(id, daysAgo(days - 2).date))
      if (!ae.dlt.isDlt) throw new Error('expected a DLT')
    }
  }
}

t.test('3+3: 0/3 escalates, 1/3 expands, 1/6 escalates', async (t) => {
  const { app } = await build()
  const trialId = 'S33-ESC'
  await createTrial(app, trialId)
  let s = await statusOf(trialId)
  t.equal(s.decision.nextDoseLevel, 1, 'the trial starts at its start level')
  t.same(s.doseLevels.map((d) => d.open), [true, false, false])

  await cohort(trialId, 'A', 1, 40, 0)
  s = await statusOf(trialId)
  t.match(s, { state: 'go', decision: { action: 'escalate', nextDoseLevel: 2 } }, '0/3 escalates')
  t.match(level(s, 1), { enrolled: 3, evaluable: 3, pending: 0, dlts: 0 })

  await cohort(trialId, 'B', 2, 30, 1)
  s = await statusOf(trialId)
  t.match(s, { state: 'go', decision: { action: 'expand_cohort', nextDoseLevel: 2 } }, '1/3 expands the cohort, it does not stop')
  t.equal(level(s, 2).dlts, 1)
  t.notOk(level(s, 3).open)

  const early = await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants`,
    headers: bearer('edc', { sites: [SEED_SITE] }),
    payload: { participantId: 'EARLY-3', siteId: SEED_SITE, doseLevel: 3, enrolledOn: daysAgo(1).date }
  })
  t.equal(early.statusCode, 409, 'enrolment at level 3 while the status opens level 2 is refused')
  t.match(early.json(), { type: /dose-level-closed$/, decision: { nextDoseLevel: 2 }, trialStatus: { state: 'go' } })

  await cohort(trialId, 'C', 2, 25, 0)
  s = await statusOf(trialId)
  t.match(s, { state: 'go', decision: { action: 'escalate', nextDoseLevel: 3 } }, '1/6 escalates')
  t.match(level(s, 2), { enrolled: 6, evaluable: 6, dlts: 1 })
})

t.test('3+3: 2 of 6 stops escalation and never opens a higher level', async (t) => {
  const { app } = await build()
  const trialId = 'S33-STOP'
  await createTrial(app, trialId)
  await cohort(trialId, 'A', 1, 40, 0)
  await cohort(trialId, 'B', 2, 30, 1)
  await cohort(trialId, 'C', 2, 25, 1)
  const s = await statusOf(trialId)
  t.ok(['stop_escalation', 'de_escalate'].includes(s.decision.action), `action ${s.decision.action}`)
  t.equal(s.decision.nextDoseLevel, 1, 'the next cohort goes to the lower level')
  t.notOk(level(s, 2).open, 'level 2 is closed')
  t.notOk(level(s, 3).open, 'level 3 is closed')
  t.ok(level(s, 2).eliminated && level(s, 3).eliminated)
  t.ok(s.decision.rules.includes('3+3'))
  const refused = await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants`,
    headers: bearer('admin'),
    payload: { participantId: 'LATE-2', siteId: SEED_SITE, doseLevel: 2, enrolledOn: daysAgo(1).date }
  })
  t.equal(refused.statusCode, 409)
})

t.test('a related SAE halts the trial; only an audited admin override enrols after it', async (t) => {
  const { app } = await build()
  const trialId = 'S33-HALT'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'H-1', 1, 3)
  await reportAe(app, trialId, {
    ...mildAe('H-1', daysAgo(1).date), term: 'Fever', grade: 2, attribution: 'probable', serious: true, seriousnessCriteria: ['hospitalization']
  })
  const s = await statusOf(trialId)
  t.match(s, { state: 'stop', decision: { action: 'halt_trial', nextDoseLevel: null } })
  t.ok(s.decision.rules.some((r) => r.startsWith('related_sae')), 'the rule id is named')
  t.ok(s.doseLevels.every((d) => !d.open), 'nothing is open')

  const enrolment = { participantId: 'H-2', siteId: SEED_SITE, doseLevel: 1, enrolledOn: daysAgo(0).date }
  for (const role of ['edc', 'investigator', 'admin'] as const) {
    const res = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: bearer(role, { sites: [SEED_SITE] }), payload: enrolment })
    t.equal(res.statusCode, 409, `${role}: refused after halt_trial`)
  }
  const notAdmin = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: bearer('investigator', { sites: [SEED_SITE] }), payload: { ...enrolment, override: { reason: 'compassionate' } }
  })
  t.equal(notAdmin.statusCode, 403, 'only an admin may override')

  const reason = 'DMC-approved re-dosing of a responding participant'
  const override = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: bearer('admin'), payload: { ...enrolment, override: { reason } }
  })
  t.equal(override.statusCode, 201, 'an admin override with a reason enrols')
  const [audited] = await app.db.select().from(auditLog)
    .where(and(eq(auditLog.trialId, trialId), eq(auditLog.entity, 'participant'), eq(auditLog.entityId, 'H-2')))
  t.equal(audited?.reason, reason, 'the override is in the audit with its reason')
  const history = await app.db.select().from(decisions).where(eq(decisions.trialId, trialId))
  t.ok(history.some((d) => (d.trigger as { override?: string }).override === reason), 'and in the decision history')
})

t.test('decisions: newest first, paginated, each a snapshot with protocol and service version', async (t) => {
  const { app } = await build()
  const trialId = 'S33-HIST'
  await createTrial(app, trialId)
  await cohort(trialId, 'A', 1, 40, 0)
  const first = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=2`, headers: bearer('safety_monitor') })
  t.equal(first.statusCode, 200)
  const page1 = first.json()
  t.equal(page1.items.length, 2)
  t.type(page1.nextCursor, 'string')
  t.ok(page1.items[0].decisionId > page1.items[1].decisionId, 'newest first')
  t.match(page1.items[0], { protocolVersion: 1, serviceVersion: '0.1.0', trigger: { type: String }, snapshot: { design: { type: '3+3' }, status: { participants: Array } } })
  const second = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=2&cursor=${page1.nextCursor}`, headers: bearer('safety_monitor') })
  t.ok(second.json().items.every((d: { decisionId: string }) => d.decisionId < page1.items[1].decisionId), 'the next page continues after the cursor')
  const blinded = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=2`, headers: bearer('dmc') })
  t.notOk('participants' in blinded.json().items[0].snapshot.status, 'the blinded DMC sees no participant-level rows')
  t.match(blinded.json().items[0].snapshot.status, { doseLevels: Array })
  const latest = await statusOf(trialId)
  t.equal(page1.items[0].decisionId, latest.decisionId, 'the status names the newest decision')
  const bad = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?cursor=bm90LWEtY3Vyc29y`, headers: bearer('dmc') })
  t.equal(bad.statusCode, 400)
})

t.test('decision table of the 3+3 seed', async (t) => {
  const { app } = await build()
  await createTrial(app, 'S33-TABLE')
  const res = await app.inject({ method: 'GET', url: '/v1/trials/S33-TABLE/decision-table', headers: bearer('dmc') })
  t.equal(res.statusCode, 200)
  const table = res.json()
  t.equal(table.design, '3+3')
  // The classic 3+3 rule: escalate on 0/3 or <= 1/6; >= 2 DLTs exceed the MTD.
  t.match(table.rows.find((r: { n: number }) => r.n === 3), { escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 2 })
  t.match(table.rows.find((r: { n: number }) => r.n === 6), { escalateIfDltsAtMost: 1, deEscalateIfDltsAtLeast: 2 })
})

t.test('DMC decisions: signed on the current status, with fresh authentication; pause holds dosing', async (t) => {
  const { app } = await build()
  const trialId = 'S33-DMC'
  await createTrial(app, trialId)
  const s = await statusOf(trialId)
  const url = `/v1/trials/${trialId}/dmc-decisions`
  const body = { decision: 'pause', rationale: 'Imbalance in grade 2 hepatic events to review', statusDecisionId: s.decisionId, signature: { meaning: 'approved' } }

  const stale = await app.inject({ method: 'POST', url, headers: bearer('dmc', { issuedAt: Math.floor(Date.now() / 1000) - 600 }), payload: body })
  t.equal(stale.statusCode, 401, 'a token issued 10 minutes ago cannot sign')
  t.match(stale.json(), { type: /fresh-authentication-required$/ })
  const monitor = await app.inject({ method: 'POST', url, headers: bearer('safety_monitor'), payload: body })
  t.equal(monitor.statusCode, 403, 'only the DMC records DMC decisions')

  const signed = await app.inject({ method: 'POST', url, headers: bearer('dmc', { sub: 'dmc-chair' }), payload: body })
  t.equal(signed.statusCode, 201)
  t.match(signed.json(), { decision: 'pause', signature: { signer: 'dmc-chair', meaning: 'approved', statusSha256: /^[0-9a-f]{64}$/ }, status: { state: 'hold' } })

  const again = await app.inject({ method: 'POST', url, headers: bearer('dmc'), payload: body })
  t.equal(again.statusCode, 409, 'a decision taken on a status that is no longer current is refused')

  const refused = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: bearer('admin'), payload: { participantId: 'D-1', siteId: SEED_SITE, doseLevel: 1, enrolledOn: daysAgo(0).date }
  })
  t.equal(refused.statusCode, 409, 'no enrolment during a DMC pause')

  const paused = await statusOf(trialId)
  const resumed = await app.inject({
    method: 'POST', url, headers: { authorization: `Bearer ${signToken('dmc')}` }, payload: { ...body, decision: 'continue', rationale: 'Reviewed: unrelated', statusDecisionId: paused.decisionId }
  })
  t.equal(resumed.statusCode, 201)
  t.equal(resumed.json().status.state, 'go', 'continue lifts the hold')
  await enrol(app, trialId, 'D-1', SEED_SITE, 1, daysAgo(0).date)
})

t.test('summary: toxicity table counts each participant once per term at the worst grade', async (t) => {
  const { app } = await build()
  const trialId = 'S33-SUM'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'M-1', 1, 40)
  await enrolDosed(app, trialId, 'M-2', 1, 40)
  const onset = daysAgo(38).date
  await reportAe(app, trialId, mildAe('M-1', onset))
  const worse = await reportAe(app, trialId, { ...mildAe('M-1', onset), grade: 2 })
  await reportAe(app, trialId, mildAe('M-2', onset))
  await reportAe(app, trialId, dltAe('M-2', onset))

  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/summary`, headers: bearer('safety_monitor') })
  t.equal(res.statusCode, 200)
  const summary = res.json()
  const nausea = summary.toxicity.filter((r: { term: string }) => r.term === 'Nausea')
  t.same(nausea.map((r: { grade: number, participants: number }) => [r.grade, r.participants]).sort(), [[1, 1], [2, 1]], 'M-1 counts once, at grade 2')
  t.match(summary.toxicity.find((r: { term: string }) => r.term === 'Anemia'), { grade: 3, participants: 1, soc: 'Blood and lymphatic system disorders' })
  t.match(summary.groups[0], { doseLevel: 1, enrolled: 2, evaluable: 2, dlts: 1, dltRate: 0.5, participantsByWorstGrade: { 2: 1, 3: 1 }, saes: 0 })
  t.equal(summary.groups[0].ci95.length, 2)

  // A later nullification changes today's table but not the picture as it stood before it.
  const before = new Date().toISOString()
  await new Promise((resolve) => setTimeout(resolve, 5))
  const nullified = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/adverse-events/${worse.aeId}/nullify`, headers: { ...bearer('admin'), 'if-match': '"1"' }, payload: { reason: 'entered twice' }
  })
  t.equal(nullified.statusCode, 200)
  const now = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/summary`, headers: bearer('safety_monitor') })).json()
  t.same(now.toxicity.filter((r: { term: string }) => r.term === 'Nausea').map((r: { grade: number, participants: number }) => [r.grade, r.participants]), [[1, 2]])
  const then = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/summary?asOf=${encodeURIComponent(before)}`, headers: bearer('safety_monitor') })).json()
  t.same(then.toxicity.filter((r: { term: string }) => r.term === 'Nausea').map((r: { grade: number, participants: number }) => [r.grade, r.participants]).sort(), [[1, 1], [2, 1]], 'asOf shows the table before the nullification')
  t.match(then.groups[0], { dlts: 1, participantsByWorstGrade: { 2: 1, 3: 1 } })
  const early = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/summary?asOf=2001-01-01T00:00:00Z`, headers: bearer('safety_monitor') })
  t.equal(early.statusCode, 404, 'no status before the trial existed')

  const edc = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/summary`, headers: bearer('edc', { sites: [SEED_SITE] }) })
  t.equal(edc.statusCode, 403, 'summaries are for monitors, the DMC and admins')
})

t.test('time alone closes DLT windows: the status read after the window reflects it and records the decision', async (t) => {
  const { app } = await build()
  const trialId = 'S33-TIME'
  await createTrial(app, trialId)
  for (const id of ['T-1', 'T-2', 'T-3']) await enrolDosed(app, trialId, id, 1, 1)
  let s = await statusOf(trialId, 'safety_monitor')
  t.match(level(s, 1), { enrolled: 3, evaluable: 0, pending: 3 }, 'dosed yesterday: pending')
  t.equal(s.decision.nextDoseLevel === 2, false, 'no escalation while the window is open')

  // Let 20 days pass: move the doses back and bring the stored status's next change forward.
  const { at } = daysAgo(20)
  await app.db.update(participants).set({ firstAdministrationAt: at, lastAdministrationAt: at }).where(eq(participants.trialId, trialId))
  await app.db.update(trialStatus).set({ nextChangeAt: new Date(Date.now() - 1000).toISOString() }).where(eq(trialStatus.trialId, trialId))

  s = await statusOf(trialId, 'safety_monitor')
  t.match(s, { decision: { action: 'escalate', nextDoseLevel: 2 } }, 'the read re-evaluates: 0/3 escalates')
  t.match(level(s, 1), { evaluable: 3, pending: 0 })
  const history = await app.db.select().from(decisions).where(eq(decisions.trialId, trialId))
  t.ok(history.some((d) => (d.trigger as { type: string }).type === 'time'), 'the change is in the decision history, triggered by time')
})
