import t from 'tap'
import { get } from 'node:http'
import { createSigner } from 'fast-jwt'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build, signToken } from '../helpers/build.js'
import { aeBody, rowCounts, SITE_A, SITE_B, twoSiteTrial } from '../helpers/security.js'

// The contract's Auth section, end to end: roles, site scope (another site's
// records are 404, lists are filtered), trial scope, DMC blinding, and tokens.

const PROBLEM = 'application/problem+json; charset=utf-8'
const { app } = await build()
const admin = bearer('admin')
const edcA = bearer('edc', { sites: [SITE_A], sub: 'edc-site-a' })
const world = await twoSiteTrial(app, 'SEC-ACCESS')
const base = `/v1/trials/${world.trialId}`

const auth = (token: string) => ({ authorization: `Bearer ${token}` })
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

t.test('edc at site A: another site\'s AE is 404, lists hold site A only, an AE for a site-B participant is refused as for an unknown one and stores nothing', async (t) => {
  const read = await app.inject({ method: 'GET', url: `${base}/adverse-events/${world.aeB}`, headers: edcA })
  t.equal(read.statusCode, 404)
  t.equal(read.headers['content-type'], PROBLEM)
  t.match(read.json(), { type: 'urn:dlt-safety:problem:not-found', status: 404, detail: 'Adverse event not found' })
  const own = await app.inject({ method: 'GET', url: `${base}/adverse-events/${world.aeA}`, headers: edcA })
  t.equal(own.statusCode, 200)
  t.equal(own.json().siteId, SITE_A)

  const list = await app.inject({ method: 'GET', url: `${base}/adverse-events`, headers: edcA })
  t.equal(list.statusCode, 200)
  t.same(list.json().items.map((ae: { aeId: string }) => ae.aeId), [world.aeA], 'only site A\'s AE')
  const all = await app.inject({ method: 'GET', url: `${base}/adverse-events`, headers: admin })
  t.same(all.json().items.map((ae: { aeId: string }) => ae.aeId).sort(), [world.aeA, world.aeB].sort(), 'the admin sees both')

  const before = await rowCounts(app)
  const write = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: edcA, payload: aeBody(world.participantB) })
  // As for a participant the trial does not have (test/security/site-scope.test.ts compares the two).
  t.equal(write.statusCode, 422)
  t.equal(write.headers['content-type'], PROBLEM)
  t.match(write.json(), { status: 422, errors: [{ path: '/participantId', message: 'no participant with this id is enrolled in this trial' }] })
  t.same(await rowCounts(app), before, 'nothing stored')
})

t.test('a siteId outside the token is 403 wherever the request names it', async (t) => {
  const before = await rowCounts(app)
  const enrol = await app.inject({
    method: 'POST', url: `${base}/participants`, headers: edcA, payload: { participantId: 'B-002', siteId: SITE_B, doseLevel: 1, enrolledOn: '2025-01-07' }
  })
  t.equal(enrol.statusCode, 403)
  t.match(enrol.json(), { type: 'urn:dlt-safety:problem:forbidden', detail: 'This token does not cover that site' })
  const filter = await app.inject({ method: 'GET', url: `${base}/adverse-events?siteId=${SITE_B}`, headers: edcA })
  t.equal(filter.statusCode, 403)
  t.same(await rowCounts(app), before)
})

t.test('dmc: no AE reports (403), status and summary yes (200), participant-level records only when unblinded', async (t) => {
  const dmc = bearer('dmc')
  const before = await rowCounts(app)
  const post = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: dmc, payload: aeBody(world.participantA) })
  t.equal(post.statusCode, 403)
  t.match(post.json(), { type: 'urn:dlt-safety:problem:forbidden', detail: 'The role dmc may not do this' })
  t.same(await rowCounts(app), before)

  const status = await app.inject({ method: 'GET', url: `${base}/status`, headers: dmc })
  t.equal(status.statusCode, 200)
  t.match(status.json(), { trialId: world.trialId, state: /^(go|hold|stop)$/ })
  t.notOk('participants' in status.json(), 'the status document is aggregate')
  t.equal((await app.inject({ method: 'GET', url: `${base}/summary`, headers: dmc })).statusCode, 200)

  for (const url of [`${base}/adverse-events`, `${base}/adverse-events/${world.aeA}`, `${base}/participants`, `${base}/sae-reports`]) {
    const res = await app.inject({ method: 'GET', url, headers: dmc })
    t.equal(res.statusCode, 403, url)
    t.match(res.json(), { detail: 'Participant-level records are blinded to the DMC in this trial' })
  }
  const unblinded = await twoSiteTrial(app, 'SEC-UNBLINDED', { ...nct07295067.protocol, dmcUnblinded: true })
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${unblinded.trialId}/adverse-events`, headers: dmc })
  t.equal(res.statusCode, 200)
  t.equal(res.json().items.length, 2)
  const missing = await app.inject({ method: 'GET', url: '/v1/trials/NO-SUCH-TRIAL/adverse-events', headers: dmc })
  t.equal(missing.statusCode, 404, 'a trial that does not exist is 404 for the DMC too')
})

t.test('decisions: participant rows and the records that triggered them are left out for the DMC and site-scoped tokens', async (t) => {
  const full = await app.inject({ method: 'GET', url: `${base}/decisions?limit=500`, headers: admin })
  t.equal(full.statusCode, 200)
  const enrolled = full.json().items.find((d: { trigger: { type: string } }) => d.trigger.type === 'participant_enrolled')
  t.match(enrolled, { trigger: { entity: 'participant', entityId: /^[AB]-001$/ }, snapshot: { status: { participants: Array } } })
  for (const headers of [bearer('dmc'), bearer('investigator', { sites: [SITE_A] })]) {
    const res = await app.inject({ method: 'GET', url: `${base}/decisions?limit=500`, headers })
    t.equal(res.statusCode, 200)
    const items = res.json().items as { decisionId: string, trigger: Record<string, unknown>, snapshot: { status: Record<string, unknown> } }[]
    t.equal(items.length, full.json().items.length, 'every decision is listed')
    t.ok(items.every((d) => !('participants' in d.snapshot.status) && Array.isArray(d.snapshot.status.doseLevels)), 'aggregate status only')
    const same = items.find((d) => d.decisionId === enrolled.decisionId)!
    t.same(same.trigger, { type: 'participant_enrolled', entity: 'participant', actor: 'admin-user' }, 'no participant id')
  }
})

t.test('the event stream sends the aggregate status document, without participant rows', async (t) => {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const event = await new Promise<string>((resolve, reject) => {
    const req = get(`${address}${base}/events`, { headers: bearer('dmc') }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        const match = /event: status\ndata: (.*)\n/.exec(text)
        if (match !== null) {
          req.destroy()
          resolve(match[1]!)
        }
      })
    })
    req.on('error', reject)
  })
  const status = JSON.parse(event)
  t.match(status, { trialId: world.trialId, doseLevels: Array, decision: { action: String } })
  t.notOk('participants' in status)
})

t.test('safety_monitor may not amend a protocol; only an admin may override the dose decision', async (t) => {
  const before = await rowCounts(app)
  const amend = await app.inject({
    method: 'PUT', url: `${base}/protocol`, headers: { ...bearer('safety_monitor'), 'if-match': '"1"' }, payload: { protocol: nct07295067.protocol, reason: 'tighter window' }
  })
  t.equal(amend.statusCode, 403)
  t.match(amend.json(), { type: 'urn:dlt-safety:problem:forbidden', detail: 'The role safety_monitor may not do this' })
  const override = await app.inject({
    method: 'POST', url: `${base}/participants`, headers: edcA, payload: { participantId: 'A-009', siteId: SITE_A, doseLevel: 1, enrolledOn: '2025-01-07', override: { reason: 'PI' } }
  })
  t.equal(override.statusCode, 403)
  t.match(override.json(), { detail: 'Only admin may send override' })
  t.same(await rowCounts(app), before)
})

t.test('tokens: expired, another key, alg none, another trial, missing claims: all refused', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const url = `${base}/status`
  const cases: [string, string, number, string][] = [
    ['expired an hour ago', signToken('admin', { issuedAt: now - 7200, ttlSeconds: 3600 }), 401, 'urn:dlt-safety:problem:token-expired'],
    ['signed with another key', signToken('admin', {}, 'another-secret-that-is-long-enough-for-hs256-xyz'), 401, 'urn:dlt-safety:problem:unauthorized'],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', role: 'admin', iat: now, exp: now + 600 })}.`, 401, 'urn:dlt-safety:problem:unauthorized'],
    ['no exp', createSigner({ key: 'test-secret-that-is-long-enough-for-hs256-0123456789', noTimestamp: true })({ sub: 'x', role: 'admin' }), 401, 'urn:dlt-safety:problem:unauthorized'],
    ['unknown role', signToken('superuser'), 401, 'urn:dlt-safety:problem:unauthorized'],
    ['another trial', signToken('admin', { trials: ['NCT00000000'] }), 403, 'urn:dlt-safety:problem:forbidden']
  ]
  for (const [name, token, status, type] of cases) {
    const res = await app.inject({ method: 'GET', url, headers: auth(token) })
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], PROBLEM, name)
    t.match(res.json(), { type, status }, name)
  }
  const skewed = signToken('admin', { issuedAt: now - 3610, ttlSeconds: 3600 })
  t.equal((await app.inject({ method: 'GET', url, headers: auth(skewed) })).statusCode, 200, 'expired 10 s ago: within the clock-skew tolerance')
  t.equal((await app.inject({ method: 'GET', url, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } })).statusCode, 401, 'not a bearer token')

  const stale = await app.inject({
    method: 'POST', url: `${base}/dmc-decisions`, headers: auth(signToken('dmc', { issuedAt: now - 600 })), payload: {}
  })
  t.equal(stale.statusCode, 401, 'a DMC signature needs a token issued in the last 5 minutes')
  t.match(stale.json(), { type: 'urn:dlt-safety:problem:fresh-authentication-required' })

  const other = bearer('admin', { trials: ['NCT00000000'] })
  const before = await rowCounts(app)
  const create = await app.inject({ method: 'POST', url: '/v1/trials', headers: other, payload: { trialId: 'SEC-NOT-MINE', title: 't', protocol: nct07295067.protocol } })
  t.equal(create.statusCode, 403, 'a token limited to other trials cannot create this one')
  t.same(await rowCounts(app), before)
  t.equal((await app.inject({ method: 'GET', url: `/v1/audit?trialId=${world.trialId}`, headers: other })).statusCode, 403, 'trialId in the query')
  const list = await app.inject({ method: 'GET', url: '/v1/trials', headers: bearer('admin', { trials: [world.trialId] }) })
  t.same(list.json().items.map((x: { trialId: string }) => x.trialId), [world.trialId], 'the list holds the token\'s trials only')
})
