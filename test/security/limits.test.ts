import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { MAX_JSON_DEPTH } from '../../src/http/input-guards.js'
import { rowCounts } from '../helpers/security.js'

// Transport limits and headers: helmet, no CORS unless configured, body size,
// JSON nesting depth, strict schemas with bounded strings, request timeouts.

const PROBLEM = 'application/problem+json; charset=utf-8'
const { app, config } = await build()
const admin = { ...bearer('admin'), 'content-type': 'application/json' }

t.test('security headers on every response (helmet)', async (t) => {
  for (const url of ['/health', '/v1/trials', '/nowhere']) {
    const res = await app.inject({ method: 'GET', url, headers: bearer('admin') })
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', url)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, url)
    t.match(res.headers['content-security-policy'], /default-src 'self'/, url)
    t.equal(res.headers['x-powered-by'], undefined, url)
  }
})

t.test('CORS is off unless CORS_ORIGINS is set: no allow-origin, preflight not answered', async (t) => {
  t.equal(config.CORS_ORIGINS, undefined)
  const simple = await app.inject({ method: 'GET', url: '/v1/trials', headers: { ...bearer('admin'), origin: 'https://evil.example' } })
  t.equal(simple.statusCode, 200)
  t.equal(simple.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({
    method: 'OPTIONS', url: '/v1/trials', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' }
  })
  t.equal(preflight.statusCode, 404)
  t.equal(preflight.headers['access-control-allow-origin'], undefined)
  t.equal(preflight.headers['content-type'], PROBLEM)
})

t.test('a body over BODY_LIMIT_BYTES is 413 problem', async (t) => {
  const before = await rowCounts(app)
  const payload = JSON.stringify({ trialId: 'BIG', title: 'x'.repeat(config.BODY_LIMIT_BYTES), protocol: {} })
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload })
  t.equal(res.statusCode, 413)
  t.equal(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:payload-too-large', status: 413 })
  t.same(await rowCounts(app), before)
})

t.test(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is 400 before parsing; ${MAX_JSON_DEPTH} levels reach the schema`, async (t) => {
  const nested = (depth: number) => `{"trialId":"DEEP","title":"t","protocol":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`
  const deep = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: nested(MAX_JSON_DEPTH + 1) })
  t.equal(deep.statusCode, 400)
  t.equal(deep.headers['content-type'], PROBLEM)
  t.match(deep.json(), { type: 'urn:dlt-safety:problem:nesting-too-deep', status: 400, detail: 'The request body is nested deeper than 32 levels' })
  const bounded = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: nested(MAX_JSON_DEPTH) })
  t.equal(bounded.statusCode, 422, 'parsed, then refused by the schema')
  t.match(bounded.json().errors, [{ path: '/protocol' }])
  // Brackets inside strings are text, not nesting.
  const inString = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: `{"trialId":"DEEP","title":"${'['.repeat(100)}","protocol":[]}` })
  t.equal(inString.statusCode, 422)
  const patch = await app.inject({
    method: 'PATCH',
    url: '/v1/trials/T/adverse-events/0196a9a4-0000-7000-8000-000000000000',
    headers: { ...bearer('admin'), 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
    payload: '['.repeat(200) + ']'.repeat(200)
  })
  t.equal(patch.statusCode, 400, 'merge-patch bodies are guarded too')
  t.match(patch.json(), { type: 'urn:dlt-safety:problem:nesting-too-deep' })
})

t.test('prototype-poisoning keys are a malformed body', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: '{"trialId":"P","title":"t","protocol":{},"__proto__":{"admin":true}}' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:malformed-request' })
})

t.test('text the database cannot store as sent (U+0000, unpaired surrogates) is refused naming its place, in bodies and URLs', async (t) => {
  const before = await rowCounts(app)
  const res = await app.inject({
    method: 'POST', url: '/v1/trials', headers: admin, payload: '{"trialId":"NUL","title":"a\\u0000b","protocol":{"x\\ud800":1},"sites":[{"siteId":"s","name":"\\udc00"}]}'
  })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:malformed-request', detail: 'The request body holds text that cannot be stored as sent' })
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['/title', '/protocol/x\ud800', '/sites/0/name'])
  const paired = await app.inject({ method: 'POST', url: '/v1/trials', headers: admin, payload: '{"trialId":"EMOJI","title":"\\ud83e\\uddea","protocol":{}}' })
  t.equal(paired.statusCode, 422, 'a surrogate pair is ordinary text (here refused for its empty protocol)')
  const url = await app.inject({ method: 'GET', url: '/v1/audit?trialId=T&entity=a%00b', headers: bearer('admin') })
  t.equal(url.statusCode, 400)
  t.match(url.json(), { type: 'urn:dlt-safety:problem:malformed-request', detail: 'The request URL contains a NUL character (%00)' })
  t.same(await rowCounts(app), before)
})

t.test('router refusals are problem+json too: malformed percent-encoding 400, an over-long path parameter 414', async (t) => {
  const bad = await app.inject({ method: 'GET', url: '/v1/trials/%E0%A4%A/status', headers: bearer('admin') })
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['content-type'], PROBLEM)
  t.match(bad.json(), { type: 'urn:dlt-safety:problem:malformed-request', status: 400 })
  const long = await app.inject({ method: 'GET', url: `/v1/trials/${'x'.repeat(200)}/status`, headers: bearer('admin') })
  t.equal(long.statusCode, 414)
  t.equal(long.headers['content-type'], PROBLEM)
  t.match(long.json(), { type: 'urn:dlt-safety:problem:uri-too-long', status: 414 })
})

t.test('strict schemas: every unknown field is named by its JSON pointer; strings are bounded', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/trials',
    headers: admin,
    payload: { trialId: 'STRICT', title: 'x'.repeat(501), protocol: {}, role: 'admin', sites: [{ siteId: 's', name: 'n', 'a/b': 1 }] }
  })
  t.equal(res.statusCode, 422)
  t.same(res.json().errors.map((e: { path: string }) => e.path).sort(), ['/role', '/sites/0/a~1b', '/title'])
  t.match(res.json().errors, [{ path: '/title', message: /500/ }])
  const query = await app.inject({ method: 'GET', url: '/v1/ctcae/terms?q=nausea&admin=1', headers: bearer('edc') })
  t.equal(query.statusCode, 400)
  t.same(query.json().errors, [{ path: '/querystring/admin', message: 'unknown field' }])
})

t.test('request and connection timeouts are configured from REQUEST_TIMEOUT_MS', async (t) => {
  t.equal(config.REQUEST_TIMEOUT_MS, 30_000)
  // requestTimeout is in Fastify's initial config at run time, though not in its type.
  t.equal((app.initialConfig as { requestTimeout?: number }).requestTimeout, config.REQUEST_TIMEOUT_MS)
  t.equal(app.initialConfig.connectionTimeout, config.REQUEST_TIMEOUT_MS)
  t.equal(app.initialConfig.bodyLimit, config.BODY_LIMIT_BYTES)
})
