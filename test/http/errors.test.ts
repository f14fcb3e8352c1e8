import t from 'tap'
import { build, signToken } from '../helpers/build.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

t.test('unknown route is a 404 problem', async (t) => {
  const { app } = await build()
  const res = await app.inject({ method: 'GET', url: '/nowhere?x=1' })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], PROBLEM)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:not-found', title: 'Not Found', status: 404, instance: '/nowhere' })
})

t.test('health and readiness', async (t) => {
  const { app } = await build()
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok', version: '0.1.0' })
  t.ok(health.headers['x-request-id'], 'every response carries its request id')
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { status: 'ready', migrations: { applied: /^[0-9a-f]{64}$/, shipped: Number } })
})

t.test('OpenAPI document and docs UI are served', async (t) => {
  const { app } = await build()
  const doc = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(doc.statusCode, 200)
  t.match(doc.json(), { openapi: /^3\.1\./ })
  const ui = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})

t.test('a tampered token is 401 on GET /v1/trials; a valid admin token is 200', async (t) => {
  const { app } = await build()
  // An edc token whose payload is rewritten to claim the admin role, keeping the edc signature.
  const [header, payload, signature] = signToken('edc').split('.')
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'))
  const forged = [header, Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url'), signature].join('.')
  const tampered = await app.inject({ method: 'GET', url: '/v1/trials', headers: { authorization: `Bearer ${forged}` } })
  t.equal(tampered.statusCode, 401)
  t.equal(tampered.headers['content-type'], PROBLEM)
  t.match(tampered.json(), { type: 'urn:dlt-safety:problem:unauthorized', status: 401, detail: 'The token is not valid' })
  const valid = await app.inject({ method: 'GET', url: '/v1/trials', headers: { authorization: `Bearer ${signToken('admin')}` } })
  t.equal(valid.statusCode, 200)
  t.match(valid.json(), { items: Array, nextCursor: null })
})
