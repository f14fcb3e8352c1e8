// The dose gate through the API (issues #21 and #15): every enrolment and
// every administration passes it, for every role. What a DMC expects: no
// participant is enrolled or dosed where the decision in force does not
// allow it, unless an admin overrides with a reason that is audited and
// shown in the decision history; after a DMC termination nobody is, override
// or not.
import t, { type Test } from 'tap'
import { administrations, auditLog, participants } from '../../db/schema.js'
import { bearer, build } from '../helpers/build.js'
import { administer, createTrial, daysAgo, dltAe, enrol, enrolDosed, reportAe, SEED_SITE } from '../helpers/fixtures.js'
import { administerAs, dmcDecide, enrolAs, levelOf, protocolWith, statusOf, type Headers } from '../helpers/dosing.js'
import type { App } from '../../src/app.js'

const { app } = await build()
const admin = bearer('admin')
const threePlusThree = { type: '3+3', startDoseLevel: 1, cohortSize: 3 } as const
const hourAfter = (at: string) => new Date(Date.parse(at) + 3_600_000).toISOString()

/** Rows a write would leave: participants, administrations, audit entries. */
async function counts (a: App) {
  return await Promise.all([participants, administrations, auditLog].map((table) => a.db.$count(table)))
}

// The trials each refusal is met in, made once for the role blocks below.
const SENTINEL_AT = daysAgo(3).at
t.before(async () => {
  // 3 participants at level 1 within their DLT window: the 3+3 waits for them (hold).
  await createTrial(app, 'GATE-HOLD', protocolWith(4, threePlusThree))
  for (const id of ['H1', 'H2', 'H3']) await enrolDosed(app, 'GATE-HOLD', id, 1, 2)
  // 2 DLTs in 3 at the lowest level: the 3+3 stops with no MTD (Storer 1989).
  await createTrial(app, 'GATE-STOP', protocolWith(4, threePlusThree))
  for (const id of ['S1', 'S2', 'S3']) await enrolDosed(app, 'GATE-STOP', id, 1, 20)
  for (const id of ['S1', 'S2']) await reportAe(app, 'GATE-STOP', dltAe(id, daysAgo(18).date))
  // The DMC paused the trial with P1 enrolled, not yet dosed.
  await createTrial(app, 'GATE-PAUSE', protocolWith(4, threePlusThree))
  await enrol(app, 'GATE-PAUSE', 'P1', SEED_SITE, 1, daysAgo(1).date)
  await dmcDecide(app, 'GATE-PAUSE', 'pause')
  // One sentinel, one day: the second participant enrolled once the day was up, dosed as if an hour after the sentinel.
  await createTrial(app, 'GATE-SENT', protocolWith(4, { ...threePlusThree, sentinel: { participants: 1, days: 1 } }))
  await enrolDosed(app, 'GATE-SENT', 'N1', 1, 3)
  await enrol(app, 'GATE-SENT', 'N2', SEED_SITE, 1, daysAgo(3).date)
  // The DMC terminated the trial with P1 enrolled.
  await createTrial(app, 'GATE-TERM', protocolWith(4, threePlusThree))
  await enrol(app, 'GATE-TERM', 'P1', SEED_SITE, 1, daysAgo(1).date)
  await dmcDecide(app, 'GATE-TERM', 'terminate')
})

interface Attempt { trialId: string, what: string, code: string, state: string, send: (headers: Headers, extra: Record<string, unknown>) => ReturnType<typeof enrolAs> }

const ATTEMPTS: Attempt[] = [
  { trialId: 'GATE-HOLD', what: 'a 4th enrolment while the first cohort of 3 is pending', code: 'dose-level-closed', state: 'hold', send: (h, x) => enrolAs(app, h, 'GATE-HOLD', 'H4', 1, x) },
  // issue #21: an edc token dosed level 4 while the trial was on hold
  { trialId: 'GATE-HOLD', what: 'a dose at level 4 for a level-1 participant while on hold', code: 'dosing-suspended', state: 'hold', send: (h, x) => administerAs(app, h, 'GATE-HOLD', 'H1', daysAgo(1).at, 4, { reason: 'investigator decision', ...x }) },
  // issue #21: after a 3+3 stop for a too-toxic lowest dose, a participant was dosed at level 3
  { trialId: 'GATE-STOP', what: 'a dose at level 3 after the 3+3 stopped at the lowest level', code: 'dosing-suspended', state: 'stop', send: (h, x) => administerAs(app, h, 'GATE-STOP', 'S3', daysAgo(1).at, 3, { reason: 'investigator decision', ...x }) },
  { trialId: 'GATE-STOP', what: 'an enrolment after the 3+3 stopped', code: 'dose-level-closed', state: 'stop', send: (h, x) => enrolAs(app, h, 'GATE-STOP', 'S4', 1, x) },
  { trialId: 'GATE-PAUSE', what: 'a dose at the participant\'s own level under a DMC pause', code: 'dosing-suspended', state: 'hold', send: (h, x) => administerAs(app, h, 'GATE-PAUSE', 'P1', daysAgo(1).at, 1, x) },
  { trialId: 'GATE-PAUSE', what: 'an enrolment under a DMC pause', code: 'dose-level-closed', state: 'hold', send: (h, x) => enrolAs(app, h, 'GATE-PAUSE', 'P2', 1, x) },
  // issue #21: a back-dated dose broke the sentinel interval
  { trialId: 'GATE-SENT', what: 'a dose back-dated to an hour after the sentinel\'s', code: 'sentinel-interval', state: 'go', send: (h, x) => administerAs(app, h, 'GATE-SENT', 'N2', hourAfter(SENTINEL_AT), 1, x) }
]

const TERMINATED: Attempt[] = [
  { trialId: 'GATE-TERM', what: 'an enrolment after a DMC termination', code: 'trial-terminated', state: 'stop', send: (h, x) => enrolAs(app, h, 'GATE-TERM', 'P2', 1, x) },
  { trialId: 'GATE-TERM', what: 'a dose after a DMC termination', code: 'trial-terminated', state: 'stop', send: (h, x) => administerAs(app, h, 'GATE-TERM', 'P1', daysAgo(1).at, 1, x) }
]

async function refusedAll (t: Test, headers: Headers, attempts: Attempt[], extra: Record<string, unknown> = {}) {
  const before = await counts(app)
  for (const a of attempts) {
    const res = await a.send(headers, extra)
    t.equal(res.statusCode, 409, a.what)
    t.match(res.json(), { type: `urn:dlt-safety:problem:${a.code}`, status: 409, code: a.code, trialStatus: { state: a.state } }, a.what)
    t.same(res.json().decision, res.json().trialStatus.decision, `${a.what}: the decision it was refused on`)
  }
  t.same(await counts(app), before, 'a refusal writes nothing')
}

const edc = bearer('edc', { sites: [SEED_SITE] })
const investigator = bearer('investigator', { sites: [SEED_SITE] })

t.test('edc: every refusal of the gate, and no override', async (t) => {
  await refusedAll(t, edc, [...ATTEMPTS, ...TERMINATED])
  const overriding = await ATTEMPTS[1]!.send(edc, { override: { reason: 'PI decision' } })
  t.equal(overriding.statusCode, 403, 'only an admin may override')
})

t.test('investigator: the same refusals, and no override', async (t) => {
  await refusedAll(t, investigator, [...ATTEMPTS, ...TERMINATED])
  const overriding = await ATTEMPTS[0]!.send(investigator, { override: { reason: 'PI decision' } })
  t.equal(overriding.statusCode, 403)
})

t.test('admin without override: the same refusals', async (t) => {
  await refusedAll(t, admin, [...ATTEMPTS, ...TERMINATED])
})

t.test('admin with an override: each refused request goes ahead, audited and in the decision history; a termination still refuses', async (t) => {
  await refusedAll(t, admin, TERMINATED, { override: { reason: 'sponsor decision' } })
  for (const [i, a] of ATTEMPTS.entries()) {
    const reason = `override ${i}: PI and medical monitor agreed`
    const res = await a.send(admin, { override: { reason } })
    t.equal(res.statusCode, 201, a.what)
    const body = res.json()
    const [entity, entityId] = body.administrationId === undefined ? ['participant', body.participantId] : ['administration', body.administrationId]
    const trialId = a.trialId
    const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=${trialId}&entity=${entity}&entityId=${entityId}`, headers: admin })
    t.match(audit.json().items, [{ role: 'admin', reason: new RegExp(reason) }], `${a.what}: audited with its reason`)
    const history = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=1`, headers: bearer('safety_monitor') })
    t.match(history.json().items[0].trigger, { entityId, override: reason }, `${a.what}: the override in the decision history`)
  }
})

t.test('a dose reduction to a lower open level is allowed with its reason; a dose above the enrolled level is not', async (t) => {
  const trialId = 'GATE-REDUCE'
  await createTrial(app, trialId, protocolWith(4, threePlusThree))
  for (const id of ['R1', 'R2', 'R3']) await enrolDosed(app, trialId, id, 1, 20)
  t.match(await statusOf(app, trialId), { state: 'go', decision: { action: 'escalate', nextDoseLevel: 2 } })
  t.equal((await enrolAs(app, edc, trialId, 'R4', 2)).statusCode, 201)
  t.equal((await administerAs(app, edc, trialId, 'R4', daysAgo(2).at, 2)).statusCode, 201)
  const reduced = await administerAs(app, edc, trialId, 'R4', daysAgo(1).at, 1, { reason: 'grade 2 fatigue: reduced per protocol' })
  t.equal(reduced.statusCode, 201, 'level 1 is cleared and below the current level: open for a reduction')
  t.match(reduced.json(), { doseLevel: 1, doseModification: true, modificationReason: 'grade 2 fatigue: reduced per protocol' })
  const audit = await app.inject({ method: 'GET', url: `/v1/audit?trialId=${trialId}&entity=administration&entityId=${reduced.json().administrationId}`, headers: admin })
  t.match(audit.json().items, [{ action: 'administer', role: 'edc', reason: 'dose reduction: grade 2 fatigue: reduced per protocol' }])
  const above = await administerAs(app, edc, trialId, 'R4', daysAgo(1).at, 3, { reason: 'investigator decision' })
  t.equal(above.statusCode, 409)
  t.match(above.json(), { code: 'dose-level-closed', detail: /above the enrolled level/ })
  // The DMC sees the modified participant flagged, counted at the highest level given in the DLT period (the default).
  const history = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=1`, headers: bearer('safety_monitor') })
  const latest = history.json().items[0]
  t.match(latest.snapshot.status.participants.find((p: { participantId: string }) => p.participantId === 'R4'), { doseLevel: 2, enrolledDoseLevel: 2, doseModified: true })
  t.ok(latest.snapshot.status.decision.reasons.includes('participant R4: enrolled at level 2, given level(s) 1, 2 in the DLT period: counts at level 2'))
})

t.test('a level-2 participant reduced to level 1 whose DLT follows counts where the protocol says', async (t) => {
  // modifiedDoseCountsAt 'enrolled': the record counts a modified participant at the enrolled level.
  const trialId = 'GATE-COUNTS'
  const protocol = protocolWith(4, threePlusThree)
  await createTrial(app, trialId, { ...protocol, dltDefinition: { ...protocol.dltDefinition, modifiedDoseCountsAt: 'enrolled' } })
  for (const id of ['C1', 'C2', 'C3']) await enrolDosed(app, trialId, id, 1, 20)
  t.equal((await enrolAs(app, edc, trialId, 'C4', 2)).statusCode, 201)
  t.equal((await administerAs(app, edc, trialId, 'C4', daysAgo(3).at, 1, { reason: 'reduced at the first dose' })).statusCode, 201)
  await reportAe(app, trialId, dltAe('C4', daysAgo(2).date))
  const status = await statusOf(app, trialId)
  t.equal(levelOf(status, 2).dlts, 1, 'the DLT counts at the enrolled level 2')
  t.equal(levelOf(status, 1).dlts, 0)
})

t.test('an override enrolment above the current level does not move it; its DLT closes its level and above (issue #21)', async (t) => {
  const trialId = 'GATE-OVR'
  await createTrial(app, trialId, protocolWith(4, threePlusThree))
  for (const id of ['O1', 'O2', 'O3']) await enrolDosed(app, trialId, id, 1, 20)
  const overridden = await enrolAs(app, admin, trialId, 'O4', 4, { override: { reason: 'compassionate use agreed with the DMC chair' } })
  t.equal(overridden.statusCode, 201)
  t.equal(overridden.json().overrideReason, 'compassionate use agreed with the DMC chair')
  const after = await statusOf(app, trialId)
  t.match(after, { state: 'go', decision: { action: 'escalate', nextDoseLevel: 2 } }, 'the design still escalates to 2: an override is not the design\'s current level')
  t.equal(levelOf(after, 4).open, false, 'level 4 is not open')
  const edcAt4 = await enrolAs(app, edc, trialId, 'O5', 4)
  t.equal(edcAt4.statusCode, 409, 'the next EDC enrolment at level 4 is refused')
  t.equal(edcAt4.json().code, 'dose-level-closed')
  t.equal((await enrolAs(app, edc, trialId, 'O5', 2)).statusCode, 201, 'level 2 takes the next cohort')

  t.equal((await administerAs(app, edc, trialId, 'O4', daysAgo(5).at, 4)).statusCode, 201, 'the override participant is dosed at the level it was enrolled at')
  await reportAe(app, trialId, dltAe('O4', daysAgo(4).date))
  const closed = await statusOf(app, trialId)
  t.equal(levelOf(closed, 4).dlts, 1, 'the override participant\'s DLT is in the decision')
  t.equal(levelOf(closed, 4).eliminated, true, 'and closes level 4')
  t.ok(closed.decision.reasons.includes('a participant enrolled by override had a DLT at level 4: level 4 and above are closed'))
  t.equal(closed.decision.nextDoseLevel, 2)
})

t.test('3+3 at the top dose: 0/3 expands the cohort, the 4th to 6th are accepted there, then the MTD is declared', async (t) => {
  const trialId = 'GATE-TOP'
  await createTrial(app, trialId, protocolWith(2, threePlusThree))
  for (const id of ['T1', 'T2', 'T3']) await enrolDosed(app, trialId, id, 1, 20)
  for (const id of ['T4', 'T5', 'T6']) await enrolDosed(app, trialId, id, 2, 20)
  t.match(await statusOf(app, trialId), { state: 'go', decision: { action: 'expand_cohort', nextDoseLevel: 2 } })
  for (const id of ['T7', 'T8', 'T9']) {
    t.equal((await enrolAs(app, edc, trialId, id, 2)).statusCode, 201, `${id} accepted at the top level`)
    t.equal((await administerAs(app, edc, trialId, id, daysAgo(20).at, 2)).statusCode, 201)
  }
  t.match(await statusOf(app, trialId), { state: 'stop', decision: { action: 'mtd_reached', mtdDoseLevel: 2 } }, '0 DLTs in 6 at the top: MTD level 2')
})

t.test('cleared levels stay closed unless the design backfills (issue #15)', async (t) => {
  for (const [trialId, backfill, expected] of [['GATE-CLR', undefined, 409], ['GATE-BACKFILL', { maxPerLevel: 6 }, 201]] as const) {
    const design = backfill === undefined ? threePlusThree : { ...threePlusThree, backfill }
    await createTrial(app, trialId, protocolWith(4, design))
    for (const id of ['B1', 'B2', 'B3']) await enrolDosed(app, trialId, id, 1, 20)
    t.match(await statusOf(app, trialId), { decision: { action: 'escalate', nextDoseLevel: 2 } })
    t.equal((await enrolAs(app, edc, trialId, 'B4', 2)).statusCode, 201, 'the level the design names takes enrolment either way')
    const fourth = await enrolAs(app, edc, trialId, 'B5', 1)
    t.equal(fourth.statusCode, expected, `a 4th participant at the cleared level 1 ${backfill === undefined ? 'is refused' : 'is a backfill'}`)
    t.match(await statusOf(app, trialId), { decision: { nextDoseLevel: 2 } }, 'and the design\'s current level stays 2')
  }
  const refused = await enrolAs(app, edc, 'GATE-CLR', 'B6', 1)
  t.match(refused.json(), { code: 'dose-level-closed', detail: /dose level 1 is not open for enrolment/ })
})

t.test('a back-dated dose cannot break the sentinel interval; a dose after it is accepted', async (t) => {
  const trialId = 'GATE-SENT2'
  await createTrial(app, trialId, protocolWith(4, { ...threePlusThree, sentinel: { participants: 1, days: 1 } }))
  const sentinelAt = daysAgo(4).at
  await enrolDosed(app, trialId, 'Q1', 1, 4)
  t.equal((await enrolAs(app, edc, trialId, 'Q2', 1)).statusCode, 201, 'the sentinel day is up by the clock: enrolment opens')
  const backDated = await administerAs(app, edc, trialId, 'Q2', hourAfter(sentinelAt), 1)
  t.equal(backDated.statusCode, 409)
  t.match(backDated.json(), { code: 'sentinel-interval', detail: /falls before/ })
  const dayAfter = new Date(Date.parse(sentinelAt) + 86_400_000).toISOString()
  t.equal((await administerAs(app, edc, trialId, 'Q2', dayAfter, 1)).statusCode, 201, 'a dose at the end of the interval goes ahead')
})

t.test('CRM: 9 DLTs in 9 at the lowest level stop the trial (default safety stop)', async (t) => {
  const trialId = 'GATE-CRM'
  await createTrial(app, trialId, protocolWith(3, { type: 'crm', startDoseLevel: 1, cohortSize: 9, targetToxicity: 0.25, skeleton: [0.1, 0.25, 0.4] }))
  const ids = Array.from({ length: 9 }, (_, i) => `K${i + 1}`)
  // the whole cohort is enrolled before any outcome is known, then dosed 20 days ago
  for (const id of ids) await enrol(app, trialId, id, SEED_SITE, 1, daysAgo(20).date)
  for (const id of ids) await administer(app, trialId, id, daysAgo(20).at, 1)
  for (const id of ids) await reportAe(app, trialId, dltAe(id, daysAgo(18).date))
  const status = await statusOf(app, trialId)
  t.match(status, { state: 'stop', decision: { nextDoseLevel: null } })
  t.ok(status.decision.reasons.some((r) => /the lowest dose is too toxic, stop \(default safety stop\)/.test(r)))
  t.equal((await enrolAs(app, edc, trialId, 'K10', 1)).statusCode, 409)
})
