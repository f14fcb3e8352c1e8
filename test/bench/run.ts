// `npm run bench [-- --size=N --small-size=N --duration=S --connections=C --warmup=S --json=PATH --skip-pglite --pool=N --cpu-prof=DIR --fast-unsafe]`
//
// Issue 9's benchmark: a throwaway PostgreSQL cluster (or a fresh database on
// DATABASE_URL's server), a generated dataset, the service and a bare Fastify
// + postgres baseline as child processes on loopback, autocannon against
// both, the status GET once more on a second, small database (--small-size)
// against the first, the service's peak RSS from /proc, the AE POST once more on embedded
// PGlite; one table on stdout (progress on stderr), the figures as JSON with
// --json. Not part of the tap suite; nothing here asserts timings.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres, { type Sql } from 'postgres'
import { Api, signer } from './api.js'
import { startCluster, type Cluster } from './cluster.js'
import { generateDataset, generateEmbeddedDataset } from './dataset.js'
import { freePort, killAllChildren, RssSampler, spawnNode, waitReady, type Child } from './processes.js'
import { checkTargets, formatTable, row, type Report } from './report.js'
import {
  aeBatch, aePost, aeUpsertBatch, baselineInsert, baselineInsertMany, baselineSelect, BULK_ITEMS, listGet, measure, measureAlternating, PgStats,
  seedUpsertRecords, statusGet, summaryGet,
  type Figures, type RunOptions, type Scenario
} from './scenarios.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    'small-size': { type: 'string', default: '10000' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '5' },
    pool: { type: 'string', default: '10' },
    json: { type: 'string' },
    'skip-pglite': { type: 'boolean', default: false },
    'pglite-duration': { type: 'string', default: '10' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'fast-unsafe': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false }
  }
})

if (args.help) {
  process.stdout.write('npm run bench -- [--size=100000] [--small-size=10000] [--duration=20] [--connections=64] [--warmup=5] [--pool=10] ' +
    '[--json=PATH] [--skip-pglite] [--pglite-duration=10] [--only=post,status,summary,list,bulk] [--cpu-prof=DIR] [--fast-unsafe]\n' +
    '  --small-size: AEs in the second database the status GET is compared on (none when not below --size)\n' +
    '  --only: run these service scenarios only (with the baseline they are compared with), e.g. to profile one with --cpu-prof\n' +
    '  --fast-unsafe: the own cluster runs with fsync off (as CI\'s); by default it is durable (fsync, synchronous_commit on)\n')
  process.exit(0)
}

const int = (name: string, value: string, min: number, max: number) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be an integer from ${min} to ${max}\n`)
    process.exit(2)
  }
  return n
}
const size = int('size', args.size, 1000, 2_000_000)
const smallSize = int('small-size', args['small-size'], 1000, 2_000_000)
const opts: RunOptions = {
  duration: int('duration', args.duration, 1, 600),
  connections: int('connections', args.connections, 1, 1000),
  warmup: int('warmup', args.warmup, 0, 120)
}
const pool = int('pool', args.pool, 1, 200)
const pgliteDuration = Math.min(opts.duration, int('pglite-duration', args['pglite-duration'], 1, 600))
const SCENARIOS = ['post', 'status', 'summary', 'list', 'bulk'] as const
const only = new Set(args.only === undefined ? SCENARIOS : args.only.split(',').map((s) => s.trim()))
for (const s of only) {
  if (!(SCENARIOS as readonly string[]).includes(s)) {
    process.stderr.write(`--only: unknown scenario ${s} (known: ${SCENARIOS.join(', ')})\n`)
    process.exit(2)
  }
}
const wanted = (s: typeof SCENARIOS[number]) => only.has(s)

const t0 = Date.now()
// Other work on the machine skews every figure: the report shows the load around the run.
const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)))
const log = (line: string) => { process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`) }

// Everything the run started, undone on any exit path.
let cluster: Cluster | null = null
const cleanups: Array<() => Promise<void>> = []
const tempDirs: string[] = []

function hardCleanup (): void {
  killAllChildren()
  cluster?.stop()
  cluster = null
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true })
}
process.on('exit', hardCleanup)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`)
    hardCleanup()
    process.exit(130)
  })
}

// Bounded in time: dataset (about a minute per 250,000 AEs on 2 cores), 9 runs, starts and stops.
const limitMs = 10 * 60_000 + Math.ceil(size / 250_000) * 90_000 + 10 * (opts.duration + opts.warmup + 30) * 1000
const watchdog = setTimeout(() => {
  log(`time limit of ${(limitMs / 60_000).toFixed(0)} min reached: stopping`)
  hardCleanup()
  process.exit(3)
}, limitMs)

async function freshDatabase (url: string): Promise<{ url: string, sql: Sql, drop: () => Promise<void> }> {
  const name = `dlt_bench_${process.pid}_${randomBytes(3).toString('hex')}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const u = new URL(url)
  u.pathname = `/${name}`
  const sql = postgres(u.toString(), { max: 4, onnotice: () => {} })
  return {
    url: u.toString(),
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 })
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end({ timeout: 5 })
    }
  }
}

/** Per-query figures from pg_stat_statements where the server has it (own cluster: preloaded). */
async function statementStats (sql: Sql): Promise<PgStats> {
  try {
    await sql.unsafe('create extension if not exists pg_stat_statements')
    await sql.unsafe('select pg_stat_statements_reset()')
    return new PgStats(sql)
  } catch {
    log('pg_stat_statements is not available: no per-query figures')
    return new PgStats(null)
  }
}

let built = false

/** The service runs as it is deployed: compiled (`npm run build`), without the TypeScript loader's memory. */
function buildService (): void {
  if (built) return
  log('building the service (npm run build)')
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  built = true
}

async function startService (name: string, env: Record<string, string>, logFile: string): Promise<Child> {
  buildService()
  const port = await freePort()
  // One directory per service; Node names each thread's profile CPU.<date>.<time>.<pid>.<thread>.cpuprofile (thread 0 is the main thread).
  const prof = args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(args['cpu-prof'], name)}`]
  const child = spawnNode({
    name,
    args: [...prof, 'dist/src/server.js'],
    cwd: ROOT,
    port,
    logFile,
    env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000', BULK_ITEM_LIMIT_MAX: '1000000000', DB_POOL_MAX: String(pool), ...env }
  })
  await waitReady(child, '/ready', 180_000)
  return child
}

async function main (): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'dlt-bench-logs.'))
  log(`child process logs in ${logDir} (removed when the run succeeds)`)

  let adminUrl = process.env.DATABASE_URL
  let dbKind: Report['database']['kind'] = 'DATABASE_URL'
  if (adminUrl === undefined || adminUrl === '') {
    cluster = await startCluster(log, args['fast-unsafe'])
    if (cluster === null) throw new Error('no PostgreSQL cluster could be started; set DATABASE_URL to a server where this run may create a database')
    adminUrl = cluster.url
    dbKind = 'own cluster'
  } else if (args['fast-unsafe']) {
    log('--fast-unsafe applies to the own cluster only: DATABASE_URL\'s server keeps its settings')
  }
  const db = await freshDatabase(adminUrl)
  cleanups.push(db.drop)
  const stats = await statementStats(db.sql)
  const [settings] = await db.sql.unsafe<Array<{ v: string, durable: boolean }>>(`
    select 'PostgreSQL ' || current_setting('server_version') || ', fsync=' || current_setting('fsync') ||
      ', synchronous_commit=' || current_setting('synchronous_commit') || ', shared_buffers=' || current_setting('shared_buffers') as v,
      current_setting('fsync') = 'on' and current_setting('synchronous_commit') <> 'off' as durable`)

  const secret = randomBytes(32).toString('base64url')
  const sign = signer(secret)
  const auditKey = randomBytes(32).toString('base64url')
  log('starting the service on PostgreSQL')
  const service = await startService('service', { DATABASE_URL: db.url, JWT_SECRET: secret, AUDIT_HMAC_KEY: auditKey, SEED_ON_START: 'true' }, join(logDir, 'service.log'))
  cleanups.push(async () => { await service.stop() })
  const rss = new RssSampler(service.pid)

  log(`generating the dataset (--size=${size})`)
  const data = await generateDataset(db.sql, new Api(service.url, sign('admin')), size, log)
  log(`dataset ready in ${data.seconds.toFixed(0)} s`)

  log('starting the baseline server')
  const basePort = await freePort()
  const baseline = spawnNode({
    name: 'baseline',
    args: ['--import', 'tsx', 'test/bench/baseline.ts'],
    cwd: ROOT,
    port: basePort,
    logFile: join(logDir, 'baseline.log'),
    env: { DATABASE_URL: db.url, PORT: String(basePort), DB_POOL_MAX: String(pool) }
  })
  cleanups.push(async () => { await baseline.stop() })
  await waitReady(baseline, '/ready', 60_000)

  const edc = sign('edc')
  const monitor = sign('safety_monitor')
  const runs: Record<string, Figures> = {}
  const onService = () => ({
    before: () => { rss.enter('measured') },
    after: () => {
      const peak = rss.phases.get('measured')
      rss.enter(null)
      return peak
    }
  })
  let peakMeasured = 0
  const keep = (figures: Figures[]) => {
    for (const f of figures) {
      peakMeasured = Math.max(peakMeasured, f.peakRssBytes ?? 0)
      runs[f.scenario] = f
    }
  }
  const serviceRun = async (scenario: Scenario) => {
    rss.phases.delete('measured')
    keep([await measure(scenario, opts, stats, log, onService())])
  }
  const checkpoint = async () => { await db.sql.unsafe('checkpoint').catch(() => {}) }

  // Figures that are compared (service and baseline, one trial and another) are measured in
  // alternating slices, so that the machine's drift over the run falls on both alike.
  const ROUNDS = 4
  const isBaseline = (s: Scenario) => s.name.startsWith('baseline')
  const alternate = async (a: Scenario, b: Scenario, statsOf: (s: Scenario) => PgStats = () => stats, sampled = (s: Scenario) => !isBaseline(s)) => {
    rss.phases.delete('measured')
    keep(await measureAlternating(a, b, opts, ROUNDS, statsOf, log, (s) => sampled(s) ? onService() : {}))
  }

  log('measuring')
  // Every write to one trial serialises on its lock: the medium trial's participants, all into it.
  const oneTrial = data.targets.filter((t) => t.trialId === data.medium.trialId)
  if (wanted('post')) {
    await checkpoint()
    await alternate(baselineInsert(baseline.url, data.targets), aePost(service.url, edc, data.targets))
    await checkpoint()
    // What a transaction with a lock and an audit row costs by itself: spread over the trials, and into one.
    runs['baseline locked insert'] = await measure(baselineInsert(baseline.url, data.targets, true), opts, stats, log)
    await checkpoint()
    const lockedOne = baselineInsert(baseline.url, oneTrial, true)
    await alternate(
      { ...lockedOne, name: 'baseline locked insert, one trial', target: `${lockedOne.target}, all into ${data.medium.trialId}` },
      aePost(service.url, edc, oneTrial, 'AE POST, one trial'))
    await checkpoint()
  }
  if (wanted('status') || wanted('summary') || wanted('list')) {
    const select = baselineSelect(baseline.url, data.baselineIds)
    if (wanted('status')) {
      await alternate(select, statusGet(service.url, monitor, data.trials.map((t) => t.trialId), 'status GET', `GET /v1/trials/{trialId}/status, rotating over ${data.trials.length} trials`))
    } else {
      runs['baseline select'] = await measure(select, opts, stats, log)
    }
  }
  if (wanted('status')) {
    await alternate(
      statusGet(service.url, monitor, [data.medium.trialId], 'status GET medium', `GET /v1/trials/${data.medium.trialId}/status (${data.medium.aes} AEs)`),
      statusGet(service.url, monitor, [data.big.trialId], 'status GET big', `GET /v1/trials/${data.big.trialId}/status (${data.big.aes} AEs)`))
  }
  let small: { aes: number } | null = null
  if (wanted('status') && smallSize < size) {
    // The same status GET on a database of smallSize AEs: a second database and service, measured
    // in slices alternating with the first, so that "independent of the number of AEs" is one ratio.
    log(`a second database with ${smallSize} AEs and a second service on it`)
    const smallDb = await freshDatabase(adminUrl)
    cleanups.push(smallDb.drop)
    const smallStats = await statementStats(smallDb.sql)
    const smallService = await startService('service-small', { DATABASE_URL: smallDb.url, JWT_SECRET: secret, AUDIT_HMAC_KEY: auditKey, SEED_ON_START: 'true' }, join(logDir, 'service-small.log'))
    cleanups.push(async () => { await smallService.stop() })
    const smallData = await generateDataset(smallDb.sql, new Api(smallService.url, sign('admin')), smallSize, log)
    const large = statusGet(service.url, monitor, data.trials.map((t) => t.trialId), 'status GET, large database', `GET /v1/trials/{trialId}/status, rotating over ${data.trials.length} trials, ${data.aeTotal} AEs in the database`)
    const smaller = statusGet(smallService.url, monitor, smallData.trials.map((t) => t.trialId), 'status GET, small database', `the same, on a second database and service with ${smallData.aeTotal} AEs`)
    await checkpoint()
    await alternate(large, smaller, (s) => s === smaller ? smallStats : stats, (s) => s === large)
    small = { aes: smallData.aeTotal }
    await smallService.stop()
  }
  if (wanted('bulk')) {
    // The single-row insert is a bulk target's baseline too (AEs/s against its requests/s).
    if (runs['baseline insert'] === undefined) runs['baseline insert'] = await measure(baselineInsert(baseline.url, data.targets), opts, stats, log)
    await checkpoint()
    await alternate(baselineInsertMany(baseline.url, data.targets), aeBatch(service.url, edc, data.targets))
    await checkpoint()
    const records = await seedUpsertRecords(service.url, edc, data.targets, 2 * BULK_ITEMS)
    await serviceRun(aeUpsertBatch(service.url, edc, records))
    await checkpoint()
  }
  if (wanted('summary')) await serviceRun(summaryGet(service.url, monitor, data.big.trialId, data.big.aes))
  if (wanted('list')) await serviceRun(listGet(service.url, monitor, data.big.trialId, data.big.aes))
  rss.stop()

  log('stopping the service and the baseline')
  await baseline.stop()
  await service.stop()

  let pglitePeak: number | undefined
  if (!args['skip-pglite'] && wanted('post')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'dlt-bench-pglite.'))
    tempDirs.push(dataDir)
    log(`starting the service on embedded PGlite (DATA_DIR ${dataDir})`)
    const embedded = await startService('service-pglite', { DATA_DIR: dataDir, JWT_SECRET: secret }, join(logDir, 'service-pglite.log'))
    cleanups.push(async () => { await embedded.stop() })
    const pgRss = new RssSampler(embedded.pid)
    const targets = await generateEmbeddedDataset(new Api(embedded.url, sign('admin')), 10, 10, log)
    pgRss.enter('measured')
    const f = await measure(aePost(embedded.url, edc, targets, 'AE POST (PGlite)'), { ...opts, duration: pgliteDuration }, new PgStats(null), log)
    pglitePeak = pgRss.phases.get('measured')
    pgRss.stop()
    if (pglitePeak !== undefined) f.peakRssBytes = pglitePeak
    runs[f.scenario] = f
    await embedded.stop()
  }

  const ins = runs['baseline insert']
  const sel = runs['baseline select']
  const labelled: Array<[string, Figures | undefined, string]> = [
    ['AE POST', ins, 'AE POST'],
    ['AE POST', runs['baseline locked insert'], `AE POST vs a locked, audited insert (${data.trials.length} trials)`],
    ['AE POST, one trial', runs['baseline locked insert, one trial'], 'AE POST into one trial vs a locked, audited insert into it'],
    ['status GET', sel, 'status GET'],
    ['status GET medium', sel, `status GET, ${data.medium.aes} AEs`],
    ['status GET big', sel, `status GET, ${data.big.aes} AEs`],
    ['status GET, small database', runs['status GET, large database'], `status GET, ${small?.aes ?? 0}-AE database vs ${data.aeTotal}`],
    ['summary GET', sel, `summary GET, ${data.big.aes} AEs`],
    ['AE list page GET', sel, `AE list page GET, ${data.big.aes} AEs`],
    ['AE batch', runs['baseline insert many'], `AE batch of ${BULK_ITEMS} new AEs vs a ${BULK_ITEMS}-row INSERT (ratio = rows/s)`],
    ['AE upsert batch', runs['baseline insert many'], `AE batch of ${BULK_ITEMS} upserts, half unchanged, vs a ${BULK_ITEMS}-row INSERT`],
    ['AE POST (PGlite)', ins, `AE POST on PGlite (${pgliteDuration} s)`],
    ['baseline insert', undefined, 'baseline insert'],
    ['baseline locked insert', undefined, 'baseline locked insert'],
    ['baseline locked insert, one trial', undefined, 'baseline locked insert, one trial'],
    ['baseline select', undefined, 'baseline select'],
    ['baseline insert many', undefined, `baseline ${BULK_ITEMS}-row insert`]
  ]
  const rows = labelled.filter(([name]) => runs[name] !== undefined).map(([name, base, label]) => row(runs[name]!, base, label))
  const report: Report = {
    startedAt: new Date(t0).toISOString(),
    machine: {
      cpus: cpus().length,
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      node: process.version,
      platform: process.platform,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2)))
    },
    options: { size, ...opts, pool, pgliteDuration, skipPglite: args['skip-pglite'], only: [...only] },
    database: { kind: dbKind, settings: settings!.v, durability: settings!.durable ? 'durable' : 'fast-unsafe' },
    dataset: {
      aeTotal: data.aeTotal,
      participants: data.participantTotal,
      trials: data.trials.length,
      bigTrial: { trialId: data.big.trialId, aes: data.big.aes },
      mediumTrial: { trialId: data.medium.trialId, aes: data.medium.aes },
      seconds: data.seconds,
      notes: [
        'bulk-loaded participants, administrations and AEs have no audit, version or decision rows; each trial\'s creation and its last enrolment and administration went through the API (audited, status evaluated)',
        'bulk AEs are classified by src/domain/dlt.ts and participants\' DLT facts summed from those verdicts, as the write path stores them',
        `service and baseline share the database, the pool size (${pool}) and the machine with autocannon and PostgreSQL`,
        `AE POST and the baseline insert, status GET and the baseline select, the status GETs of the medium and big trials, and the status GETs on the large and the small database are measured in ${ROUNDS} alternating slices each (the duration split between them), so that drift in the machine's load falls on both figures of a ratio`,
        `AE POSTs rotate over all ${data.targets.length} participants of the synthetic trials (one trial: the ${oneTrial.length} of ${data.medium.trialId}); status GETs use a safety_monitor token, AE POSTs an edc token`,
        'PGlite: 10 trials x 10 participants made through the API; its ratio is against the PostgreSQL baseline insert'
      ]
    },
    runs,
    rows,
    peakRssBytes: { measuredRuns: peakMeasured, wholeRun: rss.peak, ...(pglitePeak === undefined ? {} : { pgliteService: pglitePeak }) },
    targets: checkTargets(runs, peakMeasured, data.big.aes, data.medium.aes, small?.aes, data.aeTotal)
  }
  process.stdout.write(formatTable(report))
  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n')
    log(`figures written to ${args.json}`)
  }
  tempDirs.push(logDir)
}

let code = 0
try {
  await main()
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`)
  code = 1
} finally {
  for (const undo of cleanups.reverse()) {
    try { await undo() } catch (error) { log(`cleanup: ${(error as Error).message}`) }
  }
  clearTimeout(watchdog)
  hardCleanup()
}
process.exit(code)
