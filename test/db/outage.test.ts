// The database going away under load (issue #17): terminated backends and a
// PostgreSQL restart while 32 clients report AEs. A DMC relies on every
// acknowledged AE being in the decision and on no instance silently dying or
// hanging: the process stays up, every request is answered (201, or 503 with
// Retry-After while the database is down), /ready says 503 during the outage,
// the service serves again afterwards without a restart, and the stored AEs
// are exactly the acknowledged ones, with a status that counts them.
import { eq } from 'drizzle-orm'
import postgres from 'postgres'
import t from 'tap'
import { openDatabase } from '../../db/client.js'
import { migrate } from '../../db/migrate.js'
import { adverseEvents } from '../../db/schema.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { singleCohort } from '../helpers/dosing.js'
import { bearer, TEST_SECRET } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe } from '../helpers/fixtures.js'
import { postgresBinaries, startCluster } from '../helpers/pg-cluster.js'

const WRITERS = 32
const PARTICIPANTS = 16
// After the outage, how long a client may need to get its reports acknowledged.
const RECOVERY_MS = 10_000
const bin = postgresBinaries()
const skip = process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === ''
  ? 'runs on PostgreSQL only (TEST_DATABASE_URL): it restarts a cluster of its own'
  : bin === undefined ? 'no PostgreSQL server binaries (initdb, pg_ctl): set PG_BIN or install them under /usr/lib/postgresql/*/bin' : false

const protocol = singleCohort

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('terminated backends and a fast restart under 32 AE writers', { skip, timeout: 90_000 }, async (t) => {
  const cluster = await startCluster(bin!)
  t.teardown(cluster.stop)
  const database = await openDatabase({ url: cluster.url, dataDir: 'unused', poolMax: 10 })
  await migrate(database.db)
  const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', RATE_LIMIT_MAX: '1000000' }), { database, logLevel: 'silent' })
  await app.ready()
  t.teardown(async () => { await app.close(); await database.close() })

  const trialId = 'OUTAGE-1'
  await createTrial(app, trialId, protocol)
  const ids = Array.from({ length: PARTICIPANTS }, (_, i) => `O-${String(i).padStart(3, '0')}`)
  for (const id of ids) await enrolDosed(app, trialId, id, 1, 5)
  const headers = bearer('edc', { sites: [nct07295067.sites[0]!.siteId] })
  const onset = daysAgo(3).date

  const unexpected: string[] = []
  const acknowledged = new Map<string, { aeId: string, participantId: string, isDlt: boolean }>()
  let unavailable = 0
  const clock = { stopped: false }
  // Each writer reports AEs one after another; a report answered 503 is sent again with the same
  // Idempotency-Key until it is acknowledged, as a client that honours Retry-After would.
  const inFlight = new Set<string>()
  let giveUpAt = Infinity
  const writer = async (w: number) => {
    for (let n = 0; !clock.stopped; n++) {
      const key = `w${w}-${n}`
      const participantId = ids[(w + n) % PARTICIPANTS]!
      const payload = n % 2 === 0 ? dltAe(participantId, onset) : mildAe(participantId, onset)
      for (;;) {
        if (Date.now() > giveUpAt) {
          unexpected.push(`${key}: still not acknowledged ${RECOVERY_MS} ms after the outage`)
          break
        }
        inFlight.add(key)
        const res = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: { ...headers, 'idempotency-key': key }, payload })
        inFlight.delete(key)
        if (res.statusCode === 201) {
          const ae = res.json() as { aeId: string, dlt: { isDlt: boolean } }
          acknowledged.set(key, { aeId: ae.aeId, participantId, isDlt: ae.dlt.isDlt })
          break
        }
        if (res.statusCode === 503 && /^\d+$/.test(String(res.headers['retry-after'])) &&
          String(res.headers['content-type']).startsWith('application/problem+json')) {
          unavailable++
          await sleep(100)
          continue
        }
        unexpected.push(`${res.statusCode} ${res.headers['retry-after'] ?? '-'} ${res.body.slice(0, 200)}`)
        break
      }
    }
  }
  const readiness: number[] = []
  const probeReady = async () => {
    while (!clock.stopped) {
      readiness.push((await app.inject({ method: 'GET', url: '/ready' })).statusCode)
      await sleep(100)
    }
  }

  const started = Date.now()
  const writers = [...Array.from({ length: WRITERS }, async (_, w) => { await writer(w) }), probeReady()]
  await sleep(1500)
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} })
  const [{ terminated }] = await admin`select count(*)::int as terminated from (select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and backend_type = 'client backend') k`
  await admin.end()
  t.comment(`terminated ${terminated} backends`)
  await sleep(1500)
  await cluster.restart()
  t.comment(`restarted after ${Date.now() - started} ms`)
  await sleep(3000)
  clock.stopped = true
  giveUpAt = Date.now() + RECOVERY_MS
  const finished = await Promise.race([Promise.all(writers).then(() => true), sleep(RECOVERY_MS + 5000).then(() => false)])
  t.ok(finished, `every request was answered (still waiting: ${[...inFlight].join(', ') || 'none'})`)

  t.same(unexpected, [], 'every request was answered 201, or 503 with Retry-After as problem+json')
  t.ok(unavailable > 0, `the outage was seen by clients (${unavailable} answers 503)`)
  t.ok(readiness.includes(503), '/ready answered 503 during the outage')
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'ready again after it, with no restart of the service')

  const stored = await app.db.select({ aeId: adverseEvents.aeId }).from(adverseEvents).where(eq(adverseEvents.trialId, trialId))
  const acked = [...acknowledged.values()]
  t.same(stored.map((r) => r.aeId).sort(), acked.map((a) => a.aeId).sort(), 'the stored AEs are exactly the acknowledged ones')
  t.ok(acked.length > WRITERS, `${acked.length} AEs acknowledged`)

  const withDlt = new Set(acked.filter((a) => a.isDlt).map((a) => a.participantId))
  const status = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })).json()
  t.equal(status.doseLevels[0].dlts, withDlt.size, 'the status counts exactly the participants with an acknowledged DLT')
  const verify = await app.inject({ method: 'GET', url: `/v1/audit/verify?trialId=${trialId}`, headers: bearer('admin') })
  t.match(verify.json(), { valid: true }, 'the audit chain is whole')
  t.ok(Date.now() - started < 60_000, 'bounded in time')
})
