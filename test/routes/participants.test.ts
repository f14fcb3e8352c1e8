import t from 'tap'
import { eq } from 'drizzle-orm'
import { administrations, auditLog, decisions, participants, protocolVersions, trials, trialStatus } from '../../db/schema.js'
import { build, bearer } from '../helpers/build.js'
import type { App } from '../../src/app.js'
import { nct07101484, nct07295067 } from '../helpers/reference-trials.js'

const admin = bearer('admin')
const edcA = bearer('edc', { sites: ['site-a'] })
const edcB = bearer('edc', { sites: ['site-b'] })
const SITES = [{ siteId: 'site-a', name: 'Site A' }, { siteId: 'site-b', name: 'Site B' }]

async function counts (app: App) {
  const [a, b, c, d, e, f] = await Promise.all([trials, protocolVersions, participants, administrations, auditLog, decisions].map((table) => app.db.$count(table)))
  return { trials: a, protocolVersions: b, participants: c, administrations: d, audit: e, decisions: f }
}

/** A trial with the NCT07295067 protocol (3+3, levels 1-3, cohorts of 3) at sites A and B. */
async function trial (app: App, trialId: string, protocol: unknown = nct07295067.protocol) {
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: { trialId, title: trialId, sites: SITES, protocol } })
  if (res.statusCode !== 201) throw new Error(res.body)
}

const enrolment = (participantId: string, extra: Record<string, unknown> = {}) =>
  ({ participantId, siteId: 'site-a', doseLevel: 1, enrolledOn: '2025-03-03', ...extra })

async function enrol (app: App, trialId: string, participantId: string, extra: Record<string, unknown> = {}, headers = edcA) {
  return await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/participants`, headers, payload: enrolment(participantId, extra) })
}

t.test('every participant route needs a token (401) and the right role (403)', async (t) => {
  const { app } = await build()
  await trial(app, 'AUTH-P')
  t.equal((await enrol(app, 'AUTH-P', 'P1')).statusCode, 201)
  const base = '/v1/trials/AUTH-P/participants'
  const writes = [
    { method: 'POST' as const, url: base, payload: enrolment('P2') },
    { method: 'POST' as const, url: `${base}/P1/administrations`, payload: { administeredAt: '2025-03-03T09:00:00Z', doseLevel: 1 } },
    { method: 'POST' as const, url: `${base}/P1/withdraw`, payload: { withdrawnAt: '2025-03-04T09:00:00Z', reason: 'r' } }
  ]
  const reads = [
    { method: 'GET' as const, url: base },
    { method: 'GET' as const, url: `${base}/P1` },
    { method: 'GET' as const, url: `${base}/P1/administrations` }
  ]
  const before = await counts(app)
  for (const route of [...writes, ...reads]) {
    const res = await app.inject({ ...route })
    t.equal(res.statusCode, 401, `${route.method} ${route.url} without a token`)
  }
  for (const route of writes) {
    for (const role of ['safety_monitor', 'dmc'] as const) {
      const res = await app.inject({ ...route, headers: { ...bearer(role), 'if-match': '"1"' } })
      t.equal(res.statusCode, 403, `${route.method} ${route.url} as ${role}`)
    }
  }
  for (const route of reads) {
    const res = await app.inject({ ...route, headers: bearer('dmc') })
    t.equal(res.statusCode, 403, `${route.url}: the protocol does not unblind the DMC`)
    t.match(res.json().detail, /blinded to the DMC/)
    t.equal((await app.inject({ ...route, headers: bearer('safety_monitor') })).statusCode, 200, `${route.url} as safety_monitor`)
  }
  t.same(await counts(app), before)

  await trial(app, 'AUTH-U', { ...nct07295067.protocol, dmcUnblinded: true })
  t.equal((await enrol(app, 'AUTH-U', 'P1')).statusCode, 201)
  const unblinded = await app.inject({ method: 'GET', url: '/v1/trials/AUTH-U/participants/P1', headers: bearer('dmc') })
  t.equal(unblinded.statusCode, 200, 'dmc reads participants when the protocol unblinds it')
})

t.test('enrolment: response, site scope, validation, duplicates', async (t) => {
  const { app } = await build()
  await trial(app, 'ENR-1')
  const res = await enrol(app, 'ENR-1', '001-0001')
  t.equal(res.statusCode, 201)
  t.equal(res.headers.etag, '"1"')
  t.same(res.json(), {
    participantId: '001-0001',
    siteId: 'site-a',
    doseLevel: 1,
    armId: null,
    enrolledOn: '2025-03-03',
    status: 'enrolled',
    withdrawnAt: null,
    withdrawalReason: null,
    overrideReason: null,
    version: 1,
    dltCount: 0,
    firstAdministrationAt: null,
    lastAdministrationAt: null,
    treatmentEndedAt: null,
    treatmentEndReason: null,
    phase: 'on_treatment'
  })
  const [row] = await app.db.select({ seq: participants.seq }).from(participants).where(eq(participants.trialId, 'ENR-1'))
  t.equal(row!.seq, 1, 'the first enrolment of a trial is seq 1')

  const before = await counts(app)
  const dup = await enrol(app, 'ENR-1', '001-0001', {}, admin)
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().type, 'urn:dlt-safety:problem:participant-exists')
  const otherSite = await enrol(app, 'ENR-1', '001-0002', { siteId: 'site-b' })
  t.equal(otherSite.statusCode, 403, 'edc enrols at its own sites only')
  const noSite = await enrol(app, 'ENR-1', '001-0002', { siteId: 'site-z' }, bearer('investigator', { sites: ['site-z'] }))
  t.equal(noSite.statusCode, 422)
  t.same(noSite.json().errors, [{ path: '/siteId', message: 'trial ENR-1 has no site site-z' }])
  const noLevel = await enrol(app, 'ENR-1', '001-0002', { doseLevel: 4 })
  t.equal(noLevel.statusCode, 422)
  t.same(noLevel.json().errors, [{ path: '/doseLevel', message: 'dose level 4 is not in protocol version 1' }])
  const neither = await app.inject({ method: 'POST', url: '/v1/trials/ENR-1/participants', headers: edcA, payload: { participantId: 'X', siteId: 'site-a', enrolledOn: '2025-03-03' } })
  t.equal(neither.statusCode, 422)
  t.same(neither.json().errors, [{ path: '', message: 'give doseLevel or armId' }])
  const noArms = await enrol(app, 'ENR-1', '001-0002', { armId: 'low' })
  t.equal(noArms.statusCode, 422)
  const badDate = await enrol(app, 'ENR-1', '001-0002', { enrolledOn: '2025-02-30' })
  t.equal(badDate.statusCode, 422)
  t.equal(badDate.json().errors[0].path, '/enrolledOn')
  const unknownTrial = await enrol(app, 'NOPE', '001-0002', {}, admin)
  t.equal(unknownTrial.statusCode, 404)
  t.same(await counts(app), before, 'refused enrolments change nothing')

  const investigator = await enrol(app, 'ENR-1', '001-0002', { siteId: 'site-b' }, bearer('investigator', { sites: ['site-b'] }))
  t.equal(investigator.statusCode, 201)
  const [second] = await app.db.select({ seq: participants.seq }).from(participants).where(eq(participants.participantId, '001-0002'))
  t.equal(second!.seq, 2)
  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=ENR-1&entity=participant&entityId=001-0002', headers: admin })
  t.match(audit.json().items, [{ action: 'enrol', actor: 'investigator-user', role: 'investigator', after: { participantId: '001-0002', doseLevel: 1 }, reason: null }])
})

t.test('reads are limited to the token\'s sites; another site\'s participant is 404', async (t) => {
  const { app } = await build()
  await trial(app, 'READ-1')
  t.equal((await enrol(app, 'READ-1', 'A1')).statusCode, 201)
  t.equal((await enrol(app, 'READ-1', 'B1', { siteId: 'site-b' }, edcB)).statusCode, 201)
  t.equal((await enrol(app, 'READ-1', 'A2')).statusCode, 201)

  const listA = await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants', headers: edcA })
  t.same(listA.json().items.map((p: { participantId: string }) => p.participantId), ['A1', 'A2'])
  const all = await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants?limit=2', headers: bearer('safety_monitor') })
  t.same(all.json().items.map((p: { participantId: string }) => p.participantId), ['A1', 'A2'])
  const rest = await app.inject({ method: 'GET', url: `/v1/trials/READ-1/participants?limit=2&cursor=${all.json().nextCursor}`, headers: bearer('safety_monitor') })
  // the list shows each participant as GET does, without the schedule GET derives
  const { schedule, ...b1 } = (await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants/B1', headers: admin })).json()
  t.equal(schedule, null, 'the protocol plans no schedule')
  t.same(rest.json(), { items: [b1], nextCursor: null })
  const bySite = await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants?siteId=site-b&status=enrolled&doseLevel=1', headers: admin })
  t.same(bySite.json().items.map((p: { participantId: string }) => p.participantId), ['B1'])

  const hidden = await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants/B1', headers: edcA })
  t.equal(hidden.statusCode, 404)
  t.equal(hidden.json().detail, 'Participant not found')
  const before = await counts(app)
  const write = await app.inject({ method: 'POST', url: '/v1/trials/READ-1/participants/B1/administrations', headers: edcA, payload: { administeredAt: '2025-03-03T09:00:00Z', doseLevel: 1 } })
  t.equal(write.statusCode, 404, 'writes to another site\'s participant are 404 too')
  const withdraw = await app.inject({ method: 'POST', url: '/v1/trials/READ-1/participants/B1/withdraw', headers: { ...edcA, 'if-match': '"1"' }, payload: { withdrawnAt: '2025-03-04T09:00:00Z', reason: 'r' } })
  t.equal(withdraw.statusCode, 404)
  t.same(await counts(app), before)
  const one = await app.inject({ method: 'GET', url: '/v1/trials/READ-1/participants/B1', headers: edcB })
  t.equal(one.statusCode, 200)
  t.equal(one.headers.etag, '"1"')
})

t.test('enrolment is gated by the current decision; an admin may override', async (t) => {
  const { app } = await build()
  await trial(app, 'GATE-1')
  for (const id of ['P1', 'P2', 'P3']) t.equal((await enrol(app, 'GATE-1', id)).statusCode, 201, `${id} fills the first 3+3 cohort`)
  const before = await counts(app)
  // 3+3 (Storer 1989): a cohort of 3 at a level is evaluated before anyone else is dosed.
  const fourth = await enrol(app, 'GATE-1', 'P4')
  t.equal(fourth.statusCode, 409)
  const problem = fourth.json()
  t.equal(problem.type, 'urn:dlt-safety:problem:dose-level-closed')
  t.equal(problem.status, 409)
  t.match(problem.trialStatus, { trialId: 'GATE-1', protocolVersion: 1, state: 'hold', doseLevels: [{ doseLevel: 1, enrolled: 3, pending: 3, open: false }] })
  t.same(problem.decision, problem.trialStatus.decision)
  t.equal(problem.trialStatus.participants, undefined, 'no participant-level rows in the refusal')
  const higher = await enrol(app, 'GATE-1', 'P4', { doseLevel: 2 })
  t.equal(higher.statusCode, 409)
  const edcOverride = await enrol(app, 'GATE-1', 'P4', { override: { reason: 'PI decision' } })
  t.equal(edcOverride.statusCode, 403, 'only an admin may override')
  t.same(await counts(app), before, 'refused enrolments change nothing')

  const overridden = await enrol(app, 'GATE-1', 'P4', { override: { reason: 'replacement for an unevaluable participant' } }, admin)
  t.equal(overridden.statusCode, 201)
  t.equal(overridden.json().overrideReason, 'replacement for an unevaluable participant')
  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=GATE-1&entity=participant&entityId=P4', headers: admin })
  t.match(audit.json().items, [{ action: 'enrol', role: 'admin', reason: 'replacement for an unevaluable participant' }])
})

t.test('parallel arms: enrol by arm, the arm gives the dose level', async (t) => {
  const { app } = await build()
  await trial(app, 'ARM-1', nct07101484.protocol)
  const byArm = await enrol(app, 'ARM-1', 'P1', { doseLevel: undefined, armId: 'mid' })
  t.equal(byArm.statusCode, 201)
  t.match(byArm.json(), { armId: 'mid', doseLevel: 2 })
  const byLevel = await enrol(app, 'ARM-1', 'P2', { doseLevel: 0 })
  t.match(byLevel.json(), { armId: 'control', doseLevel: 0 }, 'the one arm at that level')
  const before = await counts(app)
  const mismatch = await enrol(app, 'ARM-1', 'P3', { armId: 'high', doseLevel: 1 })
  t.equal(mismatch.statusCode, 422)
  t.same(mismatch.json().errors, [{ path: '/doseLevel', message: 'arm high is dose level 3' }])
  const unknown = await enrol(app, 'ARM-1', 'P3', { armId: 'x', doseLevel: undefined })
  t.same(unknown.json().errors, [{ path: '/armId', message: 'arm x is not in protocol version 1' }])
  t.same(await counts(app), before)
})

t.test('administrations: before enrolment 422, dose modification needs a reason, window facts updated', async (t) => {
  const { app } = await build()
  await trial(app, 'ADM-1')
  t.equal((await enrol(app, 'ADM-1', 'P1')).statusCode, 201)
  const url = '/v1/trials/ADM-1/participants/P1/administrations'
  const before = await counts(app)
  const early = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2025-03-02T23:00:00Z', doseLevel: 1 } })
  t.equal(early.statusCode, 422)
  t.same(early.json().errors, [{ path: '/administeredAt', message: 'before the participant\'s enrolment on 2025-03-03' }])
  const noReason = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 2 } })
  t.equal(noReason.statusCode, 422)
  t.same(noReason.json().errors.map((e: { path: string }) => e.path), ['/reason'])
  const noLevel = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 7, reason: 'x' } })
  t.same(noLevel.json().errors, [{ path: '/doseLevel', message: 'dose level 7 is not in protocol version 1' }])
  const future = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2999-01-01T00:00:00Z', doseLevel: 1 } })
  t.same(future.json().errors, [{ path: '/administeredAt', message: 'in the future' }])
  const noZone = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2025-03-04T09:00:00', doseLevel: 1 } })
  t.equal(noZone.statusCode, 422, 'an instant needs its offset')
  const missing = await app.inject({ method: 'POST', url: '/v1/trials/ADM-1/participants/NOPE/administrations', headers: edcA, payload: { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 1 } })
  t.equal(missing.statusCode, 404)
  t.same(await counts(app), before, 'refused administrations change nothing')

  // Local date in its own offset: 2025-03-03 08:30 in Beijing is 2025-03-03 00:30 UTC, the enrolment day.
  const first = await app.inject({ method: 'POST', url, headers: edcA, payload: { administeredAt: '2025-03-03T08:30:00+08:00', doseLevel: 1, dose: { value: 1e11, unit: 'particles' } } })
  t.equal(first.statusCode, 201)
  t.match(first.json(), {
    administrationId: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    participantId: 'P1',
    administeredAt: '2025-03-03T00:30:00.000Z',
    doseLevel: 1,
    dose: { value: 1e11, unit: 'particles' },
    doseModification: false,
    modificationReason: null,
    createdBy: 'edc-user'
  })
  // Issue #21: a dose above the participant's level is a dose modification no decision opens: refused unless an admin overrides.
  const modification = { administeredAt: '2025-03-10T09:00:00Z', doseLevel: 2, reason: 'investigator decision' }
  const above = await app.inject({ method: 'POST', url, headers: edcA, payload: modification })
  t.equal(above.statusCode, 409)
  t.match(above.json(), { type: 'urn:dlt-safety:problem:dose-level-closed', code: 'dose-level-closed' })
  const reduced = await app.inject({ method: 'POST', url, headers: admin, payload: { ...modification, override: { reason: 'PI decision, DMC informed' } } })
  t.equal(reduced.statusCode, 201)
  t.match(reduced.json(), { doseLevel: 2, dose: null, doseModification: true, modificationReason: 'investigator decision' })

  const participant = await app.inject({ method: 'GET', url: '/v1/trials/ADM-1/participants/P1', headers: edcA })
  t.match(participant.json(), { doseLevel: 1, firstAdministrationAt: '2025-03-03T00:30:00.000Z', lastAdministrationAt: '2025-03-10T09:00:00.000Z', version: 1 })
  const list = await app.inject({ method: 'GET', url: `${url}?limit=1`, headers: bearer('safety_monitor') })
  t.same(list.json().items, [first.json()])
  const rest = await app.inject({ method: 'GET', url: `${url}?cursor=${list.json().nextCursor}`, headers: bearer('safety_monitor') })
  t.same(rest.json(), { items: [reduced.json()], nextCursor: null })
  const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=ADM-1&entity=administration&entityId=${reduced.json().administrationId}`, headers: admin })
  t.match(audit.json().items, [{ action: 'administer', reason: 'dose modification: investigator decision' }])
})

t.test('withdrawal: If-Match, reason, then no administration', async (t) => {
  const { app } = await build()
  await trial(app, 'WD-1')
  t.equal((await enrol(app, 'WD-1', 'P1')).statusCode, 201)
  const url = '/v1/trials/WD-1/participants/P1/withdraw'
  const payload = { withdrawnAt: '2025-03-05T12:00:00+01:00', reason: 'consent withdrawn' }
  t.equal((await app.inject({ method: 'POST', url: '/v1/trials/WD-1/participants/P1/administrations', headers: edcA, payload: { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 1 } })).statusCode, 201)
  const before = await counts(app)
  const missing = await app.inject({ method: 'POST', url, headers: edcA, payload })
  t.equal(missing.statusCode, 428)
  const stale = await app.inject({ method: 'POST', url, headers: { ...edcA, 'if-match': '"2"' }, payload })
  t.equal(stale.statusCode, 412)
  const noReason = await app.inject({ method: 'POST', url, headers: { ...edcA, 'if-match': '"1"' }, payload: { withdrawnAt: payload.withdrawnAt } })
  t.equal(noReason.statusCode, 422)
  const beforeDose = await app.inject({ method: 'POST', url, headers: { ...edcA, 'if-match': '"1"' }, payload: { ...payload, withdrawnAt: '2025-03-04T08:00:00Z' } })
  t.equal(beforeDose.statusCode, 422)
  t.same(beforeDose.json().errors, [{ path: '/withdrawnAt', message: 'before the participant\'s last administration at 2025-03-04T09:00:00.000Z' }])
  t.same(await counts(app), before)

  const ok = await app.inject({ method: 'POST', url, headers: { ...edcA, 'if-match': '"1"' }, payload })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers.etag, '"2"')
  t.match(ok.json(), { status: 'withdrawn', withdrawnAt: '2025-03-05T11:00:00.000Z', withdrawalReason: 'consent withdrawn', version: 2 })
  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=WD-1&entity=participant&entityId=P1', headers: admin })
  t.match(audit.json().items[1], { action: 'withdraw', reason: 'consent withdrawn', before: { status: 'enrolled' }, after: { status: 'withdrawn' } })

  const afterWithdrawal = await counts(app)
  const dose = await app.inject({ method: 'POST', url: '/v1/trials/WD-1/participants/P1/administrations', headers: edcA, payload: { administeredAt: '2025-03-06T09:00:00Z', doseLevel: 1 } })
  t.equal(dose.statusCode, 422)
  t.equal(dose.json().type, 'urn:dlt-safety:problem:participant-not-on-study')
  const again = await app.inject({ method: 'POST', url, headers: { ...edcA, 'if-match': '"2"' }, payload })
  t.equal(again.statusCode, 409)
  t.same(await counts(app), afterWithdrawal)
})

t.test('a DMC pause suspends administrations unless an admin overrides', async (t) => {
  const { app } = await build()
  await trial(app, 'DMC-1')
  t.equal((await enrol(app, 'DMC-1', 'P1')).statusCode, 201)
  await app.db.update(trials).set({ dmcHold: 'pause' }).where(eq(trials.trialId, 'DMC-1'))
  const url = '/v1/trials/DMC-1/participants/P1/administrations'
  const payload = { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 1 }
  const before = await counts(app)
  const refused = await app.inject({ method: 'POST', url, headers: edcA, payload })
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { type: 'urn:dlt-safety:problem:dosing-suspended', detail: /DMC decision "pause"/, trialStatus: { trialId: 'DMC-1' } })
  t.same(await counts(app), before)
  const overridden = await app.inject({ method: 'POST', url, headers: admin, payload: { ...payload, override: { reason: 'DMC chair approved this dose' } } })
  t.equal(overridden.statusCode, 201)
  const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=DMC-1&entity=administration&entityId=${overridden.json().administrationId}`, headers: admin })
  t.match(audit.json().items, [{ reason: 'override: DMC chair approved this dose' }])
})

t.test('Idempotency-Key on enrolment and administration', async (t) => {
  const { app } = await build()
  await trial(app, 'IDEM-P')
  const headers = { ...edcA, 'idempotency-key': 'enrol-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/trials/IDEM-P/participants', headers, payload: enrolment('P1') })
  t.equal(first.statusCode, 201)
  const before = await counts(app)
  const again = await app.inject({ method: 'POST', url: '/v1/trials/IDEM-P/participants', headers, payload: enrolment('P1') })
  t.equal(again.statusCode, 201)
  t.same(again.json(), first.json())
  const other = await app.inject({ method: 'POST', url: '/v1/trials/IDEM-P/participants', headers, payload: enrolment('P2') })
  t.equal(other.statusCode, 422)
  const adminHeaders = { ...edcA, 'idempotency-key': 'dose-1' }
  const dose = { administeredAt: '2025-03-04T09:00:00Z', doseLevel: 1 }
  const d1 = await app.inject({ method: 'POST', url: '/v1/trials/IDEM-P/participants/P1/administrations', headers: adminHeaders, payload: dose })
  const d2 = await app.inject({ method: 'POST', url: '/v1/trials/IDEM-P/participants/P1/administrations', headers: adminHeaders, payload: dose })
  t.equal(d2.statusCode, 201)
  t.same(d2.json(), d1.json())
  const after = await counts(app)
  t.same({ participants: after.participants, administrations: after.administrations }, { participants: before.participants, administrations: before.administrations + 1 })
})

t.test('the gate re-evaluates a status that time has made stale, inside the write', async (t) => {
  const { app } = await build()
  await trial(app, 'STALE-1')
  // As if a DLT window had closed since the last write: the stored status is due for re-evaluation.
  await app.db.update(trialStatus).set({ nextChangeAt: '2000-01-01T00:00:00Z' }).where(eq(trialStatus.trialId, 'STALE-1'))
  const res = await enrol(app, 'STALE-1', 'P1')
  t.equal(res.statusCode, 201)
  const [row] = await app.db.select().from(trialStatus).where(eq(trialStatus.trialId, 'STALE-1'))
  t.equal(row!.nextChangeAt, null, 're-evaluated: no window is open before the first administration')
  t.match(row!.status, { doseLevels: [{ doseLevel: 1, enrolled: 1 }] })
})
