// The one table `npm run bench` prints, the targets of issue 9 checked
// against it, and the JSON written with --json.
import { BULK_ITEMS, type Figures } from './scenarios.js'

export interface Report {
  startedAt: string
  machine: { cpus: number, memoryMb: number, node: string, platform: string, loadAverageAtStart: number[], loadAverageAtEnd: number[] }
  options: Record<string, unknown>
  /** durable: every commit waits for its WAL flush (fsync and synchronous_commit on), as in production */
  database: { kind: 'own cluster' | 'DATABASE_URL', settings: string, durability: 'durable' | 'fast-unsafe' }
  dataset: { aeTotal: number, participants: number, trials: number, bigTrial: { trialId: string, aes: number }, mediumTrial: { trialId: string, aes: number }, seconds: number, notes: string[] }
  runs: Record<string, Figures>
  rows: Row[]
  peakRssBytes: { measuredRuns: number, wholeRun: number, pgliteService?: number }
  targets: Array<{ target: string, value: string, pass: boolean | null }>
}

export interface Row {
  scenario: string
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  baseline: string | null
  baselineRequestsPerSecond: number | null
  ratio: number | null
  baselineP99Ms: number | null
  p99Ratio: number | null
  non2xx: number
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

export function row (f: Figures, baseline: Figures | undefined, label = f.scenario): Row {
  return {
    scenario: label,
    requestsPerSecond: f.requestsPerSecond,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    baseline: baseline?.scenario ?? null,
    baselineRequestsPerSecond: baseline?.requestsPerSecond ?? null,
    ratio: baseline === undefined ? null : f.requestsPerSecond / baseline.requestsPerSecond,
    baselineP99Ms: baseline?.p99Ms ?? null,
    p99Ratio: baseline === undefined ? null : f.p99Ms / baseline.p99Ms,
    non2xx: f.non2xx + f.errors
  }
}

export function checkTargets (
  runs: Record<string, Figures>, peakMeasured: number, bigAes: number, mediumAes: number, smallDatabaseAes: number | undefined, databaseAes: number
): Report['targets'] {
  const t: Report['targets'] = []
  const post = runs['AE POST']
  const ins = runs['baseline insert']
  const sel = runs['baseline select']
  if (post !== undefined && ins !== undefined) {
    const r = post.requestsPerSecond / ins.requestsPerSecond
    t.push({ target: 'AE POST throughput >= 0.5 x baseline insert', value: r.toFixed(2), pass: r >= 0.5 })
    const p = post.p99Ms / ins.p99Ms
    t.push({ target: 'AE POST p99 <= 3 x baseline insert p99', value: p.toFixed(2), pass: p <= 3 })
  }
  // Issue 19: group commit makes a trial's writes share their commit's flush (stated with durable commits).
  const locked = runs['baseline locked insert']
  if (post !== undefined && locked !== undefined) {
    const r = post.requestsPerSecond / locked.requestsPerSecond
    t.push({ target: 'AE POST spread over the trials >= 0.8 x locked, audited insert', value: r.toFixed(2), pass: r >= 0.8 })
  }
  const postOne = runs['AE POST, one trial']
  const lockedOne = runs['baseline locked insert, one trial']
  if (postOne !== undefined && lockedOne !== undefined) {
    const r = postOne.requestsPerSecond / lockedOne.requestsPerSecond
    t.push({ target: 'AE POST into one trial >= 1.0 x locked, audited insert into it', value: r.toFixed(2), pass: r >= 1.0 })
  }
  const batch = runs['AE batch']
  const many = runs['baseline insert many']
  const upserts = runs['AE upsert batch']
  if (batch !== undefined && ins !== undefined) {
    const r = batch.requestsPerSecond * BULK_ITEMS / ins.requestsPerSecond
    t.push({ target: `AE batch (${BULK_ITEMS} new AEs): AEs/s >= 1.0 x baseline single-row insert req/s`, value: r.toFixed(2), pass: r >= 1 })
  }
  if (batch !== undefined && many !== undefined) {
    const r = batch.requestsPerSecond / many.requestsPerSecond
    t.push({ target: `AE batch (${BULK_ITEMS} new AEs): AEs/s >= 0.25 x baseline multi-row insert rows/s`, value: r.toFixed(2), pass: r >= 0.25 })
  }
  if (upserts !== undefined && many !== undefined) {
    const r = upserts.requestsPerSecond / many.requestsPerSecond
    t.push({ target: `AE upsert batch (${BULK_ITEMS} by externalId, half unchanged): AEs/s >= 0.3 x baseline multi-row insert rows/s`, value: r.toFixed(2), pass: r >= 0.3 })
  }
  const status = runs['status GET']
  if (status !== undefined && sel !== undefined) {
    const r = status.requestsPerSecond / sel.requestsPerSecond
    t.push({ target: 'status GET throughput >= 0.8 x baseline select', value: r.toFixed(2), pass: r >= 0.8 })
  }
  const medium = runs['status GET medium']
  const big = runs['status GET big']
  if (medium !== undefined && big !== undefined) {
    const d = Math.abs(big.requestsPerSecond - medium.requestsPerSecond) / medium.requestsPerSecond
    t.push({ target: `status GET independent of AEs (${mediumAes} vs ${bigAes} AEs in the trial, within 10%)`, value: `${(d * 100).toFixed(1)}%`, pass: d <= 0.1 })
  }
  const large = runs['status GET, large database']
  const small = runs['status GET, small database']
  if (large !== undefined && small !== undefined) {
    const d = Math.abs(large.requestsPerSecond - small.requestsPerSecond) / small.requestsPerSecond
    t.push({ target: `status GET independent of AEs (${smallDatabaseAes ?? '?'} vs ${databaseAes} AEs in the database, within 10%)`, value: `${(d * 100).toFixed(1)}%`, pass: d <= 0.1 })
  }
  const summary = runs['summary GET']
  if (summary !== undefined) {
    t.push({
      target: `summary GET p50 < 50 ms (trial with ${bigAes} AEs${bigAes < 100_000 ? '; the target is stated for 100,000: run --size=125000 or more' : ''})`,
      value: `${summary.p50Ms} ms`,
      pass: bigAes >= 100_000 ? summary.p50Ms < 50 : null
    })
  }
  t.push({ target: 'service RSS < 300 MB during the runs', value: mb(peakMeasured), pass: peakMeasured < 300 * 1024 * 1024 })
  return t
}

const pad = (s: string, n: number, right = false) => right ? s.padStart(n) : s.padEnd(n)
const num = (n: number | null, digits = 0) => n === null ? '-' : n.toFixed(digits)

export function formatTable (report: Report): string {
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'baseline', 'baseline req/s', 'ratio', 'baseline p99', 'p99 ratio', 'non-2xx']
  const cells = report.rows.map((r) => [
    r.scenario, num(r.requestsPerSecond), num(r.p50Ms), num(r.p99Ms), r.baseline ?? '-', num(r.baselineRequestsPerSecond),
    num(r.ratio, 2), num(r.baselineP99Ms), num(r.p99Ratio, 2), String(r.non2xx)
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const fmt = (c: string[]) => '| ' + c.map((v, i) => pad(v, widths[i]!, i > 0 && i !== 4)).join(' | ') + ' |'
  const lines = [
    `dlt-safety-backend benchmark, ${report.startedAt}: ${report.machine.cpus} CPUs, node ${report.machine.node}, ` +
      `${report.database.kind} (${report.database.settings})`,
    report.database.durability === 'durable'
      ? 'durability: production (fsync and synchronous_commit on: every commit waits for its flush)'
      : 'durability: FAST-UNSAFE (commits do not wait for a durable flush): write figures are not production\'s',
    `dataset: ${report.dataset.aeTotal} AEs, ${report.dataset.participants} participants, ${report.dataset.trials} synthetic trials + 5 seed trials; ` +
      `big ${report.dataset.bigTrial.trialId} ${report.dataset.bigTrial.aes} AEs, medium ${report.dataset.mediumTrial.trialId} ${report.dataset.mediumTrial.aes} AEs ` +
      `(built in ${report.dataset.seconds.toFixed(0)} s)`,
    `runs: ${String(report.options.connections)} connections, ${String(report.options.duration)} s after a ${String(report.options.warmup)} s warm-up; ` +
      `load average ${report.machine.loadAverageAtStart.join(' ')} at start, ${report.machine.loadAverageAtEnd.join(' ')} at end ` +
      '(other work on the machine skews the figures; ratios within one run less so)',
    '',
    fmt(head),
    '|' + widths.map((w, i) => (i > 0 && i !== 4 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|',
    ...cells.map(fmt),
    '',
    `peak RSS of the service: ${mb(report.peakRssBytes.measuredRuns)} during the measured runs, ${mb(report.peakRssBytes.wholeRun)} over the whole run` +
      (report.peakRssBytes.pgliteService === undefined ? '' : ` (embedded PGlite service: ${mb(report.peakRssBytes.pgliteService)})`),
    '',
    'targets:',
    ...report.targets.map((t) => `  [${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'}] ${t.target}: ${t.value}`),
    '',
    'notes:',
    ...report.dataset.notes.map((n) => `  - ${n}`)
  ]
  const withDb = Object.values(report.runs).filter((f) => f.db !== undefined)
  if (withDb.length > 0) {
    lines.push('', 'database time per scenario (pg_stat_statements):')
    for (const f of withDb) {
      lines.push(`  ${f.scenario}: ${f.db!.statementsPerRequest.toFixed(1)} statements and ${f.db!.dbMsPerRequest.toFixed(2)} ms of execution per request; most time in:`)
      for (const q of f.db!.top.slice(0, 4)) lines.push(`    ${q.totalMs} ms, ${q.calls} calls, ${q.meanMs} ms each, ${q.rows} rows: ${q.query.slice(0, 160)}`)
    }
  }
  return lines.join('\n') + '\n'
}
