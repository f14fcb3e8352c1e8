import t from 'tap'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { uuidv7 } from 'uuidv7'
import { bearer, build } from '../helpers/build.js'
import { aeBody, rowCounts, SITE_A, twoSiteTrial } from '../helpers/security.js'

// Site scope leaks nothing (issue 17): whatever a site-A token asks about site
// B's participant, AE or externalId is answered exactly as the same question
// about one that does not exist: status, content type, the whole problem
// document but its `instance` (the request's own path), and the headers that
// could carry an identifier. The table below enumerates every route that takes
// a participant id, an AE id or an externalId, for both site-scoped roles.

const { app } = await build()
const world = await twoSiteTrial(app, 'SCOPE-1')
const base = `/v1/trials/${world.trialId}`
const NO_PARTICIPANT = 'Z-404'
const NO_AE = uuidv7()
const IF_MATCH = { 'if-match': '"1"' }

type Request = Omit<InjectOptions, 'headers'> & { headers?: Record<string, string> }
interface Case {
  /** the roles allowed the route (edc, investigator or both) */
  roles: ReadonlyArray<'edc' | 'investigator'>
  /** the request about one record: site B's, or one that does not exist */
  request: (id: string) => Request
  /** what both answer */
  status: number
}

const participantCase = (status: number, request: (id: string) => Request, roles: Case['roles'] = ['edc', 'investigator']) =>
  ({ kind: 'participant' as const, roles, request, status })
const aeCase = (status: number, request: (id: string) => Request, roles: Case['roles'] = ['edc', 'investigator']) =>
  ({ kind: 'ae' as const, roles, request, status })

const CASES: Record<string, Case & { kind: 'participant' | 'ae' }> = {
  'GET participant': participantCase(404, (id) => ({ method: 'GET', url: `${base}/participants/${id}` })),
  'GET administrations': participantCase(404, (id) => ({ method: 'GET', url: `${base}/participants/${id}/administrations` })),
  'POST administration': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/administrations`, payload: { administeredAt: '2025-01-07T09:00:00Z', doseLevel: 1 }
  })),
  'POST administration, Idempotency-Key': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/administrations`, headers: { 'idempotency-key': `adm-${id}` }, payload: { administeredAt: '2025-01-07T09:00:00Z', doseLevel: 1 }
  })),
  'POST withdraw': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/withdraw`, headers: IF_MATCH, payload: { withdrawnAt: '2025-01-10T09:00:00Z', reason: 'consent withdrawn' }
  })),
  'POST withdraw, stale If-Match': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/withdraw`, headers: { 'if-match': '"7"' }, payload: { withdrawnAt: '2025-01-10T09:00:00Z', reason: 'consent withdrawn' }
  })),
  'POST end-treatment': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/end-treatment`, headers: IF_MATCH, payload: { treatmentEndedAt: '2025-01-10T09:00:00Z', reason: 'toxicity' }
  })),
  'POST dlt-assessment': participantCase(404, (id) => ({
    method: 'POST', url: `${base}/participants/${id}/dlt-assessment`, payload: { allAdverseEventsEntered: true }
  }), ['investigator']),
  // An AE names its participant in the body: the 422 that lists every problem, the participant's among them.
  'POST AE naming the participant': participantCase(422, (id) => ({ method: 'POST', url: `${base}/adverse-events`, payload: aeBody(id) })),
  'POST AE naming the participant, with other problems': participantCase(422, (id) => ({
    method: 'POST', url: `${base}/adverse-events`, payload: { ...aeBody(id), onsetDate: '2025-01-01', grade: 9 }
  })),
  'POST AE naming the participant, Idempotency-Key': participantCase(422, (id) => ({
    method: 'POST', url: `${base}/adverse-events`, headers: { 'idempotency-key': `ae-${id}` }, payload: aeBody(id)
  })),
  // The externalId of site B's AE, given with site B's participant: still the unknown participant's 422.
  'POST AE naming the participant and site B\'s externalId': participantCase(422, (id) => ({
    method: 'POST', url: `${base}/adverse-events`, payload: { ...aeBody(id), externalId: 'EDC-B-1' }
  })),
  'GET AE list filtered by participant': participantCase(200, (id) => ({ method: 'GET', url: `${base}/adverse-events?participantId=${id}` })),
  'GET AE list filtered by participant, nullified too': participantCase(200, (id) => ({ method: 'GET', url: `${base}/adverse-events?participantId=${id}&includeNullified=true` })),
  'GET AE': aeCase(404, (id) => ({ method: 'GET', url: `${base}/adverse-events/${id}` })),
  'GET AE history': aeCase(404, (id) => ({ method: 'GET', url: `${base}/adverse-events/${id}/history` })),
  'PATCH AE': aeCase(404, (id) => ({ method: 'PATCH', url: `${base}/adverse-events/${id}`, headers: IF_MATCH, payload: { grade: 2, reason: 'follow-up' } })),
  'PATCH AE, merge-patch, stale If-Match': aeCase(404, (id) => ({
    method: 'PATCH',
    url: `${base}/adverse-events/${id}`,
    headers: { 'if-match': '"9"', 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ outcome: 'recovered', reason: 'follow-up' })
  })),
  'POST AE nullify': aeCase(404, (id) => ({ method: 'POST', url: `${base}/adverse-events/${id}/nullify`, headers: IF_MATCH, payload: { reason: 'entered in error' } })),
  'POST AE adjudication': aeCase(404, (id) => ({
    method: 'POST', url: `${base}/adverse-events/${id}/adjudications`, payload: { isDlt: true, reason: 'PI review' }
  }), ['investigator'])
}

// What may differ between two answers to two requests: the request's own path.
const PER_REQUEST = ['instance']
// Headers that could carry an identifier or a version of the record.
const HEADERS = ['content-type', 'etag', 'location', 'idempotent-replayed', 'retry-after']

function answer (res: LightMyRequestResponse) {
  const body = res.body === '' ? null : res.json() as Record<string, unknown>
  const kept = body === null ? null : Object.fromEntries(Object.entries(body).filter(([k]) => !PER_REQUEST.includes(k)))
  return { status: res.statusCode, headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers[h] ?? null])), body: kept }
}

const as = (role: 'edc' | 'investigator', sub = `scope-${role}`) => bearer(role, { sites: [SITE_A], sub })
const send = async (request: Request, headers: Record<string, string>) =>
  await app.inject({ ...request, headers: { ...request.headers, ...headers } } as InjectOptions)

// Site B's AE carries an externalId, for the cases that name it.
const withExternalId = await app.inject({
  method: 'POST', url: `${base}/adverse-events`, headers: bearer('admin'), payload: { ...aeBody(world.participantB), term: 'Fatigue', externalId: 'EDC-B-1' }
})
if (withExternalId.statusCode !== 201) throw new Error(withExternalId.body)

t.test('route x {site B\'s record, no record}: identical answers, for edc and investigator of site A; nothing written', async (t) => {
  const before = await rowCounts(app)
  let compared = 0
  for (const [name, c] of Object.entries(CASES)) {
    const [theirs, none] = c.kind === 'participant' ? [world.participantB, NO_PARTICIPANT] : [world.aeB, NO_AE]
    for (const role of c.roles) {
      // Twice each: a second request (an idempotent retry) answers as the first.
      for (const attempt of [1, 2]) {
        const other = answer(await send(c.request(theirs), as(role)))
        const missing = answer(await send(c.request(none), as(role)))
        t.same(other, missing, `${name} as ${role} (attempt ${attempt}): site B's record answered as a missing one`)
        t.equal(other.status, c.status, `${name} as ${role}: ${JSON.stringify(other.body).slice(0, 200)}`)
        compared++
      }
    }
  }
  t.same(await rowCounts(app), before, 'nothing was written')
  t.comment(`${compared} pairs compared over ${Object.keys(CASES).length} cases`)
})

t.test('the answers name neither site B nor its records (but for the path the caller sent, in instance)', async (t) => {
  for (const [name, c] of Object.entries(CASES)) {
    const theirs = c.kind === 'participant' ? world.participantB : world.aeB
    const said = JSON.stringify(answer(await send(c.request(theirs), as(c.roles[0]!))))
    t.notMatch(said, /site-b/, `${name}: no site B`)
    t.notMatch(said, new RegExp(`${world.aeB}|${withExternalId.json().aeId as string}`), `${name}: no site B AE id`)
  }
})

t.test('lists and SAE reports: site B\'s records are left out as if absent', async (t) => {
  const edc = as('edc')
  const lists = ['/participants', '/adverse-events', '/adverse-events?includeNullified=true', '/sae-reports']
  const serious = await app.inject({
    method: 'POST',
    url: `${base}/adverse-events`,
    headers: bearer('admin'),
    payload: { ...aeBody(world.participantB), term: 'Febrile neutropenia', grade: 3, serious: true, seriousnessCriteria: ['hospitalization'] }
  })
  t.equal(serious.statusCode, 201)
  for (const path of lists) {
    const res = await app.inject({ method: 'GET', url: `${base}${path}`, headers: edc })
    t.equal(res.statusCode, 200, path)
    t.notMatch(res.body, /site-b|B-001/, `${path}: nothing of site B`)
  }
  // Naming site B in a filter is refused as naming a site the trial does not have: 403, the same document.
  for (const path of ['/participants?siteId=', '/adverse-events?siteId=']) {
    const b = answer(await app.inject({ method: 'GET', url: `${base}${path}site-b`, headers: edc }))
    const z = answer(await app.inject({ method: 'GET', url: `${base}${path}site-z`, headers: edc }))
    t.same(b, z, `${path}: site B answered as a site that does not exist`)
    t.equal(b.status, 403)
  }
})

t.test('idempotency: a key used for site B replays only to a token that reaches site B', async (t) => {
  // The same subject first with a token of both sites, then with one of site A only.
  const sub = 'edc-moved'
  const payload = aeBody(world.participantB)
  const both = bearer('edc', { sites: [SITE_A, 'site-b'], sub })
  const made = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...both, 'idempotency-key': 'K-1' }, payload })
  t.equal(made.statusCode, 201)
  const replay = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...both, 'idempotency-key': 'K-1' }, payload })
  t.equal(replay.headers['idempotent-replayed'], 'true', 'a token of both sites gets its replay')
  const before = await rowCounts(app)
  const siteA = bearer('edc', { sites: [SITE_A], sub })
  const used = answer(await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...siteA, 'idempotency-key': 'K-1' }, payload }))
  const fresh = answer(await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...siteA, 'idempotency-key': 'K-never' }, payload }))
  t.same(used, fresh, 'the used key answers as a fresh one')
  t.equal(used.status, 422)
  // Another site-A subject with the key another subject used: its own fresh key.
  const stranger = answer(await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...as('edc', 'edc-other'), 'idempotency-key': 'K-1' }, payload }))
  t.same(stranger, fresh)
  t.same(await rowCounts(app), before, 'nothing written')
})

t.test('externalId is unique per site: site B\'s externalId is free at site A, as an unused one is', async (t) => {
  // A sending system's ids are its own: a trial-wide uniqueness would refuse (409) a real AE at site A for an id
  // site B used, telling site A that such an AE exists. The same AE always comes from its participant's site,
  // so duplicates are still caught, and a duplicate is an AE the caller sees (409 naming it, tested in routes).
  const edc = as('edc')
  const fields = (res: LightMyRequestResponse) => {
    const { aeId, externalId, createdAt, updatedAt, awareAt, version, ...rest } = res.json() as Record<string, unknown>
    return { status: res.statusCode, externalId, rest }
  }
  const reused = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: edc, payload: { ...aeBody(world.participantA), externalId: 'EDC-B-1' } })
  const unused = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: edc, payload: { ...aeBody(world.participantA), externalId: 'EDC-A-9' } })
  t.equal(reused.statusCode, 201)
  t.same(fields(reused).rest, fields(unused).rest, 'the same AE, whichever id')
  t.notMatch(reused.body, /site-b|B-001/)
  const again = await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: edc, payload: { ...aeBody(world.participantA), externalId: 'EDC-B-1' } })
  t.equal(again.statusCode, 409, 'a second one at site A is a duplicate')
  t.match(again.json(), { type: 'urn:dlt-safety:problem:duplicate-external-id', aeId: reused.json().aeId })
  t.notMatch(again.body, new RegExp(withExternalId.json().aeId as string), 'never site B\'s AE')
})

t.test('enrolling an id another site holds: 409, the same answer as for an id the caller\'s own site holds', async (t) => {
  // Participant ids are unique in the trial (they are the subject numbers every record and export is keyed on),
  // so an enrolment under a taken id must be refused, never dropped or stored twice; a site-scoped caller thus
  // learns that the id is taken, which no clinical API can hide. What it must not learn is where, or anything
  // about that participant: the 409 is the same whichever site holds the id, and names no site, level or status.
  const edc = as('edc')
  const before = await rowCounts(app)
  const enrol = async (participantId: string) => answer(await app.inject({
    method: 'POST', url: `${base}/participants`, headers: edc, payload: { participantId, siteId: SITE_A, doseLevel: 1, enrolledOn: '2025-01-07' }
  }))
  const theirs = await enrol(world.participantB)
  const ours = await enrol(world.participantA)
  t.equal(theirs.status, 409)
  t.same({ ...theirs, body: { ...theirs.body, detail: null } }, { ...ours, body: { ...ours.body, detail: null } }, 'the same problem')
  t.same(theirs.body, {
    type: 'urn:dlt-safety:problem:participant-exists',
    title: theirs.body!.title,
    status: 409,
    detail: `Participant id ${world.participantB} is already in use in this trial; nothing was enrolled`
  }, 'only the id the caller sent')
  t.equal(ours.body!.detail, `Participant id ${world.participantA} is already in use in this trial; nothing was enrolled`)
  t.same(await rowCounts(app), before)
})
