import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { auditLog } from '../../db/schema.js'
import { build, bearer } from '../helpers/build.js'
import { asTableOwner } from '../helpers/insider.js'
import type { App } from '../../src/app.js'
import { nct07295067 } from '../helpers/reference-trials.js'

const admin = bearer('admin')

/** A trial with three audited writes: creation (seq 1), a site (2), an enrolment (3). */
async function trialWithHistory (app: App, trialId: string) {
  const sites = [{ siteId: 'site-a', name: 'Site A' }]
  const created = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: { trialId, title: trialId, sites, protocol: nct07295067.protocol } })
  const site = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/sites`, headers: admin, payload: { siteId: 'site-b', name: 'Site B' } })
  const enrolled = await app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: admin, payload: { participantId: 'P1', siteId: 'site-b', doseLevel: 1, enrolledOn: '2025-03-03' }
  })
  if (created.statusCode !== 201 || site.statusCode !== 201 || enrolled.statusCode !== 201) throw new Error('setup failed')
}

t.test('audit routes need a token (401), an auditing role (403), a covered and existing trial', async (t) => {
  const { app } = await build()
  await trialWithHistory(app, 'AUD-AUTH')
  for (const url of ['/v1/audit?trialId=AUD-AUTH', '/v1/audit/verify?trialId=AUD-AUTH']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 401, `${url} without a token`)
    for (const role of ['edc', 'investigator', 'dmc'] as const) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(role, { sites: ['site-a'] }) })
      t.equal(res.statusCode, 403, `${url} as ${role}`)
    }
    t.equal((await app.inject({ method: 'GET', url, headers: bearer('safety_monitor', { trials: ['OTHER'] }) })).statusCode, 403, 'outside the token\'s trials')
    t.equal((await app.inject({ method: 'GET', url, headers: bearer('safety_monitor') })).statusCode, 200)
  }
  const noTrial = await app.inject({ method: 'GET', url: '/v1/audit', headers: admin })
  t.equal(noTrial.statusCode, 400, 'trialId is required')
  t.equal(noTrial.json().errors[0].path, '/querystring/trialId')
  t.equal((await app.inject({ method: 'GET', url: '/v1/audit?trialId=NOPE', headers: admin })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=NOPE', headers: admin })).statusCode, 404)
})

t.test('the trail lists every write and decision in order, chained, filtered and paginated', async (t) => {
  const { app } = await build()
  await trialWithHistory(app, 'AUD-1')
  const res = await app.inject({ method: 'GET', url: '/v1/audit?trialId=AUD-1', headers: bearer('safety_monitor') })
  t.equal(res.statusCode, 200)
  const { items, nextCursor } = res.json()
  t.equal(nextCursor, null)
  // The decisions the status engine recorded are in the trail, after the write that made them.
  t.same(items.map((i: { seq: number, action: string, entity: string, entityId: string }) => [i.seq, i.action, i.entity, i.entity === 'decision' ? 'a decision' : i.entityId]), [
    [1, 'create', 'trial', 'AUD-1'],
    [2, 'decide', 'decision', 'a decision'],
    [3, 'create', 'site', 'site-b'],
    [4, 'enrol', 'participant', 'P1'],
    [5, 'decide', 'decision', 'a decision']
  ])
  t.equal(items[0].prevHash, '0'.repeat(64), 'the chain starts at the genesis hash')
  for (let i = 1; i < items.length; i++) t.equal(items[i].prevHash, items[i - 1].hash, `row ${i + 1} links to row ${i}`)
  t.ok(items.every((i: { chain: number }) => i.chain === 2), 'every row is keyed')
  const enrolment = items[3]
  t.match(enrolment, { actor: 'admin-user', role: 'admin', before: null, after: { participantId: 'P1', siteId: 'site-b' }, reason: null, at: /Z$/ })
  t.match(items[4], { actor: 'admin-user', role: 'admin', after: { state: String, action: String, digest: /^[0-9a-f]{64}$/ } })

  const page1 = await app.inject({ method: 'GET', url: '/v1/audit?trialId=AUD-1&limit=2', headers: admin })
  t.same(page1.json().items.map((i: { seq: number }) => i.seq), [1, 2])
  const page2 = await app.inject({ method: 'GET', url: `/v1/audit?trialId=AUD-1&limit=3&cursor=${page1.json().nextCursor}`, headers: admin })
  t.same(page2.json(), { items: items.slice(2), nextCursor: null })
  const filtered = await app.inject({ method: 'GET', url: '/v1/audit?trialId=AUD-1&entity=participant&entityId=P1', headers: admin })
  t.same(filtered.json().items, [enrolment])
  const none = await app.inject({ method: 'GET', url: '/v1/audit?trialId=AUD-1&entity=participant&entityId=P2', headers: admin })
  t.same(none.json(), { items: [], nextCursor: null })
})

const INTACT = { valid: true, firstBroken: null, breakCount: 0, breaks: [] }

t.test('verify: an intact chain is valid; an altered row is named by its seq', async (t) => {
  const { app } = await build()
  await trialWithHistory(app, 'AUD-2')
  await trialWithHistory(app, 'AUD-3')
  const ok = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=AUD-2', headers: admin })
  t.equal(ok.statusCode, 200)
  t.match(ok.json(), { trialId: 'AUD-2', ...INTACT, checked: 5, rows: 5, anchor: { count: 5 } })

  // Someone with the tables' owner rights rewrites history: what the site entry recorded.
  await asTableOwner(app.db, async (tx) => {
    await tx.update(auditLog).set({ after: { siteId: 'site-b', name: 'Somewhere else' } })
      .where(and(eq(auditLog.trialId, 'AUD-2'), eq(auditLog.seq, 3)))
  })
  const broken = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=AUD-2', headers: bearer('safety_monitor') })
  t.equal(broken.statusCode, 200)
  t.match(broken.json(), { trialId: 'AUD-2', valid: false, checked: 2, firstBroken: { seq: 3, problem: 'content does not match its hash' } })
  t.match(broken.json(), { breakCount: 1, breaks: [{ kind: 'content', seq: 3 }] })
  const other = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=AUD-3', headers: admin })
  t.match(other.json(), { trialId: 'AUD-3', ...INTACT, checked: 5 }, 'each trial has its own chain')
})
