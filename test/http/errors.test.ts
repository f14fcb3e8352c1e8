import t from 'tap'
import { build } from '../helpers/build.js'

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
