// The OpenAPI document is the contract clients generate code from: every route
// is in it under a unique operationId with every part of its request and
// response, and the protocol document is described fully enough to validate
// the protocols the service ships with.
import t from 'tap'
import Fastify, { type RouteOptions } from 'fastify'
import { fastifySSE } from '@fastify/sse'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { z } from 'zod'
import { build } from '../helpers/build.js'
import { trials } from '../../seeds/trials/index.js'
import { healthRoutes } from '../../src/routes/health.js'
import { statusRoutes } from '../../src/routes/status.js'
import { dmcRoutes } from '../../src/routes/dmc.js'
import { eventRoutes } from '../../src/routes/events.js'
import { webhookRoutes } from '../../src/routes/webhooks.js'
import { ctcaeRoutes } from '../../src/routes/ctcae.js'
import { adverseEventRoutes } from '../../src/routes/adverse-events.js'
import { aeSyncRoutes } from '../../src/routes/ae-sync.js'
import { saeReportRoutes } from '../../src/routes/sae-reports.js'
import { trialRoutes } from '../../src/routes/trials.js'
import { participantRoutes } from '../../src/routes/participants.js'
import { auditRoutes } from '../../src/routes/audit.js'
import { exportRoutes } from '../../src/routes/exports.js'

interface Operation {
  operationId?: string
  parameters?: { in: string, name: string }[]
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}
interface Document { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, unknown> } }

const { app } = await build()
const doc = app.swagger() as unknown as Document

// The route modules on a bare instance, to read each route's own options.
const bare = Fastify()
const declared: RouteOptions[] = []
bare.addHook('onRoute', (route) => { declared.push(route) })
await bare.register(fastifySSE)
for (const routes of [healthRoutes, statusRoutes, dmcRoutes, eventRoutes, webhookRoutes, ctcaeRoutes, adverseEventRoutes, aeSyncRoutes,
  saeReportRoutes, trialRoutes, participantRoutes, auditRoutes, exportRoutes]) await bare.register(routes)
t.teardown(async () => { await bare.close() })

const documented = declared.filter((r) => r.method !== 'HEAD' && (r.schema as { hide?: boolean } | undefined)?.hide !== true)
const key = (method: string, url: string) => `${method} ${url}`
const keys = (schema: unknown) => Object.keys((schema as z.ZodObject).shape)

t.test('the route modules checked here are every route of the app', async (t) => {
  const checked = new Set(declared.map((r) => key(String(r.method), r.url)))
  const missing = app.routeAccess.filter((r) => r.method !== 'HEAD' && !/^\/(docs|console)(\/|$)/.test(r.url) && r.url !== '/openapi.json')
    .map((r) => key(r.method, r.url)).filter((k) => !checked.has(k))
  t.same(missing, [])
})

t.test('every operation has an operationId, unique in the document', async (t) => {
  const ids = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ at: key(method, path), id: op.operationId })))
  t.same(ids.filter((o) => o.id === undefined).map((o) => o.at), [], 'operations without an operationId')
  const seen = new Map<string, number>()
  for (const o of ids) seen.set(o.id!, (seen.get(o.id!) ?? 0) + 1)
  t.same([...seen].filter(([, n]) => n > 1).map(([id]) => id), [], 'operationIds used twice')
  t.ok(ids.length >= documented.length, 'one operation per documented route')
})

t.test("every route's request and response schemas are in the document", async (t) => {
  for (const route of documented) {
    const at = key(String(route.method), route.url)
    const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[String(route.method).toLowerCase()]
    if (op === undefined) {
      t.fail(`${at} is not in the document`)
      continue
    }
    const schema = route.schema as { body?: unknown, params?: unknown, querystring?: unknown, headers?: unknown, response?: Record<string, unknown> }
    const parameters = (where: string) => (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name).sort()
    if (schema.params !== undefined) t.same(parameters('path'), keys(schema.params).sort(), `${at} path parameters`)
    if (schema.querystring !== undefined) t.same(parameters('query'), keys(schema.querystring).sort(), `${at} query parameters`)
    if (schema.headers !== undefined) t.same(parameters('header'), keys(schema.headers).sort(), `${at} header parameters`)
    if (schema.body !== undefined) {
      const bodies = Object.values(op.requestBody?.content ?? {})
      t.ok(bodies.length > 0 && bodies.every((c) => c.schema !== undefined), `${at} request body`)
    }
    for (const status of Object.keys(schema.response ?? {})) {
      const contents = Object.values(op.responses[status]?.content ?? {})
      t.ok(contents.length > 0 && contents.every((c) => c.schema !== undefined), `${at} response ${status}`)
    }
  }
})

t.test('the trial and protocol routes reference the Protocol component', async (t) => {
  const ref = { $ref: '#/components/schemas/Protocol' }
  const bodyOf = (path: string, method: string) =>
    (doc.paths[path]![method]!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown> }).properties
  t.match(bodyOf('/v1/trials', 'post').protocol, ref)
  t.match(bodyOf('/v1/trials/{trialId}/protocol', 'put').protocol, ref)
  t.match(doc.components.schemas.Trial, { properties: { protocol: ref } })
  t.match(doc.components.schemas.ProtocolVersion, { properties: { protocol: ref } })
  t.same((doc.components.schemas.Protocol as { examples: unknown[] }).examples, trials.map((s) => s.protocol), 'one example per seed trial')
})

t.test('the Protocol component validates every seed protocol and rejects incomplete ones', async (t) => {
  // strict: false lets OpenAPI's own keywords (discriminator) through unchecked.
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  ajv.addSchema({ $id: 'openapi.json', components: doc.components })
  const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/Protocol' })
  for (const seed of trials) t.ok(validate(seed.protocol), `${seed.trialId}: ${ajv.errorsText(validate.errors)}`)
  const { dltDefinition: _, ...withoutDlt } = trials[0]!.protocol
  t.notOk(validate(withoutDlt), 'a protocol without dltDefinition')
  const protocol = trials[0]!.protocol
  t.notOk(validate({ ...protocol, stoppingRules: [{ type: 'dlt_rate_above', threshold: 0.33, scope: 'trial', action: 'halt_trial' }] }),
    'a dlt_rate_above rule without minEvaluable')
  t.notOk(validate({ ...protocol, dltDefinition: { ...protocol.dltDefinition, windowDays: 0 } }), 'a DLT window of 0 days')
  t.notOk(validate({ ...protocol, design: { type: 'boin', startDoseLevel: 1, cohortSize: 3 } }), 'a BOIN design without targetToxicity')
})
