// The event stream as an integration's EventSource sees it (issue #18): a
// reconnection with Last-Event-ID receives every decision missed meanwhile,
// in order, as the same `status` events a connected client received, then
// goes on streaming; a reconnection with nothing missed stays open (an
// EventSource given anything but 200 text/event-stream stops for good). A
// browser, whose EventSource cannot send a token, opens the stream with a
// one-time ticket bound to its token.
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, enrol, SEED_SITE } from '../helpers/fixtures.js'
import { openStream } from '../helpers/event-source.js'
import { loggerOptions } from '../../src/http/logging.js'
import { issueTicket, redeemTicket } from '../../src/services/stream-tickets.js'
import type { Principal } from '../../src/auth/roles.js'

const { app } = await build()
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const events = (trialId: string) => `${origin}/v1/trials/${trialId}/events`

// The server side of each test client's connections, by the x-test-client header, to drop one client alone.
const sockets = new Map<string, Socket>()
app.server.on('request', (req: IncomingMessage) => {
  const client = req.headers['x-test-client']
  if (typeof client === 'string') sockets.set(client, req.socket)
})

/** Each enrolment changes the enrolled counts: a new decision. */
let enrolled = 0
const newDecision = async (trialId: string) => { await enrol(app, trialId, `P-${++enrolled}`, SEED_SITE, 1, daysAgo(1).date) }
const decisionIds = async (trialId: string): Promise<string[]> => {
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/decisions?limit=100`, headers: bearer('safety_monitor') })
  return (res.json() as { items: Array<{ decisionId: string }> }).items.map((d) => d.decisionId).reverse()
}

/** A raw request: its status, content type, and whether the response is still open after `ms`. */
async function probe (url: string, headers: Record<string, string>, ms = 500) {
  return await new Promise<{ status: number, contentType: string | undefined, openAfter: boolean, body: string }>((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let body = ''
      let ended = false
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => { ended = true })
      setTimeout(() => {
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], openAfter: !ended, body })
        req.destroy()
      }, ms)
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('a dropped client reconnects with Last-Event-ID: the missed decisions in order, as status events, then live ones', async (t) => {
  const trialId = 'SSE-REPLAY'
  await createTrial(app, trialId)
  const watcher = openStream(events(trialId), bearer('dmc'))
  let away: () => void = () => {}
  let gate = Promise.resolve()
  const dropped = openStream(events(trialId), { ...bearer('dmc'), 'x-test-client': 'dropped' }, async () => { await gate })
  t.teardown(() => { watcher.close(); dropped.close() })
  const first = await dropped.next(() => true)
  await watcher.next((e) => e.id === first.id)

  gate = new Promise((resolve) => { away = resolve })
  sockets.get('dropped')!.destroy()
  // Two enrolments (the cohort of 3 has room for three).
  for (let i = 0; i < 2; i++) await newDecision(trialId)
  const missed = (await decisionIds(trialId)).slice(-2)
  await watcher.next((e) => e.id === missed[1])
  t.equal(dropped.events.length, 1, 'the dropped client heard nothing while away')
  away()

  const replayed = await dropped.next((e) => e.id === missed[1])
  t.same(dropped.events.slice(1).map((e) => e.id), missed, 'every missed decision, once, oldest first')
  t.equal(replayed.data.decisionId, replayed.id)
  t.same(dropped.events.slice(1).map((e) => e.data), watcher.events.slice(1).map((e) => e.data), 'the same status documents the connected client received')
  const status = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })).json() as Record<string, unknown>
  t.same(Object.keys(replayed.data).sort(), Object.keys(status).sort(), 'each shaped as GET .../status')
  t.same({ ...replayed.data, asOf: undefined }, { ...status, asOf: undefined }, 'the last is the status in force')
  t.same(dropped.connections, [{ status: 200, contentType: 'text/event-stream' }, { status: 200, contentType: 'text/event-stream' }])

  await newDecision(trialId)
  const [live] = (await decisionIds(trialId)).slice(-1)
  await dropped.next((e) => e.id === live)
  t.pass('then the stream goes on with new decisions')
})

t.test('a reconnection with nothing missed is an open event stream, not an empty 200', async (t) => {
  const trialId = 'SSE-QUIET'
  await createTrial(app, trialId)
  const stream = openStream(events(trialId), { ...bearer('investigator', { sites: [SEED_SITE] }), 'x-test-client': 'quiet' })
  t.teardown(stream.close)
  const first = await stream.next(() => true)
  sockets.get('quiet')!.destroy()
  for (let i = 0; i < 200 && (stream.connections.length < 2 || stream.source.readyState !== stream.source.OPEN); i++) await sleep(50)
  t.same(stream.connections.at(-1), { status: 200, contentType: 'text/event-stream' }, 'the reconnection is answered as an event stream')
  await sleep(500)
  t.equal(stream.source.readyState, stream.source.OPEN, 'and stays open')
  t.equal(stream.connections.length, 2, 'without reconnecting again')
  t.equal(stream.events.length, 1, 'nothing replayed')
  await newDecision(trialId)
  const next = await stream.next((e) => e.id !== first.id)
  t.equal(stream.events.length, 2, `a later decision arrives on it (${next.id})`)

  const raw = await probe(events(trialId), { ...bearer('dmc'), 'last-event-id': next.id })
  t.same([raw.status, raw.contentType, raw.openAfter], [200, 'text/event-stream', true], 'a raw client with the latest id: 200, text/event-stream, open')
  t.notMatch(raw.body, /event:/, 'no event replayed (heartbeats at most)')
})

t.test('stream tickets: one trial, once, within a minute, as the token they were issued to', async (t) => {
  const trialId = 'SSE-TICKET'
  await createTrial(app, trialId)
  await createTrial(app, 'SSE-TICKET-OTHER')
  const issue = async (headers: Record<string, string>, trial = trialId) =>
    await app.inject({ method: 'POST', url: `/v1/trials/${trial}/events/tickets`, headers })

  const issued = await issue(bearer('investigator', { sites: [SEED_SITE] }))
  t.equal(issued.statusCode, 201)
  const { ticket, expiresAt } = issued.json() as { ticket: string, expiresAt: string }
  t.match(ticket, /^[A-Za-z0-9_-]{43}$/, '256 random bits')
  t.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 60_000) < 5_000, 'expires in a minute')

  // A browser's EventSource: no headers at all.
  const browser = openStream(`${events(trialId)}?ticket=${ticket}`)
  t.teardown(browser.close)
  const first = await browser.next(() => true)
  t.equal(first.data.trialId, trialId, 'the ticket opens the stream')
  const again = await probe(`${events(trialId)}?ticket=${ticket}`, {})
  t.equal(again.status, 401, 'a used ticket is refused')
  t.match(JSON.parse(again.body), { type: 'urn:dlt-safety:problem:unauthorized', detail: /ticket/ })

  const other = (await issue(bearer('dmc'))).json() as { ticket: string }
  t.equal((await probe(`${events('SSE-TICKET-OTHER')}?ticket=${other.ticket}`, {})).status, 401, 'a ticket opens its own trial only')
  t.equal((await probe(`${events(trialId)}?ticket=not-a-ticket`, {})).status, 401, 'an unknown ticket is refused')
  const resumed = (await issue(bearer('dmc'))).json() as { ticket: string }
  await newDecision(trialId)
  const [latest] = (await decisionIds(trialId)).slice(-1)
  const resuming = openStream(`${events(trialId)}?ticket=${resumed.ticket}&lastEventId=${first.id}`)
  t.teardown(resuming.close)
  t.equal((await resuming.next(() => true)).id, latest, 'a new EventSource resumes with lastEventId')

  t.equal((await issue({})).statusCode, 401, 'a ticket needs a token')
  t.equal((await issue(bearer('dmc', { trials: ['SSE-TICKET-OTHER'] }))).statusCode, 403, 'of a token that covers the trial')
  t.equal((await issue(bearer('dmc'), 'NO-SUCH-TRIAL')).statusCode, 404)
})

t.test('a ticket carries its principal (role, sites, trials) and expires', async (t) => {
  const principal: Principal = { sub: 'site-nurse', role: 'edc', sites: [SEED_SITE], trials: ['SSE-TICKET'], issuedAt: 1_700_000_000 }
  const { ticket } = await issueTicket(app.db, 'SSE-TICKET', principal)
  t.same(await redeemTicket(app.db, 'SSE-TICKET', ticket), principal, 'redeemed as the token it was issued to')
  const old = await issueTicket(app.db, 'SSE-TICKET', principal, new Date(Date.now() - 61_000))
  t.equal(await redeemTicket(app.db, 'SSE-TICKET', old.ticket), undefined, 'after a minute it is refused')
  const res = await probe(`${events('SSE-TICKET')}?ticket=${(await issueTicket(app.db, 'SSE-TICKET', principal, new Date(Date.now() - 61_000))).ticket}`, {})
  t.equal(res.status, 401, 'so is the stream it would open')
})

t.test('a ticket never reaches the logs: request lines name the route template, not the URL', async (t) => {
  const lines: string[] = []
  const logger = pino(loggerOptions('info') as pino.LoggerOptions, new Writable({ write (chunk: Buffer, _e, done) { lines.push(chunk.toString()); done() } }))
  const secret = 'Zm9yLXRoZS1sb2ctdGVzdC1vbmx5LW5vdC1hLXRpY2tldA'
  logger.info({ req: { method: 'GET', url: `/v1/trials/X/events?ticket=${secret}`, query: { ticket: secret }, routeOptions: { url: '/v1/trials/:trialId/events' } } }, 'request')
  t.equal(lines.length, 1)
  t.notMatch(lines[0], secret, 'no ticket in the line')
  t.match(JSON.parse(lines[0]!), { req: { method: 'GET', route: '/v1/trials/:trialId/events' } })
})
