import t from 'tap'
import type { InjectOptions } from 'fastify'
import { ROLES, type Role } from '../../src/auth/roles.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build } from '../helpers/build.js'
import { rowCounts, SITE_A, SITE_B, twoSiteTrial, type TwoSiteTrial } from '../helpers/security.js'

// The access matrix: for every route the app has (its route table, not a
// hand-kept list) and every role, the outcome the contract's role table
// gives. The expectations below are written from the contract (Auth: roles)
// and fail the test when a route has none, so a new route cannot go
// unreviewed. Then site scope: every route that addresses one participant
// or AE, read or written by a site-scoped token of the other site.

const PROBLEM = 'application/problem+json; charset=utf-8'
const ALL = ROLES
const CAPTURE = ['edc', 'investigator', 'admin'] as const
const AUDITORS = ['safety_monitor', 'admin'] as const

const { app } = await build()
const blinded = await twoSiteTrial(app, 'MTX-BLINDED')
const unblinded = await twoSiteTrial(app, 'MTX-UNBLINDED', { ...nct07295067.protocol, dmcUnblinded: true })
// A serious AE at each site, so that SAE report lists have something to filter.
for (const participantId of [blinded.participantA, blinded.participantB]) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/trials/${blinded.trialId}/adverse-events`,
    headers: bearer('admin'),
    payload: { participantId, term: 'Nausea', grade: 3, onsetDate: '2025-01-09', serious: true, seriousnessCriteria: ['hospitalization'], attribution: 'unrelated' }
  })
  if (res.statusCode !== 201) throw new Error(res.body)
}

type Probe = Omit<InjectOptions, 'method' | 'headers'> & { headers?: Record<string, string> }
interface Expectation {
  /** roles the contract allows */
  roles: readonly Role[]
  /** participant-level: the DMC only where the protocol unblinds it */
  participantLevel?: true
  /** a request that writes nothing, and the status an allowed role gets for it */
  probe: (w: TwoSiteTrial) => Probe
  allowed: number
}

const read = (url: (w: TwoSiteTrial) => string) => (w: TwoSiteTrial): Probe => ({ url: url(w) })
const empty = (url: (w: TwoSiteTrial) => string, headers: Record<string, string> = {}) => (w: TwoSiteTrial): Probe => ({ url: url(w), payload: {}, headers })
const trial = (w: TwoSiteTrial) => `/v1/trials/${w.trialId}`
const IF_MATCH = { 'if-match': '"1"' }

// Writes are probed with an empty body: an allowed role reaches the schema (422), nothing is written.
const EXPECTED: Record<string, Expectation> = {
  'POST /v1/trials': { roles: ['admin'], probe: empty(() => '/v1/trials'), allowed: 422 },
  'GET /v1/trials': { roles: ALL, probe: read(() => '/v1/trials'), allowed: 200 },
  'GET /v1/trials/:trialId': { roles: ALL, probe: read(trial), allowed: 200 },
  'PUT /v1/trials/:trialId/protocol': { roles: ['admin'], probe: empty((w) => `${trial(w)}/protocol`, IF_MATCH), allowed: 422 },
  'GET /v1/trials/:trialId/protocol/versions': { roles: ALL, probe: read((w) => `${trial(w)}/protocol/versions`), allowed: 200 },
  'GET /v1/trials/:trialId/protocol/versions/:version': { roles: ALL, probe: read((w) => `${trial(w)}/protocol/versions/1`), allowed: 200 },
  'POST /v1/trials/:trialId/sites': { roles: ['admin'], probe: empty((w) => `${trial(w)}/sites`), allowed: 422 },
  'PATCH /v1/trials/:trialId/sites/:siteId': { roles: ['admin'], probe: empty((w) => `${trial(w)}/sites/${SITE_A}`, IF_MATCH), allowed: 422 },
  'POST /v1/trials/:trialId/participants': { roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/participants`), allowed: 422 },
  'GET /v1/trials/:trialId/participants': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/participants`), allowed: 200 },
  'GET /v1/trials/:trialId/participants/:participantId': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/participants/${w.participantA}`), allowed: 200 },
  'POST /v1/trials/:trialId/participants/:participantId/withdraw': {
    roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/participants/${w.participantA}/withdraw`, IF_MATCH), allowed: 422
  },
  'POST /v1/trials/:trialId/participants/:participantId/administrations': {
    roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/participants/${w.participantA}/administrations`), allowed: 422
  },
  'POST /v1/trials/:trialId/participants/:participantId/end-treatment': {
    roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/participants/${w.participantA}/end-treatment`, IF_MATCH), allowed: 422
  },
  // As adjudications: the clinical confirmation that every AE of the DLT period is entered.
  'POST /v1/trials/:trialId/participants/:participantId/dlt-assessment': {
    roles: ['investigator', 'safety_monitor', 'admin'], participantLevel: true, probe: empty((w) => `${trial(w)}/participants/${w.participantA}/dlt-assessment`), allowed: 422
  },
  'GET /v1/trials/:trialId/participants/:participantId/administrations': {
    roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/participants/${w.participantA}/administrations`), allowed: 200
  },
  'POST /v1/trials/:trialId/adverse-events': { roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events`), allowed: 422 },
  'GET /v1/trials/:trialId/adverse-events': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/adverse-events`), allowed: 200 },
  'POST /v1/trials/:trialId/adverse-events/batch': { roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events/batch`), allowed: 422 },
  'PUT /v1/trials/:trialId/adverse-events/by-external-id/:externalId': {
    roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events/by-external-id/MTX-1`), allowed: 422
  },
  'GET /v1/trials/:trialId/adverse-events/changes': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/adverse-events/changes`), allowed: 200 },
  'GET /v1/trials/:trialId/adverse-events/:aeId': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/adverse-events/${w.aeA}`), allowed: 200 },
  'PATCH /v1/trials/:trialId/adverse-events/:aeId': { roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events/${w.aeA}`, IF_MATCH), allowed: 422 },
  'GET /v1/trials/:trialId/adverse-events/:aeId/history': {
    roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/adverse-events/${w.aeA}/history`), allowed: 200
  },
  'POST /v1/trials/:trialId/adverse-events/:aeId/nullify': {
    roles: CAPTURE, participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events/${w.aeA}/nullify`, IF_MATCH), allowed: 422
  },
  // Contract: "adjudications (investigator, safety_monitor)"; admin: everything else.
  'POST /v1/trials/:trialId/adverse-events/:aeId/adjudications': {
    roles: ['investigator', 'safety_monitor', 'admin'], participantLevel: true, probe: empty((w) => `${trial(w)}/adverse-events/${w.aeA}/adjudications`), allowed: 422
  },
  'GET /v1/trials/:trialId/sae-reports': { roles: ALL, participantLevel: true, probe: read((w) => `${trial(w)}/sae-reports`), allowed: 200 },
  'GET /v1/trials/:trialId/status': { roles: ALL, probe: read((w) => `${trial(w)}/status`), allowed: 200 },
  'GET /v1/trials/:trialId/decisions': { roles: ['investigator', 'safety_monitor', 'dmc', 'admin'], probe: read((w) => `${trial(w)}/decisions`), allowed: 200 },
  'GET /v1/trials/:trialId/decision-table': { roles: ALL, probe: read((w) => `${trial(w)}/decision-table`), allowed: 200 },
  'GET /v1/trials/:trialId/summary': { roles: ['safety_monitor', 'dmc', 'admin'], probe: read((w) => `${trial(w)}/summary`), allowed: 200 },
  'POST /v1/trials/:trialId/dmc-decisions': { roles: ['dmc'], probe: empty((w) => `${trial(w)}/dmc-decisions`), allowed: 422 },
  'POST /v1/trials/:trialId/reopen': { roles: ['admin'], probe: empty((w) => `${trial(w)}/reopen`), allowed: 422 },
  // An event stream of an existing trial stays open: probed on a trial that does not exist (404 once allowed).
  'GET /v1/trials/:trialId/events': { roles: ALL, probe: read(() => '/v1/trials/NO-SUCH-TRIAL/events'), allowed: 404 },
  // A stream ticket is a credential: probed on a trial that does not exist, so none is issued.
  'POST /v1/trials/:trialId/events/tickets': { roles: ALL, probe: read(() => '/v1/trials/NO-SUCH-TRIAL/events/tickets'), allowed: 404 },
  'POST /v1/trials/:trialId/webhooks': { roles: ['admin'], probe: empty((w) => `${trial(w)}/webhooks`), allowed: 422 },
  'GET /v1/trials/:trialId/webhooks': { roles: ['admin'], probe: read((w) => `${trial(w)}/webhooks`), allowed: 200 },
  'DELETE /v1/trials/:trialId/webhooks/:webhookId': {
    roles: ['admin'], probe: read((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000`), allowed: 404
  },
  'PATCH /v1/trials/:trialId/webhooks/:webhookId': {
    roles: ['admin'], probe: empty((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000`), allowed: 422
  },
  'POST /v1/trials/:trialId/webhooks/:webhookId/rotate-secret': {
    roles: ['admin'], probe: empty((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000/rotate-secret`), allowed: 404
  },
  'POST /v1/trials/:trialId/webhooks/:webhookId/ping': {
    roles: ['admin'], probe: read((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000/ping`), allowed: 404
  },
  'GET /v1/trials/:trialId/webhooks/:webhookId/deliveries': {
    roles: ['admin'], probe: read((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000/deliveries`), allowed: 404
  },
  'POST /v1/trials/:trialId/webhooks/:webhookId/deliveries/:deliveryId/replay': {
    roles: ['admin'], probe: read((w) => `${trial(w)}/webhooks/0196a9a4-0000-7000-8000-000000000000/deliveries/0196a9a4-0000-7000-8000-000000000001/replay`), allowed: 404
  },
  'GET /v1/ctcae/terms': { roles: ALL, probe: read(() => '/v1/ctcae/terms?q=nausea'), allowed: 200 },
  'GET /v1/ctcae/terms/:meddraCode': { roles: ALL, probe: read(() => '/v1/ctcae/terms/10002272'), allowed: 200 },
  'GET /v1/audit': { roles: AUDITORS, participantLevel: true, probe: read((w) => `/v1/audit?trialId=${w.trialId}`), allowed: 200 },
  'GET /v1/audit/verify': { roles: AUDITORS, participantLevel: true, probe: read((w) => `/v1/audit/verify?trialId=${w.trialId}`), allowed: 200 },
  // Whole-trial exports of participant-level data, all sites: not for site-scoped roles nor the DMC.
  'GET /v1/trials/:trialId/exports/sdtm-ae.csv': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/sdtm-ae.csv`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/sdtm-ae.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/sdtm-ae.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/suppae.csv': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/suppae.csv`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/suppae.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/suppae.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/ae.dataset.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/ae.dataset.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/suppae.dataset.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/suppae.dataset.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/sdtm-dm.csv': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/sdtm-dm.csv`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/dm.dataset.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/dm.dataset.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/sdtm-ex.csv': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/sdtm-ex.csv`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/ex.dataset.json': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/ex.dataset.json`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/define.xml': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/define.xml`), allowed: 200 },
  'GET /v1/trials/:trialId/exports/fhir': { roles: AUDITORS, participantLevel: true, probe: read((w) => `${trial(w)}/exports/fhir`), allowed: 200 }
}
const PUBLIC = new Set(['/health', '/ready', '/openapi.json'])

// HEAD routes are Fastify's automatic twins of the GET routes, with the same access.
const routes = app.routeAccess.filter((r) => r.method !== 'HEAD')
const key = (r: { method: string, url: string }) => `${r.method} ${r.url}`
// Site-scoped tokens are scoped to site A: the probes address site A's records.
const token = (role: Role, extra: { trials?: string[] } = {}) => bearer(role, { sites: [SITE_A], sub: `matrix-${role}`, ...extra })

t.test('every route of the app has an expectation, and every expectation a route', async (t) => {
  const secured = routes.filter((r) => r.access !== 'public').map(key)
  t.same(secured.filter((k) => EXPECTED[k] === undefined), [], 'routes without an expectation')
  t.same(Object.keys(EXPECTED).filter((k) => !secured.includes(k)), [], 'expectations without a route')
  const open = routes.filter((r) => r.access === 'public')
  t.same(open.filter((r) => !PUBLIC.has(r.url) && !/^\/(docs|console)(\/|$)/.test(r.url)).map(key), [], 'public routes are health, readiness, documentation and the console\'s static files only')
  for (const r of open.filter((r) => PUBLIC.has(r.url))) {
    t.equal((await app.inject({ method: r.method as 'GET', url: r.url })).statusCode, 200, `${key(r)} without a token`)
  }
})

t.test('role x route: allowed roles pass, the others get 403; no token 401; nothing is written', async (t) => {
  const before = await rowCounts(app)
  let cells = 0
  for (const route of routes.filter((r) => r.access !== 'public')) {
    const expected = EXPECTED[key(route)]!
    for (const world of [blinded, unblinded]) {
      const probe = expected.probe(world)
      const anonymous = await app.inject({ ...probe, method: route.method as 'GET', headers: probe.headers ?? {} })
      t.equal(anonymous.statusCode, 401, `${key(route)} without a token`)
      for (const role of ROLES) {
        const res = await app.inject({ ...probe, method: route.method as 'GET', headers: { ...probe.headers, ...token(role) } })
        const refusedBlind = role === 'dmc' && expected.participantLevel === true && world === blinded
        const want = !expected.roles.includes(role) || refusedBlind ? 403 : expected.allowed
        t.equal(res.statusCode, want, `${key(route)} as ${role} (${world.trialId})${want === 403 ? '' : `: ${res.body.slice(0, 200)}`}`)
        if (res.statusCode >= 400) t.equal(res.headers['content-type'], PROBLEM, `${key(route)} as ${role}: problem+json`)
        cells++
      }
    }
  }
  t.same(await rowCounts(app), before, 'no probe wrote anything')
  t.comment(`${cells} role x route cells checked over ${routes.length - routes.filter((r) => r.access === 'public').length} routes`)
})

t.test('trial scope: a token limited to other trials is 403 on every route that names a trial', async (t) => {
  for (const route of routes.filter((r) => r.access !== 'public')) {
    const expected = EXPECTED[key(route)]!
    const probe = expected.probe(blinded)
    if (!String(probe.url).includes(blinded.trialId)) continue
    const role = expected.roles.includes('admin') ? 'admin' : expected.roles[0]!
    const res = await app.inject({ ...probe, method: route.method as 'GET', headers: { ...probe.headers, ...token(role, { trials: ['NCT00000000'] }) } })
    t.equal(res.statusCode, 403, `${key(route)} as ${role} of another trial`)
    t.match(res.json(), { detail: 'This token does not cover that trial' })
  }
})

// Site scope: requests that would succeed at the token's own site, aimed at site B.
const aeChange = { grade: 2, reason: 'follow-up' }
const CROSS_SITE: Record<string, { probe: (w: TwoSiteTrial) => Probe, status: number }> = {
  'POST /v1/trials/:trialId/participants': {
    probe: (w) => ({ url: `${trial(w)}/participants`, payload: { participantId: 'B-777', siteId: SITE_B, doseLevel: 1, enrolledOn: '2025-01-07' } }), status: 403
  },
  'GET /v1/trials/:trialId/participants/:participantId': { probe: read((w) => `${trial(w)}/participants/${w.participantB}`), status: 404 },
  'POST /v1/trials/:trialId/participants/:participantId/withdraw': {
    probe: (w) => ({ url: `${trial(w)}/participants/${w.participantB}/withdraw`, headers: IF_MATCH, payload: { withdrawnAt: '2025-01-10T09:00:00Z', reason: 'consent withdrawn' } }),
    status: 404
  },
  'POST /v1/trials/:trialId/participants/:participantId/administrations': {
    probe: (w) => ({ url: `${trial(w)}/participants/${w.participantB}/administrations`, payload: { administeredAt: '2025-01-07T09:00:00Z', doseLevel: 1 } }), status: 404
  },
  'GET /v1/trials/:trialId/participants/:participantId/administrations': { probe: read((w) => `${trial(w)}/participants/${w.participantB}/administrations`), status: 404 },
  'POST /v1/trials/:trialId/participants/:participantId/end-treatment': {
    probe: (w) => ({ url: `${trial(w)}/participants/${w.participantB}/end-treatment`, headers: IF_MATCH, payload: { treatmentEndedAt: '2025-01-10T09:00:00Z', reason: 'toxicity' } }),
    status: 404
  },
  'POST /v1/trials/:trialId/participants/:participantId/dlt-assessment': {
    probe: (w) => ({ url: `${trial(w)}/participants/${w.participantB}/dlt-assessment`, payload: { allAdverseEventsEntered: true } }), status: 404
  },
  'POST /v1/trials/:trialId/adverse-events': {
    // Another site's participant is answered as an unknown one: the AE's 422 (test/security/site-scope.test.ts).
    probe: (w) => ({ url: `${trial(w)}/adverse-events`, payload: { participantId: w.participantB, term: 'Fatigue', grade: 1, onsetDate: '2025-01-08', serious: false, attribution: 'unrelated' } }),
    status: 422
  },
  'GET /v1/trials/:trialId/adverse-events/:aeId': { probe: read((w) => `${trial(w)}/adverse-events/${w.aeB}`), status: 404 },
  'PATCH /v1/trials/:trialId/adverse-events/:aeId': { probe: (w) => ({ url: `${trial(w)}/adverse-events/${w.aeB}`, headers: IF_MATCH, payload: aeChange }), status: 404 },
  // In a batch or an upsert, too, another site's participant is answered as an unknown one (the AE's 422).
  'POST /v1/trials/:trialId/adverse-events/batch': {
    probe: (w) => ({ url: `${trial(w)}/adverse-events/batch`, payload: { mode: 'atomic', items: [{ participantId: w.participantB, term: 'Fatigue', grade: 1, onsetDate: '2025-01-08', serious: false, attribution: 'unrelated' }] } }),
    status: 422
  },
  'PUT /v1/trials/:trialId/adverse-events/by-external-id/:externalId': {
    probe: (w) => ({ url: `${trial(w)}/adverse-events/by-external-id/MTX-B`, payload: { participantId: w.participantB, term: 'Fatigue', grade: 1, onsetDate: '2025-01-08', serious: false, attribution: 'unrelated', reason: 'sync' } }),
    status: 422
  },
  'GET /v1/trials/:trialId/adverse-events/:aeId/history': { probe: read((w) => `${trial(w)}/adverse-events/${w.aeB}/history`), status: 404 },
  'POST /v1/trials/:trialId/adverse-events/:aeId/nullify': {
    probe: (w) => ({ url: `${trial(w)}/adverse-events/${w.aeB}/nullify`, headers: IF_MATCH, payload: { reason: 'entered in error' } }), status: 404
  },
  'POST /v1/trials/:trialId/adverse-events/:aeId/adjudications': {
    probe: (w) => ({ url: `${trial(w)}/adverse-events/${w.aeB}/adjudications`, payload: { isDlt: true, reason: 'PI review' } }), status: 404
  }
}
// Lists of participant-level records: filtered to the token's sites.
const LISTS: Record<string, (w: TwoSiteTrial) => string> = {
  'GET /v1/trials/:trialId/participants': (w) => `${trial(w)}/participants`,
  'GET /v1/trials/:trialId/adverse-events': (w) => `${trial(w)}/adverse-events`,
  'GET /v1/trials/:trialId/adverse-events/changes': (w) => `${trial(w)}/adverse-events/changes`,
  'GET /v1/trials/:trialId/sae-reports': (w) => `${trial(w)}/sae-reports`
}

t.test('site scope: a site-A token reading or writing site B\'s records gets 404 (422 naming B\'s participant in an AE, 403 naming site B), lists hold site A only', async (t) => {
  const siteScoped = routes.filter((r) => {
    const access = r.access
    return access !== 'public' && access.records === 'participants' && (access.roles.includes('edc') || access.roles.includes('investigator'))
  })
  t.same(siteScoped.map(key).filter((k) => CROSS_SITE[k] === undefined && LISTS[k] === undefined), [], 'every site-scoped route has a cross-site case')
  const before = await rowCounts(app)
  for (const role of ['edc', 'investigator'] as const) {
    for (const route of siteScoped) {
      const cross = CROSS_SITE[key(route)]
      const list = LISTS[key(route)]
      const allowed = EXPECTED[key(route)]!.roles.includes(role)
      if (cross !== undefined) {
        const probe = cross.probe(blinded)
        const res = await app.inject({ ...probe, method: route.method as 'GET', headers: { ...probe.headers, ...token(role) } })
        t.equal(res.statusCode, allowed ? cross.status : 403, `${key(route)} as ${role} of site A, at site B`)
        t.equal(res.headers['content-type'], PROBLEM)
        if (allowed && cross.status === 404) t.match(res.json(), { type: 'urn:dlt-safety:problem:not-found', detail: /^(Participant|Adverse event) not found$/ })
      }
      if (list !== undefined) {
        const mine = await app.inject({ method: 'GET', url: list(blinded), headers: token(role) })
        const everyone = await app.inject({ method: 'GET', url: list(blinded), headers: bearer('admin') })
        // A change feed's items are AE versions: their site is the snapshot's.
        const sites = (res: typeof mine) => [...new Set((res.json().items as Array<{ siteId?: string, snapshot?: { siteId: string } }>).map((i) => i.siteId ?? i.snapshot?.siteId))].sort()
        t.same(sites(everyone), [SITE_A, SITE_B], `${key(route)}: the admin sees both sites`)
        t.same(sites(mine), [SITE_A], `${key(route)} as ${role}: site A only`)
      }
    }
  }
  t.same(await rowCounts(app), before, 'nothing was written by a cross-site request')
})
