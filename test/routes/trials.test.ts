import t from 'tap'
import { administrations, auditLog, participants, protocolVersions, trials, trialSites } from '../../db/schema.js'
import { build, bearer } from '../helpers/build.js'
import type { App } from '../../src/app.js'
import { nct07295067 } from '../helpers/reference-trials.js'

const admin = bearer('admin')
const SITE = { siteId: 'site-a', name: 'Site A' }
// The NCT07295067 seed protocol: a 3+3 over three dose levels (its test: test/seeds/trials.test.ts).
const protocol = () => structuredClone(nct07295067.protocol) as Record<string, any>
const trialBody = (trialId: string, extra: Record<string, unknown> = {}) =>
  ({ trialId, title: `Trial ${trialId}`, phase: 'PHASE1', sites: [SITE], protocol: protocol(), ...extra })

async function counts (app: App) {
  const [a, b, c, d, e, f] = await Promise.all([trials, protocolVersions, trialSites, participants, administrations, auditLog].map((table) => app.db.$count(table)))
  return { trials: a, protocolVersions: b, sites: c, participants: d, administrations: e, audit: f }
}

async function create (app: App, trialId: string, extra: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: trialBody(trialId, extra) })
  if (res.statusCode !== 201) throw new Error(`create ${trialId}: ${res.statusCode} ${res.body}`)
  return res.json()
}

t.test('every trial route needs a token (401) and the right role (403)', async (t) => {
  const { app } = await build()
  await create(app, 'AUTH-1')
  const routes = [
    { method: 'POST' as const, url: '/v1/trials', payload: trialBody('AUTH-2'), writer: true },
    { method: 'GET' as const, url: '/v1/trials' },
    { method: 'GET' as const, url: '/v1/trials/AUTH-1' },
    { method: 'PUT' as const, url: '/v1/trials/AUTH-1/protocol', payload: { protocol: protocol(), reason: 'r' }, writer: true },
    { method: 'GET' as const, url: '/v1/trials/AUTH-1/protocol/versions' },
    { method: 'GET' as const, url: '/v1/trials/AUTH-1/protocol/versions/1' },
    { method: 'POST' as const, url: '/v1/trials/AUTH-1/sites', payload: { siteId: 'x', name: 'X' }, writer: true }
  ]
  const before = await counts(app)
  for (const route of routes) {
    const anonymous = await app.inject({ method: route.method, url: route.url, payload: route.payload })
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url} without a token`)
    t.equal(anonymous.json().type, 'urn:dlt-safety:problem:unauthorized')
    if (route.writer === true) {
      for (const role of ['edc', 'investigator', 'safety_monitor', 'dmc'] as const) {
        const res = await app.inject({ method: route.method, url: route.url, payload: route.payload, headers: { ...bearer(role, { sites: ['site-a'] }), 'if-match': '"1"' } })
        t.equal(res.statusCode, 403, `${route.method} ${route.url} as ${role}`)
        t.equal(res.json().type, 'urn:dlt-safety:problem:forbidden')
      }
    } else if (route.url !== '/v1/trials') {
      // every role reads trials, but only those its token covers
      const res = await app.inject({ method: route.method, url: route.url, headers: bearer('safety_monitor', { trials: ['OTHER'] }) })
      t.equal(res.statusCode, 403, `${route.method} ${route.url} outside the token's trials`)
    }
  }
  t.same(await counts(app), before, 'no refused request wrote anything')
})

t.test('create, read and list trials', async (t) => {
  const { app } = await build()
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: trialBody('CRT-1') })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.etag, '"1"')
  const body = res.json()
  t.match(body, { trialId: 'CRT-1', title: 'Trial CRT-1', phase: 'PHASE1', version: 1, protocolVersion: 1, sites: [SITE] })
  t.same(body.protocol, protocol(), 'the protocol is stored as written')
  t.match(body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const one = await app.inject({ method: 'GET', url: '/v1/trials/CRT-1', headers: bearer('edc', { sites: ['site-a'] }) })
  t.equal(one.statusCode, 200)
  t.equal(one.headers.etag, '"1"')
  t.same(one.json(), body)

  await create(app, 'CRT-2', { sites: undefined, phase: undefined })
  const list = await app.inject({ method: 'GET', url: '/v1/trials?limit=1', headers: admin })
  t.equal(list.statusCode, 200)
  const first = list.json()
  t.equal(first.items.length, 1)
  t.equal(first.items[0].trialId, 'AUTH-1')
  t.type(first.nextCursor, 'string')
  const all = await app.inject({ method: 'GET', url: '/v1/trials', headers: admin })
  t.ok(all.json().items.some((i: { trialId: string, sites: unknown[], phase: unknown }) => i.trialId === 'CRT-2' && i.sites.length === 0 && i.phase === null))

  const scoped = await app.inject({ method: 'GET', url: '/v1/trials', headers: bearer('dmc', { trials: ['CRT-2'] }) })
  t.same(scoped.json().items.map((i: { trialId: string }) => i.trialId), ['CRT-2'], 'the list follows the token\'s trials claim')

  const missing = await app.inject({ method: 'GET', url: '/v1/trials/NOPE', headers: admin })
  t.equal(missing.statusCode, 404)
  const badCursor = await app.inject({ method: 'GET', url: '/v1/trials?cursor=abc', headers: admin })
  t.equal(badCursor.statusCode, 400)

  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=CRT-1', headers: admin })
  t.match(audit.json().items, [{ seq: 1, action: 'create', entity: 'trial', entityId: 'CRT-1', actor: 'admin-user', role: 'admin', after: { trialId: 'CRT-1' } }])
  const status = await app.inject({ method: 'GET', url: '/v1/trials/CRT-1/status', headers: admin })
  t.equal(status.statusCode, 200, 'a new trial has a status')
  t.equal(status.json().decision.nextDoseLevel, 1, 'a 3+3 starts at startDoseLevel 1')
})

t.test('an invalid protocol is 422 with one error per problem and stores nothing', async (t) => {
  const { app } = await build()
  const before = await counts(app)
  const bad = protocol()
  bad.design = { type: 'boin', startDoseLevel: 1, cohortSize: 3 } // no targetToxicity
  bad.doseLevels = [bad.doseLevels[0], bad.doseLevels[2]] // levels 1 and 3, no 2
  bad.dltDefinition.attributions = ['possible', 'maybe']
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: trialBody('BAD-1', { protocol: bad }) })
  t.equal(res.statusCode, 422)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  const errors = res.json().errors as { path: string, message: string }[]
  t.same(errors.map((e) => e.path).sort(), ['/protocol/design/targetToxicity', '/protocol/dltDefinition/attributions/1', '/protocol/doseLevels'])
  t.match(errors.find((e) => e.path === '/protocol/doseLevels')!.message, /missing 2/)

  const dupSites = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: trialBody('BAD-2', { sites: [SITE, SITE] }) })
  t.equal(dupSites.statusCode, 422)
  t.same(dupSites.json().errors, [{ path: '/sites/1/siteId', message: 'duplicate siteId site-a' }])

  const unknownField = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: { ...trialBody('BAD-3'), extra: 1 } })
  t.equal(unknownField.statusCode, 422)
  t.same(await counts(app), before)
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/BAD-1', headers: admin })).statusCode, 404)
})

t.test('a duplicate trialId is 409 and changes nothing', async (t) => {
  const { app } = await build()
  await create(app, 'DUP-1')
  const before = await counts(app)
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: trialBody('DUP-1', { title: 'Another' }) })
  t.equal(res.statusCode, 409)
  t.equal(res.json().type, 'urn:dlt-safety:problem:trial-exists')
  t.same(await counts(app), before)
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/DUP-1', headers: admin })).json().title, 'Trial DUP-1')
})

t.test('Idempotency-Key: a repeat returns the first response, another body is 422', async (t) => {
  const { app } = await build()
  const headers = { ...admin, 'idempotency-key': 'k-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/trials', headers, payload: trialBody('IDEM-1') })
  t.equal(first.statusCode, 201)
  const before = await counts(app)
  const again = await app.inject({ method: 'POST', url: '/v1/trials', headers, payload: trialBody('IDEM-1') })
  t.equal(again.statusCode, 201)
  t.same(again.json(), first.json())
  const other = await app.inject({ method: 'POST', url: '/v1/trials', headers, payload: trialBody('IDEM-1', { title: 'Changed' }) })
  t.equal(other.statusCode, 422)
  t.equal(other.json().type, 'urn:dlt-safety:problem:idempotency-key-reused')
  t.same(await counts(app), before)
})

t.test('protocol amendment: If-Match, reason, versions kept, audited', async (t) => {
  const { app } = await build()
  await create(app, 'AMD-1')
  const amended = protocol()
  amended.dltDefinition.windowDays = 21
  const url = '/v1/trials/AMD-1/protocol'
  const payload = { protocol: amended, reason: 'DSMB asked for a 21-day DLT window' }
  const before = await counts(app)

  const missing = await app.inject({ method: 'PUT', url, headers: admin, payload })
  t.equal(missing.statusCode, 428)
  t.equal(missing.json().type, 'urn:dlt-safety:problem:precondition-required')
  const stale = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '"7"' }, payload })
  t.equal(stale.statusCode, 412)
  t.match(stale.json(), { type: 'urn:dlt-safety:problem:precondition-failed', currentVersion: 1 })
  const noReason = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '"1"' }, payload: { protocol: amended } })
  t.equal(noReason.statusCode, 422)
  t.same(noReason.json().errors.map((e: { path: string }) => e.path), ['/reason'])
  const invalid = protocol()
  invalid.design.startDoseLevel = 9
  const bad = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '"1"' }, payload: { protocol: invalid, reason: 'x' } })
  t.equal(bad.statusCode, 422)
  t.same(bad.json().errors.map((e: { path: string }) => e.path), ['/protocol/design/startDoseLevel'])
  const unknownTrial = await app.inject({ method: 'PUT', url: '/v1/trials/NOPE/protocol', headers: { ...admin, 'if-match': '"1"' }, payload })
  t.equal(unknownTrial.statusCode, 404)
  t.same(await counts(app), before, 'refused amendments change nothing')

  const ok = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '"1"' }, payload })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers.etag, '"2"')
  t.match(ok.json(), { trialId: 'AMD-1', version: 2, protocolVersion: 2, protocol: { dltDefinition: { windowDays: 21 } } })

  const v1 = await app.inject({ method: 'GET', url: '/v1/trials/AMD-1/protocol/versions/1', headers: bearer('dmc') })
  t.equal(v1.statusCode, 200)
  t.match(v1.json(), { trialId: 'AMD-1', version: 1, reason: null, createdBy: 'admin-user', protocol: { dltDefinition: { windowDays: 14 } } })
  const v2 = await app.inject({ method: 'GET', url: '/v1/trials/AMD-1/protocol/versions/2', headers: bearer('dmc') })
  t.match(v2.json(), { version: 2, reason: 'DSMB asked for a 21-day DLT window', createdBy: 'admin-user', protocol: { dltDefinition: { windowDays: 21 } } })
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/AMD-1/protocol/versions/3', headers: admin })).statusCode, 404)
  const versions = await app.inject({ method: 'GET', url: '/v1/trials/AMD-1/protocol/versions?limit=1', headers: admin })
  t.same(versions.json().items.map((v: { version: number }) => v.version), [1])
  const next = await app.inject({ method: 'GET', url: `/v1/trials/AMD-1/protocol/versions?cursor=${versions.json().nextCursor}`, headers: admin })
  t.same(next.json(), { items: [v2.json()], nextCursor: null })

  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=AMD-1&entity=protocol&entityId=AMD-1', headers: bearer('safety_monitor') })
  t.match(audit.json().items, [{ action: 'amend', actor: 'admin-user', reason: 'DSMB asked for a 21-day DLT window', before: { protocolVersion: 1 }, after: { protocolVersion: 2 } }])

  const again = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '"1"' }, payload })
  t.equal(again.statusCode, 412, 'the old ETag is stale after the amendment')
})

t.test('an amendment may not drop a dose level that has participants', async (t) => {
  const { app } = await build()
  await create(app, 'AMD-2')
  const enrol = await app.inject({
    method: 'POST',
    url: '/v1/trials/AMD-2/participants',
    headers: admin,
    payload: { participantId: 'P1', siteId: 'site-a', doseLevel: 2, enrolledOn: '2025-03-01', override: { reason: 'test setup' } }
  })
  t.equal(enrol.statusCode, 201)
  const shrunk = protocol()
  shrunk.doseLevels = shrunk.doseLevels.slice(0, 1)
  const before = await counts(app)
  const res = await app.inject({
    method: 'PUT', url: '/v1/trials/AMD-2/protocol', headers: { ...admin, 'if-match': '"1"' }, payload: { protocol: shrunk, reason: 'drop levels 2 and 3' }
  })
  t.equal(res.statusCode, 422)
  t.same(res.json().errors, [{ path: '/protocol/doseLevels', message: 'dose level 2 has enrolled participants and must be kept' }])
  t.same(await counts(app), before)
})

t.test('sites: add, duplicate 409, unknown trial 404', async (t) => {
  const { app } = await build()
  await create(app, 'SITE-1')
  const res = await app.inject({ method: 'POST', url: '/v1/trials/SITE-1/sites', headers: admin, payload: { siteId: 'site-b', name: 'Site B' } })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { siteId: 'site-b', name: 'Site B', timeZone: 'UTC' }, 'a site without a time zone keeps the UTC calendar')
  const trial = await app.inject({ method: 'GET', url: '/v1/trials/SITE-1', headers: admin })
  t.match(trial.json(), { version: 2, sites: [SITE, { siteId: 'site-b', name: 'Site B' }] })
  const before = await counts(app)
  const dup = await app.inject({ method: 'POST', url: '/v1/trials/SITE-1/sites', headers: admin, payload: { siteId: 'site-b', name: 'Again' } })
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().type, 'urn:dlt-safety:problem:site-exists')
  const none = await app.inject({ method: 'POST', url: '/v1/trials/NOPE/sites', headers: admin, payload: { siteId: 'site-b', name: 'B' } })
  t.equal(none.statusCode, 404)
  t.same(await counts(app), before)
  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=SITE-1&entity=site', headers: admin })
  t.match(audit.json().items, [{ action: 'create', entityId: 'site-b', after: { siteId: 'site-b' } }])
})

t.test('assumptions: shown with the trial, kept by every version, carried by the decisions', async (t) => {
  const { app } = await build()
  const assumptions = protocol().assumptions as { path: string }[]
  t.ok(assumptions.length > 0, 'the seed lists its assumptions')
  const created = await create(app, 'ASM-1')
  t.same(created.protocol.assumptions, assumptions, 'POST returns them')
  const read = (await app.inject({ method: 'GET', url: '/v1/trials/ASM-1', headers: admin })).json()
  t.same(read.protocol.assumptions, assumptions, 'GET returns them')
  t.same(read.protocol.stoppingRules.map((r: { source?: string }) => typeof r.source), ['string', 'string'], 'with the rules\' source quotes')

  const revised = [...assumptions, { path: '/design/cohortSize', statement: 'cohorts of 3', rationale: 'the record says 3+3' }]
  const amended = await app.inject({
    method: 'PUT',
    url: '/v1/trials/ASM-1/protocol',
    headers: { ...admin, 'if-match': '"1"' },
    payload: { protocol: { ...protocol(), assumptions: revised }, reason: 'one more assumption' }
  })
  t.equal(amended.statusCode, 200, amended.body)
  const versions = (await app.inject({ method: 'GET', url: '/v1/trials/ASM-1/protocol/versions', headers: admin })).json().items
  t.same(versions.map((v: { protocol: { assumptions: unknown[] } }) => v.protocol.assumptions.length), [assumptions.length, revised.length])

  // Each decision carries the assumptions of the protocol version it was computed under, for the DMC (blinded) too.
  for (const role of ['admin', 'dmc'] as const) {
    const decisions = (await app.inject({ method: 'GET', url: '/v1/trials/ASM-1/decisions', headers: bearer(role) })).json().items
    t.ok(decisions.length >= 1, `${role} reads decisions`)
    for (const d of decisions) t.same(d.snapshot.assumptions, d.protocolVersion === 1 ? assumptions : revised, `${role}: decision under version ${d.protocolVersion}`)
  }

  const bad = await app.inject({
    method: 'PUT',
    url: '/v1/trials/ASM-1/protocol',
    headers: { ...admin, 'if-match': '"2"' },
    payload: { protocol: { ...protocol(), assumptions: [{ path: '/design/cohortsize', statement: 's', rationale: 'r' }] }, reason: 'typo' }
  })
  t.equal(bad.statusCode, 422)
  t.same(bad.json().errors, [{ path: '/protocol/assumptions/0/path', message: '/design/cohortsize does not name a value of this protocol document' }])
})
