import t from 'tap'
import fc from 'fast-check'
import type { HTTPMethods } from 'fastify'
import { getTableName, sql } from 'drizzle-orm'
import { rows } from '../../db/client.js'
import { trials } from '../../db/schema.js'
import { verifyChain } from '../../src/services/audit-verify.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build, signToken } from '../helpers/build.js'
import { aeBody, SITE_A, SITE_B, TABLES, twoSiteTrial } from '../helpers/security.js'

// Malformed and hostile requests at every route of the route table: bodies,
// headers, path parameters and query strings. Every response must be below
// 500, every refusal problem+json, no refused request may change a row of
// any table, the audit chains must still verify, and the process must keep
// serving. A fixed seed makes a failure reproducible (FUZZ_SEED overrides it,
// FUZZ_RUNS the number of requests: 1,000 locally, 5,000 on each database in CI).

const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI === 'true' ? 5_000 : 1_000))
const SEED = Number(process.env.FUZZ_SEED ?? 7_295_067)
const PROBLEM = 'application/problem+json; charset=utf-8'

const { app, config } = await build()
const world = await twoSiteTrial(app, 'FZ-1')
const statusRes = await app.inject({ method: 'GET', url: '/v1/trials/FZ-1/status', headers: bearer('admin') })
const decisionId = statusRes.json().decisionId as string

// ---- what a request is made of -------------------------------------------

const NASTY = [
  '', ' ', '\u0000', '\u0000abc', 'null', 'undefined', 'true', '-1', '0', '1e400', 'NaN', 'Infinity', '0x1F', '١٢٣',
  '../../etc/passwd', '..%2F..%2Fetc', "' or 1=1 --", '"; drop table trials; --', '<script>alert(1)</script>',
  '$' + '{jndi:ldap://x/a}', '{{7*7}}', '__proto__', 'constructor', 'prototype', '\ud800', '\udfff\ud800', '\u202e', 'é', '🧪',
  'A'.repeat(65), 'A'.repeat(5000), 'x'.repeat(70_000), '2025-02-30', '2025-13-01', '9999-12-31T23:59:60Z', '2025-01-01T00:00:00',
  '0196a9a4-0000-7000-8000-000000000000', '00000000-0000-0000-0000-000000000000', '"1"', '*'
]
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) }
)
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, 6, 99, 100, 1e30, 1e308, -1e308, 2 ** 53, Number.MIN_VALUE) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) }
)

const uuid = '0196a9a4-0000-7000-8000-00000000abcd'
/** Values for each path parameter: the real ids of the fuzzed trial, and hostile ones. */
const PARAMS: Record<string, string[]> = {
  trialId: [world.trialId, world.trialId, 'NO-SUCH-TRIAL', 'fz-1'],
  participantId: [world.participantA, world.participantB, 'Z-404'],
  aeId: [world.aeA, world.aeB, uuid],
  version: ['1', '2', '0', '999999999'],
  meddraCode: ['10028813', '10002272', '00000000'],
  webhookId: [uuid],
  deliveryId: [uuid],
  '*': ['index.html', 'swagger-ui.css', '../package.json', '..%2F..%2Fpackage.json']
}
// Raw path segments that are not valid percent-encoding or climb out of the route.
const RAW_SEGMENTS = ['%', '%ZZ', '%00', '%E0%A4%A', '..', '%2e%2e', '%2F', '%C0%AF', '%u002e']
const QUERY_KEYS = [
  'limit', 'cursor', 'q', 'soc', 'trialId', 'entity', 'entityId', 'siteId', 'participantId', 'doseLevel', 'armId', 'minGrade',
  'serious', 'isDlt', 'onsetFrom', 'onsetTo', 'includeNullified', 'status', 'due_before', 'asOf', 'collapse', '__proto__', 'constructor', 'x'
]

const now = Math.floor(Date.now() / 1000)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKENS: [string, string | undefined][] = [
  ['admin', `Bearer ${signToken('admin')}`],
  ['safety_monitor', `Bearer ${signToken('safety_monitor')}`],
  ['edc site A', `Bearer ${signToken('edc', { sites: [SITE_A] })}`],
  ['investigator site B', `Bearer ${signToken('investigator', { sites: [SITE_B] })}`],
  ['dmc', `Bearer ${signToken('dmc')}`],
  ['admin of another trial', `Bearer ${signToken('admin', { trials: ['NCT00000000'] })}`],
  ['none', undefined],
  ['expired', `Bearer ${signToken('admin', { issuedAt: now - 7200, ttlSeconds: 60 })}`],
  ['another key', `Bearer ${signToken('admin', {}, 'z'.repeat(48))}`],
  ['alg none', `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'x', role: 'admin', exp: now + 600 })}.`],
  ['garbage', 'Bearer a.b.c'],
  ['empty bearer', 'Bearer '],
  ['basic', 'Basic YWRtaW46YWRtaW4='],
  ['huge', `Bearer ${'a'.repeat(9000)}`]
]
const token = fc.oneof(
  { weight: 12, arbitrary: fc.constant(TOKENS[0]!) },
  { weight: 8, arbitrary: fc.constantFrom(...TOKENS.slice(1, 6)) },
  { weight: 4, arbitrary: fc.constantFrom(...TOKENS.slice(6)) }
)
const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json', 'application/merge-patch+json', 'application/json; charset=utf-16',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'garbage', '*/*'
]

/** A body the route accepts: the starting point of the mutations (the route table's writes, by key). */
const VALID: Record<string, () => Record<string, unknown>> = {
  'POST /v1/trials': () => ({ trialId: 'FZ-NEW', title: 'Fuzzed', sites: [{ siteId: SITE_A, name: 'A' }], protocol: structuredClone(nct07295067.protocol) }),
  'PUT /v1/trials/:trialId/protocol': () => ({ protocol: structuredClone(nct07295067.protocol), reason: 'amendment' }),
  'POST /v1/trials/:trialId/sites': () => ({ siteId: 'site-c', name: 'Site C' }),
  'POST /v1/trials/:trialId/participants': () => ({ participantId: 'A-100', siteId: SITE_A, doseLevel: 1, enrolledOn: '2025-01-07' }),
  'POST /v1/trials/:trialId/participants/:participantId/withdraw': () => ({ withdrawnAt: '2025-01-10T09:00:00Z', reason: 'withdrew consent' }),
  'POST /v1/trials/:trialId/participants/:participantId/administrations': () => ({ administeredAt: '2025-01-07T09:00:00Z', doseLevel: 1 }),
  'POST /v1/trials/:trialId/adverse-events': () => aeBody(world.participantA),
  'PATCH /v1/trials/:trialId/adverse-events/:aeId': () => ({ grade: 2, reason: 'follow-up' }),
  'POST /v1/trials/:trialId/adverse-events/:aeId/nullify': () => ({ reason: 'entered in error' }),
  'POST /v1/trials/:trialId/adverse-events/:aeId/adjudications': () => ({ isDlt: true, reason: 'PI review' }),
  'POST /v1/trials/:trialId/dmc-decisions': () => ({ decision: 'continue', rationale: 'reviewed', statusDecisionId: decisionId, signature: { meaning: 'reviewed' } }),
  'POST /v1/trials/:trialId/reopen': () => ({ reason: 'sponsor re-opens after the safety review' }),
  'POST /v1/trials/:trialId/webhooks': () => ({ url: 'http://127.0.0.1:9/hook' }),
  'PATCH /v1/trials/:trialId/webhooks/:webhookId': () => ({ active: false }),
  'POST /v1/trials/:trialId/webhooks/:webhookId/rotate-secret': () => ({ overlapSeconds: 60 })
}

const TOO_LARGE = JSON.stringify({ title: 'x'.repeat(config.BODY_LIMIT_BYTES) })
const RAW_BODIES = [
  '', '{', '{"a":', '[1,]', "{'a':1}", 'null', '""', '0', '[]', '\ufeff{}', '{"a":1}{"b":2}', '1e400',
  '['.repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(40) + '1' + '}'.repeat(40),
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":"\\ud800"}', '{"a":"\u0000"}'
]

type Mutation = { kind: 'replace', pick: number, value: unknown } | { kind: 'drop', pick: number } | { kind: 'extra', name: string, value: unknown } |
{ kind: 'keep' }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: nastyValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), name: fc.constantFrom('role', 'siteId', 'trialId', 'override', 'isDlt', '__proto__', 'z'), value: nastyValue }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'keep' as const }) }
)

function mutate (body: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const keys = Object.keys(body)
  if (m.kind === 'replace') return { ...body, [keys[m.pick % keys.length]!]: m.value }
  if (m.kind === 'drop') {
    const { [keys[m.pick % keys.length]!]: _dropped, ...rest } = body
    return rest
  }
  if (m.kind === 'extra') return Object.defineProperty({ ...body }, m.name, { value: m.value, enumerable: true })
  return body
}

type BodySpec = { kind: 'none' } | { kind: 'valid', mutation: Mutation } | { kind: 'json', value: unknown } | { kind: 'raw', text: string } | { kind: 'too-large' }
const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('valid' as const), mutation }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.oneof(nastyValue, fc.dictionary(fc.constantFrom(...QUERY_KEYS, 'reason', 'grade'), nastyValue, { maxKeys: 5 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: fc.constantFrom(...RAW_BODIES) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'too-large' as const }) }
)

const ROUTES = app.routeAccess
interface Spec {
  route: number
  params: Record<string, { raw: boolean, value: string }>
  query: [string, string][]
  token: [string, string | undefined]
  contentType: string
  ifMatch: string | null
  idempotencyKey: string | null
  extraHeader: [string, string] | null
  body: BodySpec
  wrongMethod: boolean
}
const paramValue = (name: string) => fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...(PARAMS[name] ?? ['x'])).map((value) => ({ raw: false, value })) },
  { weight: 3, arbitrary: nastyString.map((value) => ({ raw: false, value })) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS).map((value) => ({ raw: true, value })) }
)
const hostileFor = (route: number): fc.Arbitrary<Spec> => {
  const names = [...ROUTES[route]!.url.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*')
  return fc.record({
    route: fc.constant(route),
    params: fc.record(Object.fromEntries(names.map((n) => [n, paramValue(n)]))),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), nastyString), nastyString), { maxLength: 4 }),
    token,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    ifMatch: fc.option(fc.oneof(fc.constantFrom('"1"', '"2"', 'W/"1"', '*', '"99999999999"'), nastyString)),
    idempotencyKey: fc.option(nastyString),
    extraHeader: fc.option(fc.tuple(fc.constantFrom('x-request-id', 'accept', 'last-event-id', 'origin', 'x-forwarded-for', 'content-encoding'), nastyString)),
    body: bodySpec,
    wrongMethod: fc.boolean().map((b) => b && route % 7 === 0)
  }) as fc.Arbitrary<Spec>
}
const hostile = fc.nat({ max: ROUTES.length - 1 }).chain(hostileFor)

/**
 * Percent-encodes a path segment; a lone surrogate (which encodeURIComponent
 * refuses) is sent as its WTF-8 bytes, which are not valid UTF-8: hostile too.
 */
const encodeSegment = (value: string) => [...value].map((ch) => {
  const c = ch.charCodeAt(0)
  if (ch.length > 1 || c < 0xd800 || c > 0xdfff) return encodeURIComponent(ch)
  return `%ED%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`
}).join('')

// Near-valid writes: the right token, content type and ids, a valid body with
// one mutation (or none), so that requests reach the handlers and their
// transactions, where a refusal (404, 409, 412, 422) must roll back everything.
const WRITES = ROUTES.map((r, i) => [r, i] as const).filter(([r]) => VALID[`${r.method} ${r.url}`] !== undefined).map(([, i]) => i)
const nearValid: fc.Arbitrary<Spec> = fc.constantFrom(...WRITES).chain((route) => {
  const names = [...ROUTES[route]!.url.matchAll(/:(\w+)/g)].map((m) => m[1]!)
  return fc.record({
    route: fc.constant(route),
    params: fc.record(Object.fromEntries(names.map((n) => [n, fc.constantFrom(...PARAMS[n]!.slice(0, 2)).map((value) => ({ raw: false, value }))]))),
    query: fc.constant([]),
    token: fc.oneof({ weight: 3, arbitrary: fc.constant(TOKENS[0]!) }, { weight: 2, arbitrary: fc.constantFrom(...TOKENS.slice(1, 5)) }),
    contentType: fc.constant(ROUTES[route]!.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'),
    ifMatch: fc.constantFrom('"1"', '"2"', '"3"'),
    idempotencyKey: fc.option(fc.constantFrom('k1', 'k2', 'k3')),
    extraHeader: fc.constant(null),
    body: fc.record({ kind: fc.constant('valid' as const), mutation: fc.oneof({ weight: 1, arbitrary: fc.constant({ kind: 'keep' as const }) }, { weight: 2, arbitrary: mutation }) }),
    wrongMethod: fc.constant(false)
  }) as fc.Arbitrary<Spec>
})
const spec = fc.oneof({ weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: nearValid })

// Header values must be valid HTTP field values to be sent at all.
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 8000)

function toRequest (s: Spec) {
  const route = ROUTES[s.route]!
  const isEvents = route.url.endsWith('/events')
  let url = route.url.replace(/:(\w+)|\*/g, (_, name?: string) => {
    const p = s.params[name ?? '*']!
    // An event stream of an existing trial stays open: fuzz it on trials that do not exist.
    const value = isEvents && name === 'trialId' && !p.raw ? `no-such-${p.value}` : p.value
    return p.raw || name === undefined ? value : encodeSegment(value)
  })
  const query = new URLSearchParams(s.query).toString()
  if (query !== '') url += `?${query}`
  const headers: Record<string, string> = { 'content-type': s.contentType }
  if (s.token[1] !== undefined) headers.authorization = s.token[1]
  if (s.ifMatch !== null) headers['if-match'] = headerSafe(s.ifMatch)
  if (s.idempotencyKey !== null) headers['idempotency-key'] = headerSafe(s.idempotencyKey)
  if (s.extraHeader !== null && !(isEvents && s.extraHeader[0] === 'accept')) headers[s.extraHeader[0]] = headerSafe(s.extraHeader[1])
  const valid = VALID[`${route.method} ${route.url}`]
  const b = s.body
  let payload: string | undefined
  if (b.kind === 'valid') payload = JSON.stringify(mutate(valid?.() ?? {}, b.mutation))
  else if (b.kind === 'json') payload = JSON.stringify(b.value) ?? 'null'
  else if (b.kind === 'raw') payload = b.text
  else if (b.kind === 'too-large') payload = TOO_LARGE
  const method = s.wrongMethod ? (route.method === 'GET' ? 'PUT' : 'GET') : route.method
  // GET and HEAD carry no body (an HTTP client would not send one).
  if (method === 'GET' || method === 'HEAD') payload = undefined
  return { method: method as HTTPMethods, url, headers, ...(payload === undefined ? {} : { payload }) }
}

// ---- the run ---------------------------------------------------------------

/** Rows of every table, in one query. */
const countAll = sql.join([sql`select `, sql.join(TABLES.map((table) => sql`(select count(*) from ${table})::int as ${sql.identifier(getTableName(table))}`), sql`, `)])
const counts = async () => JSON.stringify(rows(await app.db.execute(countAll))[0])

t.test(`${RUNS} fuzzed requests across every route: no 5xx, problem+json refusals, nothing written by a refusal`, async (t) => {
  const sampled = fc.sample(spec, { numRuns: RUNS, seed: SEED })
  // Every route at least once, whatever the run count: a hostile request for each route the sample missed.
  const missed = ROUTES.map((_, i) => i).filter((i) => !sampled.some((x) => x.route === i))
  const specs = [...sampled, ...missed.flatMap((i) => fc.sample(hostileFor(i), { numRuns: 1, seed: SEED + i }))]
  const started = performance.now()
  const byStatus = new Map<number, number>()
  const perRoute = new Map<string, number>()
  const failures: string[] = []
  let refused = 0
  let refusedWrites = 0
  let rowsChangedByRefusals = 0
  let accepted = 0
  // Rows of every table are counted after each write request, and after each
  // run of reads (reads write nothing, except a status re-evaluation that
  // time alone makes due, which only a successful read can trigger).
  let baseline = await counts()
  let reads: { refused: boolean, where: string[] } | null = null
  let countChecks = 0
  let slowest = 0
  let writeMs = 0
  let countingMs = 0
  const check = async (refusedOnly: boolean, where: string[]) => {
    const t0 = performance.now()
    const now = await counts()
    countingMs += performance.now() - t0
    countChecks++
    if (refusedOnly && now !== baseline) {
      rowsChangedByRefusals++
      failures.push(`rows changed by refused request(s): ${where.slice(-5).join('; ')}\n  before ${baseline}\n  after  ${now}`)
    }
    baseline = now
  }
  for (const s of specs) {
    const request = toRequest(s)
    const route = ROUTES[s.route]!
    const isRead = request.method === 'GET' || request.method === 'HEAD'
    if (!isRead && reads !== null) {
      await check(reads.refused, reads.where)
      reads = null
    }
    const sent = performance.now()
    const res = await app.inject(request)
    const ms = performance.now() - sent
    slowest = Math.max(slowest, ms)
    if (!isRead) writeMs += ms
    const where = `${request.method} ${request.url.slice(0, 120)} [${s.token[0]}, ${s.body.kind}] -> ${res.statusCode}`
    byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1)
    perRoute.set(`${route.method} ${route.url}`, (perRoute.get(`${route.method} ${route.url}`) ?? 0) + 1)
    if (res.statusCode >= 500) failures.push(`5xx: ${where}: ${String(request.payload).slice(0, 400)}`)
    const isRefused = res.statusCode >= 400
    if (isRefused) {
      refused++
      if (!isRead) refusedWrites++
      if (res.headers['content-type'] !== PROBLEM) failures.push(`not problem+json: ${where}: ${String(res.headers['content-type'])}`)
      else if (request.method !== 'HEAD') {
        const body = res.json() as { type?: unknown, title?: unknown, status?: unknown }
        if (body.status !== res.statusCode || typeof body.type !== 'string' || typeof body.title !== 'string') failures.push(`bad problem: ${where}: ${res.body.slice(0, 200)}`)
      }
    } else {
      accepted++
    }
    if (isRead) {
      reads ??= { refused: true, where: [] }
      reads.refused &&= isRefused
      reads.where.push(where)
    } else {
      await check(isRefused, [where])
    }
  }
  if (reads !== null) await check(reads.refused, reads.where)
  const seconds = (performance.now() - started) / 1000

  // Every trial's audit chain still verifies, and the service still serves.
  const trialIds = (await app.db.select({ trialId: trials.trialId }).from(trials)).map((r) => r.trialId)
  for (const trialId of trialIds) {
    const verdict = await verifyChain(app.db, trialId)
    if (!verdict.valid) failures.push(`audit chain of ${trialId} broken: ${JSON.stringify(verdict.firstBroken)}`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'still serving')
  const fresh = await app.inject({ method: 'POST', url: `/v1/trials/${world.trialId}/adverse-events`, headers: bearer('admin'), payload: { ...aeBody(world.participantA), term: 'Fatigue', onsetDate: '2025-01-09' } })
  t.ok(fresh.statusCode === 201 || fresh.statusCode === 422, `a well-formed AE report is still handled (${fresh.statusCode}: ${fresh.body.slice(0, 200)})`)

  t.comment(`fuzz report: seed ${SEED}, ${specs.length} requests over ${perRoute.size} of ${ROUTES.length} routes in ${seconds.toFixed(1)} s (${(specs.length / seconds).toFixed(0)} req/s)`)
  t.comment(`  status codes: ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code}: ${n}`).join(', ')}`)
  t.comment(`  accepted (2xx/3xx): ${accepted}; refused (4xx): ${refused}, of which writes: ${refusedWrites}; 5xx: ${[...byStatus].filter(([c]) => c >= 500).reduce((n, [, k]) => n + k, 0)}`)
  t.comment(`  refused requests (or runs of refused reads) that changed rows: ${rowsChangedByRefusals} (${countChecks} row counts of all ${TABLES.length} tables)`)
  t.comment(`  time: ${(writeMs / 1000).toFixed(1)} s in writes, ${(countingMs / 1000).toFixed(1)} s counting rows, slowest request ${slowest.toFixed(0)} ms`)
  t.comment(`  audit chains verified: ${trialIds.length} trials`)
  t.comment(`  least fuzzed route: ${[...perRoute].sort((a, b) => a[1] - b[1])[0]?.join(' x ')}`)
  t.same(failures.slice(0, 20), [], `no failures (${failures.length} in all)`)
  t.equal(perRoute.size, ROUTES.length, 'every route was fuzzed')
})
