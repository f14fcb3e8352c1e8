import type { InjectOptions } from 'fastify'
import t from 'tap'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe } from '../helpers/fixtures.js'
import { receiver } from '../helpers/webhook-receiver.js'

// A receiver that accepts the connection and never answers must not slow the API
// (before, deliveries were made inside the write's transaction: AE POSTs took 10-20 s)
// nor the trial's other receivers. The bounds are loose on purpose, for a loaded 2-core
// CI machine: a stall is the 10 s attempt timeout, far beyond them.
const { app } = await build({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' })
const admin = bearer('admin')
const ROUNDS = 8
/** a 3+3 cohort */
const COHORT = 3

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
async function timed (request: InjectOptions): Promise<number> {
  const start = performance.now()
  const res = await app.inject(request)
  if (res.statusCode >= 300) throw new Error(res.body)
  return performance.now() - start
}

t.test('a receiver that never answers delays neither the API nor the other receivers', async (t) => {
  const silent = await receiver(() => 'hang')
  const healthy = await receiver()
  const [base, hooked] = ['LAT-BASE', 'LAT-HOOK']
  for (const trialId of [base, hooked]) {
    await createTrial(app, trialId)
    for (let i = 0; i < COHORT; i++) await enrolDosed(app, trialId, `L-${i}`, 1, 2)
  }
  const webhookIds = []
  for (const url of [silent.url, healthy.url]) {
    const res = await app.inject({ method: 'POST', url: `/v1/trials/${hooked}/webhooks`, headers: admin, payload: { url } })
    t.equal(res.statusCode, 201)
    webhookIds.push((res.json() as { webhookId: string }).webhookId)
  }

  // The same requests on both trials, interleaved so that both see the same load.
  const latency: Record<string, { writes: number[], reads: number[] }> = { [base]: { writes: [], reads: [] }, [hooked]: { writes: [], reads: [] } }
  let lastWrite = 0
  for (let i = 0; i < ROUNDS; i++) {
    for (const trialId of [base, hooked]) {
      // The first AE of each participant is a DLT, which changes the decision: an event for the webhooks.
      const ae = (i < COHORT ? dltAe : mildAe)(`L-${i % COHORT}`, daysAgo(1).date)
      latency[trialId]!.writes.push(await timed({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: admin, payload: ae }))
      if (trialId === hooked && i < COHORT) lastWrite = Date.now()
      latency[trialId]!.reads.push(await timed({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: admin }))
    }
  }
  t.ok(silent.received.length >= 1, 'the silent receiver was sent its first event (and holds it)')
  for (const kind of ['writes', 'reads'] as const) {
    const without = latency[base]![kind]
    const withHook = latency[hooked]![kind]
    t.ok(median(withHook) <= 2 * median(without) + 200, `${kind}: median ${median(withHook).toFixed(0)} ms with the silent receiver, ${median(without).toFixed(0)} ms without`)
    t.ok(Math.max(...withHook) < 3000, `${kind}: the slowest took ${Math.max(...withHook).toFixed(0)} ms, far below the 10 s the silent receiver holds an attempt`)
  }

  const queued = (await app.inject({ method: 'GET', url: `/v1/trials/${hooked}/webhooks/${webhookIds[1]!}/deliveries`, headers: admin })).json() as { items: unknown[] }
  t.ok(queued.items.length >= COHORT, `every DLT was an event (${queued.items.length})`)
  const got = await healthy.until(queued.items.length, 10_000)
  t.equal(got.length, queued.items.length, 'the healthy receiver got every event')
  t.ok(got.at(-1)!.at - lastWrite < 5_000, `the last within ${got.at(-1)!.at - lastWrite} ms of its write`)
  t.equal(silent.received.length, 1, 'meanwhile the silent receiver holds its first event, the later ones waiting behind it in order')
})
