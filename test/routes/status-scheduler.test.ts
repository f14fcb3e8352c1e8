// Time-driven decisions pushed with nobody calling the API (issue #18): when
// a sentinel's wait ends, the next participants of the level may be dosed.
// A DMC and the sites expect to hear it when it happens, not at the next
// request: the decision is made within 5 s of the instant (the issue's bound;
// the scheduler wakes at the instant and the webhook poller runs every
// second, so 5 s leaves a loaded 2-core machine room), by one instance of
// several, and by the first instance that starts after it fell due.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase, type Database } from '../../db/client.js'
import { decisions } from '../../db/schema.js'
import { bearer, TEST_SECRET } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { administer, createTrial, daysAgo, enrol, SEED_SITE } from '../helpers/fixtures.js'
import { protocolWith } from '../helpers/dosing.js'
import { openStream } from '../helpers/event-source.js'

const WITHIN_MS = 5_000
const DAY_MS = 86_400_000
const config = loadConfig({
  JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', RATE_LIMIT_MAX: '100000', REFUSAL_LIMIT_MAX: '100000', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true'
})
const { database, url, drop } = await freshDatabase()
t.teardown(drop)

/** Another instance of the service on the same database (its own connections on PostgreSQL). */
async function instance (): Promise<App> {
  let own: Database | undefined
  if (url !== undefined) own = await openDatabase({ url, dataDir: 'unused', poolMax: 4 })
  const app = await buildApp(config, { database: own ?? database, logLevel: 'silent' })
  await app.ready()
  await app.listen({ port: 0, host: '127.0.0.1' })
  return Object.assign(app, { closeAll: async () => { await app.close(); await own?.close() } })
}
const closeAll = async (app: App) => { await (app as App & { closeAll: () => Promise<void> }).closeAll() }
const base = (app: App) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

/** A trial whose level 1 waits one day after its sentinel's dose: dosed now, the wait ends `inMs` from now. */
async function sentinelTrial (app: App, trialId: string, inMs: number): Promise<string> {
  await createTrial(app, trialId, protocolWith(3, { type: '3+3', startDoseLevel: 1, cohortSize: 3, sentinel: { participants: 1, days: 1 } }))
  await enrol(app, trialId, 'S1', SEED_SITE, 1, daysAgo(2).date)
  const dosedAt = new Date(Date.now() - DAY_MS + inMs).toISOString()
  await administer(app, trialId, 'S1', dosedAt, 1)
  return new Date(Date.parse(dosedAt) + DAY_MS).toISOString()
}

const timeDecisions = async (trialId: string) => (await database.db.select().from(decisions).where(eq(decisions.trialId, trialId)))
  .filter((d) => (d.trigger as { type: string }).type === 'time')

t.test('a sentinel wait that ends with nobody calling the API: decision, SSE event and webhook within 5 s, made once by two instances', async (t) => {
  const [a, b] = [await instance(), await instance()]
  t.teardown(async () => { await closeAll(a); await closeAll(b) })
  const trialId = 'SCHED-1'
  // Standard Webhooks envelope: the decision is under `data`.
  const hooks: Array<{ at: number, body: { decisionId: string, trialId: string } }> = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => { hooks.push({ at: Date.now(), body: (JSON.parse(body) as { data: { decisionId: string, trialId: string } }).data }); res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => receiver.close())
  await createTrial(a, trialId, protocolWith(3, { type: '3+3', startDoseLevel: 1, cohortSize: 3, sentinel: { participants: 1, days: 1 } }))
  const hook = await a.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/webhooks`,
    headers: bearer('admin'),
    payload: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }
  })
  t.equal(hook.statusCode, 201, 'a webhook receives the trial\'s decisions')
  await enrol(a, trialId, 'S1', SEED_SITE, 1, daysAgo(2).date)
  // The client listens on b; the change may be made by either instance.
  const stream = openStream(`${base(b)}/v1/trials/${trialId}/events`, bearer('safety_monitor'))
  t.teardown(stream.close)
  await stream.next(() => true)

  // 5 s of wait left after the dose: room for the write on a loaded machine.
  const dosedAt = new Date(Date.now() - DAY_MS + 5_000).toISOString()
  await administer(a, trialId, 'S1', dosedAt, 1)
  const wroteAt = Date.now()
  const instant = Date.parse(dosedAt) + DAY_MS
  const waiting = await stream.next((e) => e.data.state === 'hold' && e.data.nextChangeAt !== null)
  t.equal(Date.parse(waiting.data.nextChangeAt!), instant, 'while the sentinel waits, the status names the instant it ends')
  t.ok(wroteAt < instant, 'the last request ended before the wait did: nothing below is caused by a request')

  const opened = await stream.next((e) => e.data.state === 'go', instant - Date.now() + 10_000)
  t.ok(opened.receivedAt - instant <= WITHIN_MS, `the SSE event arrived ${opened.receivedAt - instant} ms after the instant`)
  t.ok(opened.receivedAt >= instant, 'not before the instant')
  t.equal(opened.data.doseLevels[0]!.open, true, 'level 1 is open to the next participants')
  for (let i = 0; i < 100 && !hooks.some((h) => h.body.decisionId === opened.id); i++) await sleep(50)
  const delivered = hooks.find((h) => h.body.decisionId === opened.id)
  t.ok(delivered !== undefined && delivered.at - instant <= WITHIN_MS, `the webhook was delivered ${delivered === undefined ? 'never' : `${delivered.at - instant} ms after the instant`}`)
  t.match(delivered?.body, { trialId, decisionId: opened.id })

  await sleep(1_500)
  const made = await timeDecisions(trialId)
  t.equal(made.length, 1, 'two instances made one decision')
  t.equal(made[0]!.decisionId, opened.id)
  t.equal(new Date(made[0]!.at).getTime() >= instant, true, 'taken as of a time after the instant')
  t.same(stream.events.filter((e) => e.id === opened.id).length, 1, 'the subscriber heard it once')
})

t.test('after a restart, a change that fell due while no instance ran is made at start', async (t) => {
  const trialId = 'SCHED-2'
  const before = await instance()
  const instant = await sentinelTrial(before, trialId, 2_000)
  await closeAll(before)
  await sleep(Math.max(0, Date.parse(instant) - Date.now()) + 1_000)
  t.equal((await timeDecisions(trialId)).length, 0, 'no instance ran: the change is due, not made')

  const started = Date.now()
  const after = await instance()
  t.teardown(async () => { await closeAll(after) })
  let made = await timeDecisions(trialId)
  for (let i = 0; i < 100 && made.length === 0; i++) {
    await sleep(50)
    made = await timeDecisions(trialId)
  }
  const tookMs = Date.now() - started
  t.equal(made.length, 1, `made ${tookMs} ms after the start began`)
  t.ok(tookMs <= WITHIN_MS, 'at start: within 5 s')
  t.equal(made[0]!.state, 'go')
  const [current] = await database.db.select().from(decisions).where(and(eq(decisions.trialId, trialId), eq(decisions.decisionId, made[0]!.decisionId)))
  t.ok(current, 'recorded in the decision history')
  const status = await after.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })
  t.equal(status.json().decisionId, made[0]!.decisionId, 'the status served stands on it')
})
