// The OpenAPI document tells the truth about what goes over the wire (issue
// #18): every live response's status, media type and API headers are declared
// for its operation, and every header the document calls required is sent.
// Responses are recorded from a walk through the API as clients use it, and
// from refusals (401, 403, 404, 400/422, 412, 428) on every route.
import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { freshDatabase } from '../helpers/database.js'
import { bearer, TEST_SECRET } from '../helpers/build.js'
import { daysAgo, dltAe, enrolDosed, mildAe, reportAe, createTrial } from '../helpers/fixtures.js'

type Json = Record<string, any>
interface Seen { method: string, url: string, status: number, contentType: string | undefined, headers: string[] }

// Headers of HTTP itself and of the security policy (helmet, CORS), the same on every
// response whatever the operation: not the API's to document per response.
const TRANSPORT = new Set([
  'content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'cache-control',
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'cross-origin-embedder-policy',
  'origin-agent-cluster', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-dns-prefetch-control',
  'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'
])

const toOpenapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

function problemsOf (document: Json, seen: Seen): string[] {
  const where = `${seen.method} ${seen.url} ${seen.status}`
  const operation = document.paths[toOpenapiPath(seen.url)]?.[seen.method.toLowerCase()]
  if (operation === undefined) return [`${where}: no such operation`]
  const response = operation.responses[String(seen.status)] ?? operation.responses.default
  if (response === undefined) return [`${where}: status not declared`]
  const problems: string[] = []
  const media = seen.contentType?.split(';')[0]?.trim()
  if (media !== undefined && response.content?.[media] === undefined) {
    problems.push(`${where}: ${media} not declared (declared: ${Object.keys(response.content ?? {}).join(', ') || 'none'})`)
  }
  const declared = response.headers ?? {}
  for (const name of seen.headers) {
    if (!TRANSPORT.has(name) && declared[name] === undefined) problems.push(`${where}: header ${name} not declared`)
  }
  for (const [name, header] of Object.entries<Json>(declared)) {
    if (header.required === true && !seen.headers.includes(name)) problems.push(`${where}: required header ${name} not sent`)
  }
  return problems
}

async function recordingApp (): Promise<{ app: App, seen: Seen[] }> {
  const { database, drop } = await freshDatabase()
  const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', RATE_LIMIT_MAX: '100000', REFUSAL_LIMIT_MAX: '100000' }), { database, logLevel: 'silent' })
  const seen: Seen[] = []
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.routeOptions.url
    // The documentation and the console are pages, not operations of the API.
    if (url === undefined || url.startsWith('/docs') || url.startsWith('/console') || url === '/openapi.json') return
    const contentType = reply.getHeader('content-type')
    seen.push({ method: request.method, url, status: reply.statusCode, contentType: contentType === undefined ? undefined : String(contentType), headers: Object.keys(reply.getHeaders()) })
  })
  await app.ready()
  t.teardown(async () => { await app.close(); await drop() })
  return { app, seen }
}

t.test('every live response is declared by the document', async (t) => {
  const { app, seen } = await recordingApp()
  const document = app.swagger() as Json
  const admin = bearer('admin')
  const trialId = 'TRUTH-1'
  const base = `/v1/trials/${trialId}`
  const get = async (url: string, headers = admin) => await app.inject({ method: 'GET', url, headers })

  // The walk: a trial, a site, participants dosed, AEs, follow-ups, reads, exports, the DMC.
  await createTrial(app, trialId)
  const trial = await get(base)
  await app.inject({ method: 'POST', url: `${base}/sites`, headers: admin, payload: { siteId: 'truth-b', name: 'Site B' } })
  await app.inject({ method: 'PATCH', url: `${base}/sites/truth-b`, headers: { ...admin, 'if-match': String(trial.headers.etag) }, payload: { timeZone: 'Europe/Paris', reason: 'the site is in Paris' } })
  await enrolDosed(app, trialId, 'P-1', 1, 30)
  await enrolDosed(app, trialId, 'P-2', 1, 30)
  const { date } = daysAgo(25)
  const dlt = await reportAe(app, trialId, dltAe('P-1', date))
  await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...admin, 'idempotency-key': 'truth-ae-2' }, payload: mildAe('P-2', date) })
  await app.inject({ method: 'POST', url: `${base}/adverse-events`, headers: { ...admin, 'idempotency-key': 'truth-ae-2' }, payload: mildAe('P-2', date) })
  const ae = await get(`${base}/adverse-events/${dlt.aeId}`)
  const aeUrl = `${base}/adverse-events/${dlt.aeId}`
  await app.inject({ method: 'PATCH', url: aeUrl, headers: { ...admin, 'if-match': String(ae.headers.etag) }, payload: { outcome: 'recovering', reason: 'site follow-up' } })
  await app.inject({ method: 'PATCH', url: aeUrl, headers: admin, payload: { outcome: 'recovered', reason: 'no If-Match' } })
  await app.inject({ method: 'PATCH', url: aeUrl, headers: { ...admin, 'if-match': '"99"' }, payload: { outcome: 'recovered', reason: 'stale' } })
  for (const url of [
    base, '/v1/trials', `${base}/participants`, `${base}/participants/P-1`, `${base}/participants/P-1/administrations`,
    `${base}/adverse-events`, aeUrl, `${aeUrl}/history`, `${base}/status`, `${base}/decisions`, `${base}/decision-table`,
    `${base}/summary`, `${base}/sae-reports`, `${base}/protocol/versions`, `${base}/protocol/versions/1`,
    '/v1/ctcae/terms?q=anemia', '/v1/ctcae/terms/10002272', `/v1/audit?trialId=${trialId}`, `/v1/audit/verify?trialId=${trialId}`,
    `${base}/exports/sdtm-ae.csv`, `${base}/exports/sdtm-ae.json`, `${base}/exports/suppae.csv`, `${base}/exports/suppae.json`,
    `${base}/exports/fhir`, `${base}/webhooks`, '/health', '/ready'
  ]) await get(url)
  await app.inject({ method: 'GET', url: `${base}/exports/fhir`, headers: { ...admin, accept: 'text/html' } })

  // Refusals on every route: no token, a role that may not, an unknown trial, a malformed body.
  const edc = bearer('edc', { sites: ['nowhere'] })
  for (const { method, url } of app.routeAccess) {
    // HEAD answers as its GET (HTTP semantics, not an operation of its own); the event stream does not end.
    if (method === 'HEAD' || url.startsWith('/docs') || url === '/openapi.json' || url.endsWith('/events')) continue
    const path = url.replace(':trialId', trialId).replace(/:\w+/g, 'unknown-id')
    const payload = ['POST', 'PUT', 'PATCH'].includes(method) ? { unexpected: true } : undefined
    await app.inject({ method: method as 'GET', url: path, payload })
    await app.inject({ method: method as 'GET', url: path, headers: edc, payload })
    await app.inject({ method: method as 'GET', url: url.replace(':trialId', 'NO-SUCH-TRIAL').replace(/:\w+/g, 'unknown-id'), headers: { ...admin, 'if-match': '"1"' }, payload })
    await app.inject({ method: method as 'GET', url: path, headers: { ...admin, 'if-match': '"1"' }, payload })
  }

  const problems = seen.flatMap((s) => problemsOf(document, s))
  t.same([...new Set(problems)], [], 'no response the document does not declare')
  t.ok(seen.length > 150, `${seen.length} responses checked`)
  t.ok(seen.some((s) => s.status === 201 && s.headers.includes('location')), 'a Location was checked')
  t.ok(seen.some((s) => s.headers.includes('etag')), 'an ETag was checked')
})

t.test('the document has servers, root security, and open routes say security: []', async (t) => {
  const { app } = await recordingApp()
  const document = app.swagger() as Json
  t.ok(document.servers.length > 0)
  t.same(document.security, [{ bearerAuth: [] }])
  t.same(document.paths['/health'].get.security, [])
  t.same(document.paths['/ready'].get.security, [])
  const patch = document.paths['/v1/trials/{trialId}/adverse-events/{aeId}'].patch
  t.match(patch.parameters.find((p: Json) => p.name === 'if-match'), { in: 'header', required: true }, 'If-Match is required where 428 answers its absence')
  t.ok(patch.responses['412'].content['application/problem+json'], 'errors are problem+json')
})
