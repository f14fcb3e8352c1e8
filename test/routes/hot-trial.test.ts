import { eq } from 'drizzle-orm'
import t from 'tap'
import { openDatabase, type Db } from '../../db/client.js'
import { adverseEvents } from '../../db/schema.js'
import { buildApp, type App } from '../../src/app.js'
import type { Principal } from '../../src/auth/roles.js'
import { clinicalWrite, waitingWrites } from '../../src/services/clinical-write.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe } from '../helpers/fixtures.js'
import { singleCohort } from '../helpers/dosing.js'

// A hot trial must not starve the instance: its writes wait for their turn in
// the process, not on pooled connections blocked on its row lock, so probes
// and other trials' writes keep their latency. PostgreSQL only: PGlite has one
// connection, which every transaction holds in turn.

const { app, config, databaseUrl } = await build()
const skip = databaseUrl === undefined ? 'PostgreSQL only: PGlite runs one transaction at a time on its one connection' : false
const admin: Principal = { sub: 'hot-admin', role: 'admin', sites: null, trials: null, issuedAt: null }
const onset = daysAgo(2).date

const cohort = singleCohort

const postAe = (instance: App, trialId: string, payload: object) => instance.inject({
  method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: bearer('admin'), payload
})

async function until (condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 20_000) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Takes the trial's turn (and its row lock, on a connection of `db`) until `release` is called. */
function hold (db: Db, trialId: string) {
  let release = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const done = clinicalWrite(db, trialId, admin, null, async () => { await gate })
  return { release, done }
}

const within = async <T>(work: Promise<T>, ms: number): Promise<T | 'timed out'> => {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<'timed out'>((resolve) => { timer = setTimeout(() => resolve('timed out'), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

const quantile = (samples: number[], q: number) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

t.test('writes waiting for a hot trial hold no pooled connection', { skip }, async (t) => {
  await createTrial(app, 'HOT-POOL')
  await createTrial(app, 'COLD-POOL')
  await enrolDosed(app, 'HOT-POOL', 'HP-1', 1, 5)
  await enrolDosed(app, 'COLD-POOL', 'CP-1', 1, 5)
  // Four connections: one for statements outside transactions, three for transactions.
  const database = await openDatabase({ url: databaseUrl!, dataDir: 'unused', poolMax: 4 })
  const small = await buildApp({ ...config, MIGRATE_ON_START: false }, { database, logLevel: 'silent' })
  t.teardown(async () => { await small.close(); await database.close() })

  const turn = hold(small.db, 'HOT-POOL')
  const burst = Array.from({ length: 12 }, () => postAe(small, 'HOT-POOL', mildAe('HP-1', onset)))
  await until(() => waitingWrites(small.db, 'HOT-POOL') === 12, 'the burst to queue')
  const cold = await within(postAe(small, 'COLD-POOL', dltAe('CP-1', onset)), 15_000)
  t.equal(cold === 'timed out' ? cold : cold.statusCode, 201, 'another trial\'s write commits while twelve wait for the hot one')
  const ready = await within(small.inject({ method: 'GET', url: '/ready' }), 15_000)
  t.equal(ready === 'timed out' ? ready : ready.statusCode, 200, '/ready answers')
  t.equal(waitingWrites(small.db, 'HOT-POOL'), 12, 'the burst was still waiting')
  turn.release()
  await turn.done
  t.same((await Promise.all(burst)).map((r) => r.statusCode).filter((s) => s !== 201), [], 'then every write of the burst commits')
})

t.test('a 200-writer burst on one trial: /ready and other trials keep their latency', { skip }, async (t) => {
  const hot = 'HOT-BURST'
  const coldTrial = 'COLD-BURST'
  await createTrial(app, hot, cohort)
  await createTrial(app, coldTrial)
  const people = Array.from({ length: 20 }, (_, i) => `HB-${i}`)
  for (const id of people) await enrolDosed(app, hot, id, 1, 5)
  await enrolDosed(app, coldTrial, 'CB-1', 1, 5)

  const readyOnce = async () => {
    const start = performance.now()
    const res = await app.inject({ method: 'GET', url: '/ready' })
    if (res.statusCode !== 200) throw new Error(`/ready answered ${res.statusCode}`)
    return performance.now() - start
  }
  const idle: number[] = []
  for (let i = 0; i < 40; i++) idle.push(await readyOnce())

  const state = { running: true }
  const started = performance.now()
  const probes: number[] = []
  const sampling = (async () => { while (state.running) probes.push(await readyOnce()) })()
  // The writers arrive as over sockets, one per turn of the event loop, not as one synchronous
  // block of 200 (which no probe could interleave with): all 200 are in flight within milliseconds.
  const writers: Array<ReturnType<typeof postAe>> = []
  for (let i = 0; i < 200; i++) {
    const payload = i % 2 === 0 ? dltAe(people[i % people.length]!, onset) : mildAe(people[i % people.length]!, onset)
    writers.push(postAe(app, hot, payload))
    await new Promise((resolve) => setImmediate(resolve))
  }
  const burst = Promise.all(writers).finally(() => { state.running = false })
  const coldWrites: Array<{ ms: number, during: boolean, status: number }> = []
  const writing = (async () => {
    while (state.running) {
      const start = performance.now()
      const res = await postAe(app, coldTrial, mildAe('CB-1', onset))
      coldWrites.push({ ms: performance.now() - start, during: state.running, status: res.statusCode })
    }
  })()
  const responses = await burst
  const burstMs = performance.now() - started
  await Promise.all([sampling, writing])

  // On a loaded 2-core CI machine an idle probe can itself take tens of milliseconds (the burst's
  // requests share its CPU and event loop): the bound is the 100 ms or four times the idle
  // p99, whichever is larger; either is far below the starved figure (3 s).
  const idleP99 = quantile(idle, 0.99)
  const bound = Math.max(100, 4 * idleP99)
  const p99 = quantile(probes, 0.99)
  t.comment(`burst ${burstMs.toFixed(0)} ms; /ready p99 ${p99.toFixed(1)} ms over ${probes.length} probes (idle p99 ${idleP99.toFixed(1)} ms); ` +
    `other trial's writes: ${coldWrites.length}, median ${quantile(coldWrites.map((c) => c.ms), 0.5).toFixed(1)} ms`)
  t.ok(probes.length >= 5, 'probed throughout the burst')
  t.ok(p99 < bound, `/ready p99 ${p99.toFixed(1)} ms < ${bound.toFixed(0)} ms during the burst`)
  t.ok(coldWrites.some((c) => c.during && c.status === 201), 'another trial\'s writes commit while the burst is still running')
  const coldMedian = quantile(coldWrites.map((c) => c.ms), 0.5)
  t.ok(coldMedian < 500, `another trial's writes: median ${coldMedian.toFixed(1)} ms < 500 ms (starved: 1.15 s)`)
  t.same(coldWrites.map((c) => c.status).filter((s) => s !== 201), [], 'and every one commits')

  t.same(responses.map((r) => r.statusCode).filter((s) => s !== 201), [], 'every write of the burst commits')
  const created = responses.map((r) => r.json() as { aeId: string, participantId: string, dlt: { isDlt: boolean } })
  const stored = await app.db.select({ aeId: adverseEvents.aeId }).from(adverseEvents).where(eq(adverseEvents.trialId, hot))
  t.same(stored.map((r) => r.aeId).sort(), created.map((ae) => ae.aeId).sort(), 'every AE answered 201 is stored, and no other')
  const withDlt = new Set(created.filter((ae) => ae.dlt.isDlt).map((ae) => ae.participantId))
  const status = (await app.inject({ method: 'GET', url: `/v1/trials/${hot}/status`, headers: bearer('dmc') })).json()
  t.equal(status.doseLevels.find((d: { doseLevel: number }) => d.doseLevel === 1).dlts, withDlt.size, 'the status counts every committed DLT')
})
