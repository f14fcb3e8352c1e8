import { Writable } from 'node:stream'
import { pino } from 'pino'
import t from 'tap'
import { uuidv7 } from 'uuidv7'
import { insertWebhook } from '../../db/repos/webhooks.js'
import { enqueueDecisionDeliveries } from '../../src/services/webhook-events.js'
import { newWebhookSecret, startDeliverer, type DelivererOptions } from '../../src/services/webhook-delivery.js'
import { freshDatabase } from '../helpers/database.js'
import { receiver, verified, type Received } from '../helpers/webhook-receiver.js'

// The deliverer on its own, without the app: several instances on one database, and its log lines.
const { database, drop } = await freshDatabase()
t.teardown(drop)
const db = database.db

function capturedLog () {
  const lines: Array<{ level: number, msg: string, attempt?: number }> = []
  const log = pino({ level: 'warn' }, new Writable({
    write (chunk: Buffer, _, done) {
      lines.push(JSON.parse(chunk.toString()) as typeof lines[number])
      done()
    }
  }))
  return { log, lines }
}

const options = (log: DelivererOptions['log'], retryDelaysMs = [60_000]): DelivererOptions =>
  ({ concurrency: 2, timeoutMs: 10_000, retryDelaysMs, allowPrivateTargets: true, pollMs: 50, log })

async function subscribe (trialId: string, url: string) {
  const secret = newWebhookSecret()
  await insertWebhook(db, { trialId, webhookId: uuidv7(), url, secret, createdBy: 'test' })
  return secret
}

const decide = (trialId: string) => db.transaction(async (tx) => {
  await enqueueDecisionDeliveries(tx, trialId, {
    decisionId: uuidv7(), at: new Date().toISOString(), trigger: { type: 'test' }, state: 'go', decision: { action: 'escalate', nextDoseLevel: 2, reasons: [], rules: ['3+3'] }
  })
})

t.test('two instances share the deliveries: each sent once, each subscription in order', async (t) => {
  const trialId = 'DLV-SHARE'
  const hook = await receiver()
  const secrets = [await subscribe(trialId, hook.url), await subscribe(trialId, hook.url), await subscribe(trialId, hook.url)]
  for (let i = 0; i < 5; i++) await decide(trialId)
  const instances = [startDeliverer(db, options(capturedLog().log)), startDeliverer(db, options(capturedLog().log))]
  t.teardown(async () => { await Promise.all(instances.map((d) => d.close())) })
  instances.forEach((d) => { d.wake() })
  const got = await hook.until(15)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const ids = got.map((r) => r.headers['webhook-id'])
  t.equal(new Set(ids).size, 15, 'every delivery once')
  t.equal(got.length, 15, 'and none twice')
  const bySecret = secrets.map((secret) => got.filter((r) => {
    try {
      verified(secret, r)
      return true
    } catch {
      return false
    }
  }))
  for (const received of bySecret) {
    t.same(received.map((r: Received) => (JSON.parse(r.body) as { data: { sequence: number } }).data.sequence), [1, 2, 3, 4, 5], 'a subscription\'s events in sequence order')
  }
})

t.test('a warn line per failed attempt, an error line when dead-lettered', async (t) => {
  const trialId = 'DLV-LOG'
  const hook = await receiver(() => 500)
  await subscribe(trialId, hook.url)
  await decide(trialId)
  const { log, lines } = capturedLog()
  const deliverer = startDeliverer(db, options(log, [10, 10]))
  t.teardown(deliverer.close)
  deliverer.wake()
  await hook.until(3)
  for (let i = 0; i < 100 && lines.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(lines, [
    { level: 40, msg: 'webhook delivery attempt failed', attempt: 1, error: 'HTTP 500', trialId, deliveryId: String, nextAttemptAt: String },
    { level: 40, msg: 'webhook delivery attempt failed', attempt: 2 },
    { level: 50, msg: 'webhook delivery dead-lettered after its last attempt', attempt: 3, error: 'HTTP 500' }
  ])
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(hook.received.length, 3, 'nothing more is sent after the dead letter')
})
