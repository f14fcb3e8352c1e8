import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { SEED_SITE, administer, createTrial, enrol } from '../helpers/fixtures.js'

// Clocks (21 CFR 312.64(b) and ICH E6(R2) 4.11.1: initial report "immediately",
// held to 24 h; 21 CFR 312.32(c)(2) / ICH E2A III.A.1: unexpected fatal or
// life-threatening suspected reaction, 7 calendar days; 312.32(c)(1)(i) / E2A
// III.A.2: other serious unexpected suspected reactions, 15 calendar days),
// all counted from when the site became aware (awareAt).
const { app } = await build()
const admin = bearer('admin')
const trialId = 'SAE-T1'
await createTrial(app, trialId, undefined, [{ siteId: 'other-site', name: 'Another hospital' }])
await enrol(app, trialId, 'P1', SEED_SITE, 1, '2025-01-06')
await enrol(app, trialId, 'P2', 'other-site', 1, '2025-01-06')
await administer(app, trialId, 'P1', '2025-01-06T09:00:00Z', 1)

const base = { grade: 3, onsetDate: '2025-01-08', attribution: 'possible', expected: false }
async function report (payload: object) {
  const res = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: admin, payload })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json()
}

// A: serious, suspected, unexpected, hospitalisation: 24 h and 15 days (long past).
const a = await report({ ...base, participantId: 'P1', term: 'Febrile neutropenia', serious: true, seriousnessCriteria: ['hospitalization'], awareAt: '2025-01-08T08:30:00Z' })
// B: life-threatening, definitely related: 24 h and 7 days.
const b = await report({ ...base, participantId: 'P2', term: 'Sepsis', grade: 4, serious: true, seriousnessCriteria: ['life_threatening'], attribution: 'definite', awareAt: '2025-01-09T00:00:00Z' })
// C: serious but unrelated, aware now: the 24-h initial report only, not yet due.
const c = await report({ ...base, participantId: 'P1', term: 'Fall', serious: true, seriousnessCriteria: ['hospitalization'], attribution: 'unrelated' })
// Not serious: no clock. Nullified: no clock.
await report({ ...base, participantId: 'P1', term: 'Nausea', serious: false })
const d = await report({ ...base, participantId: 'P2', term: 'Anemia', serious: true, seriousnessCriteria: ['hospitalization'], awareAt: '2025-01-08T00:00:00Z' })
const nullified = await app.inject({
  method: 'POST',
  url: `/v1/trials/${trialId}/adverse-events/${d.aeId}/nullify`,
  headers: { ...admin, 'if-match': '"1"' },
  payload: { reason: 'duplicate entry' }
})
if (nullified.statusCode !== 200) throw new Error(nullified.body)

const list = async (query: string, headers = admin) => {
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/sae-reports${query}`, headers })
  t.equal(res.statusCode, 200, res.body)
  return res.json()
}

t.test('every report due, earliest first, with overdue flags', async t => {
  const cDue = new Date(Date.parse(c.awareAt) + 24 * 3600_000).toISOString()
  const body = await list('')
  t.match(body.items, [
    { aeId: a.aeId, participantId: 'P1', siteId: SEED_SITE, term: 'Febrile neutropenia', grade: 3, kind: 'initial_24h', dueAt: '2025-01-09T08:30:00.000Z', overdue: true, basis: /312\.64/ },
    { aeId: b.aeId, participantId: 'P2', siteId: 'other-site', kind: 'initial_24h', dueAt: '2025-01-10T00:00:00.000Z', overdue: true },
    { aeId: b.aeId, kind: 'susar_7d', dueAt: '2025-01-16T00:00:00.000Z', overdue: true, basis: /312\.32\(c\)\(2\)/ },
    { aeId: a.aeId, kind: 'susar_15d', dueAt: '2025-01-23T08:30:00.000Z', overdue: true },
    { aeId: c.aeId, kind: 'initial_24h', dueAt: cDue, overdue: false }
  ])
  t.equal(body.items.length, 5)
  t.equal(body.nextCursor, null)
})

t.test('due_before keeps what is due before that instant', async t => {
  const body = await list(`?due_before=${encodeURIComponent('2025-01-16T00:00:00+00:00')}`)
  t.same(body.items.map((r: { aeId: string, kind: string }) => [r.aeId, r.kind]), [[a.aeId, 'initial_24h'], [b.aeId, 'initial_24h']])
})

t.test('pages, and site scope', async t => {
  const first = await list('?limit=2')
  t.equal(first.items.length, 2)
  const rest = await list(`?limit=10&cursor=${first.nextCursor}`)
  t.same([...first.items, ...rest.items].map((r: { kind: string }) => r.kind), ['initial_24h', 'initial_24h', 'susar_7d', 'susar_15d', 'initial_24h'])
  const site = await list('', bearer('investigator', { sites: ['other-site'] }))
  t.same(site.items.map((r: { aeId: string, kind: string }) => [r.aeId, r.kind]), [[b.aeId, 'initial_24h'], [b.aeId, 'susar_7d']])
  const bad = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/sae-reports?due_before=tomorrow`, headers: admin })
  t.equal(bad.statusCode, 400)
})

t.test('a follow-up that makes an AE non-serious stops its clocks', async t => {
  const res = await app.inject({
    method: 'PATCH',
    url: `/v1/trials/${trialId}/adverse-events/${c.aeId}`,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { serious: false, seriousnessCriteria: null, reason: 'not hospitalised after all' }
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().saeReports, [])
  const body = await list('')
  t.notOk(body.items.some((r: { aeId: string }) => r.aeId === c.aeId))
})
