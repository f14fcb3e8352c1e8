// The measured scenarios: autocannon runs whose requests rotate over trials,
// participants and pages, plus what the database did meanwhile
// (pg_stat_statements, when the cluster has it).
import autocannon, { type RawRequest, type Result } from 'autocannon'
import type { Sql } from 'postgres'
import { encodeCursor } from '../../src/http/pagination.js'
import type { AeTarget } from './dataset.js'
import { DAY_MS, dayOf, drawAe, pickInt, random, todayMs } from './workload.js'

export interface RunOptions { connections: number, duration: number, warmup: number }

export interface QueryStat { query: string, calls: number, totalMs: number, meanMs: number, rows: number }

export interface Figures {
  scenario: string
  target: string
  requestsPerSecond: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  requests: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  durationS: number
  /** the service's peak RSS during this run, bytes (service scenarios only) */
  peakRssBytes?: number
  /** statements per request and the statements with most total time, when pg_stat_statements is loaded */
  db?: { statementsPerRequest: number, dbMsPerRequest: number, top: QueryStat[] }
}

export interface Scenario {
  name: string
  /** what it measures, in words, for the report */
  target: string
  base: string
  headers: Record<string, string>
  /** the request each call sends: path, method, body */
  next: () => RawRequest
  /** concurrent connections, where the scenario's clients are fewer than --connections (bulk syncs) */
  connections?: number
}

// An EDC's nightly syncs: a few clients, each sending large batches (64 would queue 32,000 AEs at once).
const SYNC_CLIENTS = 4

const json = { 'content-type': 'application/json' }

async function fire (scenario: Scenario, connections: number, duration: number): Promise<Result> {
  return await autocannon({
    url: scenario.base,
    connections,
    duration,
    timeout: 30,
    headers: scenario.headers,
    requests: [{ setupRequest: (req) => ({ ...req, ...scenario.next() }) }]
  })
}

export class PgStats {
  constructor (private readonly sql: Sql | null) {}

  async reset (): Promise<void> {
    if (this.sql === null) return
    await this.sql.unsafe('select pg_stat_statements_reset()')
  }

  async read (requests: number): Promise<Figures['db']> {
    if (this.sql === null || requests === 0) return undefined
    const rows = await this.sql.unsafe<Array<{ query: string, calls: string, total: number, rows: string }>>(`
      select query, calls, total_exec_time as total, rows from pg_stat_statements
      where query not ilike '%pg_stat_statements%' and dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc`)
    const calls = rows.reduce((n, r) => n + Number(r.calls), 0)
    const total = rows.reduce((n, r) => n + r.total, 0)
    return {
      statementsPerRequest: calls / requests,
      dbMsPerRequest: total / requests,
      top: rows.slice(0, 8).map((r) => ({
        query: r.query.replace(/\s+/g, ' ').slice(0, 300),
        calls: Number(r.calls),
        totalMs: Math.round(r.total),
        meanMs: Number((r.total / Number(r.calls)).toFixed(3)),
        rows: Number(r.rows)
      }))
    }
  }
}

/** What brackets a measured run: the service's RSS phase; `after` returns the phase's peak. */
export interface Around { before?: () => void, after?: () => number | undefined }

/** Warm-up, then the measured run; `around` brackets the measured run (RSS phase, statement stats). */
export async function measure (
  scenario: Scenario, opts: RunOptions, stats: PgStats, log: (line: string) => void, around: Around = {}
): Promise<Figures> {
  if (opts.warmup > 0) {
    log(`  ${scenario.name}: warm-up ${opts.warmup} s`)
    await fire(scenario, scenario.connections ?? opts.connections, opts.warmup)
  }
  await stats.reset()
  around.before?.()
  const connections = scenario.connections ?? opts.connections
  log(`  ${scenario.name}: ${opts.duration} s x ${connections} connections`)
  const r = await fire(scenario, connections, opts.duration)
  const peak = around.after?.()
  const requests = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx']
  const figures: Figures = {
    scenario: scenario.name,
    target: scenario.target,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, Number(v.count)])),
    durationS: r.duration,
    ...(peak === undefined ? {} : { peakRssBytes: peak })
  }
  const db = await stats.read(requests)
  if (db !== undefined) figures.db = db
  log(`  ${scenario.name}: ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${figures.non2xx}, errors ${figures.errors}`)
  return figures
}

/**
 * Two scenarios measured in alternating slices (A B A B …, `rounds` of each,
 * the duration split between them), so that drift in the machine's load
 * falls on both alike: for figures that are compared with each other.
 * Requests/s is over all slices; latency percentiles are the median of the
 * slices', and the statement figures those of the first slice.
 */
export async function measureAlternating (
  a: Scenario, b: Scenario, opts: RunOptions, rounds: number, stats: PgStats | ((scenario: Scenario) => PgStats), log: (line: string) => void,
  around: (scenario: Scenario) => Around = () => ({})
): Promise<[Figures, Figures]> {
  const slice = { ...opts, duration: Math.max(1, Math.round(opts.duration / rounds)) }
  const slices: [Figures[], Figures[]] = [[], []]
  const statsOf = typeof stats === 'function' ? stats : () => stats
  for (let r = 0; r < rounds; r++) {
    for (const [i, scenario] of [a, b].entries()) {
      slices[i]!.push(await measure(scenario, { ...slice, warmup: r === 0 ? opts.warmup : 0 }, statsOf(scenario), log, around(scenario)))
    }
  }
  return [combine(slices[0]), combine(slices[1])]
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function combine (slices: Figures[]): Figures {
  const first = slices[0]!
  const sum = (f: (x: Figures) => number) => slices.reduce((n, x) => n + f(x), 0)
  const durationS = sum((x) => x.durationS)
  const statusCodes: Record<string, number> = {}
  for (const x of slices) for (const [code, n] of Object.entries(x.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n
  const peaks = slices.map((x) => x.peakRssBytes).filter((x): x is number => x !== undefined)
  return {
    scenario: first.scenario,
    target: `${first.target}; ${slices.length} alternating slices`,
    requestsPerSecond: sum((x) => x.requests) / durationS,
    p50Ms: median(slices.map((x) => x.p50Ms)),
    p90Ms: median(slices.map((x) => x.p90Ms)),
    p99Ms: median(slices.map((x) => x.p99Ms)),
    maxMs: Math.max(...slices.map((x) => x.maxMs)),
    requests: sum((x) => x.requests),
    non2xx: sum((x) => x.non2xx),
    errors: sum((x) => x.errors),
    timeouts: sum((x) => x.timeouts),
    statusCodes,
    durationS,
    ...(peaks.length === 0 ? {} : { peakRssBytes: Math.max(...peaks) }),
    ...(first.db === undefined ? {} : { db: first.db })
  }
}

/** A valid new AE for a participant: today or up to a week ago, grade 1-3, not serious (no SAE stopping rule fires). */
export function aeBody (rand: () => number, t: AeTarget) {
  const d = drawAe(rand)
  const onset = todayMs() - pickInt(rand, 0, 6) * DAY_MS
  return {
    participantId: t.participantId,
    term: d.entry.term,
    grade: d.grade,
    onsetDate: dayOf(onset),
    ...(d.resolvedAfterDays !== null && onset + d.resolvedAfterDays * DAY_MS <= todayMs() ? { resolvedDate: dayOf(onset + d.resolvedAfterDays * DAY_MS) } : {}),
    serious: false,
    attribution: d.attribution,
    clinicalSymptoms: d.clinicalSymptoms,
    requiredMedicalTreatment: d.requiredMedicalTreatment
  }
}

const rotate = <T>(items: T[]) => {
  let i = 0
  return () => items[i++ % items.length]!
}

export function aePost (base: string, token: string, targets: AeTarget[], name = 'AE POST'): Scenario {
  const rand = random(7)
  const nextTarget = rotate(targets)
  return {
    name,
    target: `POST /v1/trials/{trialId}/adverse-events, rotating over ${targets.length} participants`,
    base,
    headers: { ...json, authorization: `Bearer ${token}` },
    next: () => {
      const t = nextTarget()
      return { method: 'POST', path: `/v1/trials/${t.trialId}/adverse-events`, body: JSON.stringify(aeBody(rand, t)) }
    }
  }
}

/** POST /insert (bare) or, with `locked`, POST /insert-locked (trial lock, AE row and audit row in one transaction). */
export function baselineInsert (base: string, targets: AeTarget[], locked = false): Scenario {
  const rand = random(7)
  const nextTarget = rotate(targets)
  return {
    name: locked ? 'baseline locked insert' : 'baseline insert',
    target: locked
      ? 'POST /insert-locked (one transaction: the trial row locked, one row as wide as adverse_events, one audit row)'
      : 'POST /insert (one row, same width as adverse_events)',
    base,
    headers: json,
    next: () => {
      const t = nextTarget()
      const d = drawAe(rand)
      const body = { ...aeBody(rand, t), trialId: t.trialId, siteId: t.siteId, doseLevel: t.doseLevel, term: d.entry.term, meddraCode: d.entry.meddraCode, soc: d.entry.soc }
      return { method: 'POST', path: locked ? '/insert-locked' : '/insert', body: JSON.stringify(body) }
    }
  }
}

export function baselineSelect (base: string, ids: string[]): Scenario {
  const nextId = rotate(ids)
  return { name: 'baseline select', target: 'GET /select/:id (one row by primary key)', base, headers: {}, next: () => ({ method: 'GET', path: `/select/${nextId()}` }) }
}

export function statusGet (base: string, token: string, trialIds: string[], name: string, target: string): Scenario {
  const nextTrial = rotate(trialIds)
  return {
    name,
    target,
    base,
    headers: { authorization: `Bearer ${token}` },
    next: () => ({ method: 'GET', path: `/v1/trials/${nextTrial()}/status` })
  }
}

export function summaryGet (base: string, token: string, trialId: string, aes: number): Scenario {
  return {
    name: 'summary GET',
    target: `GET /v1/trials/${trialId}/summary (${aes} AEs)`,
    base,
    headers: { authorization: `Bearer ${token}` },
    next: () => ({ method: 'GET', path: `/v1/trials/${trialId}/summary` })
  }
}

/** One page of 50: a quarter first pages, the rest pages starting at a random onset date (a cursor the service could have issued). */
export function listGet (base: string, token: string, trialId: string, aes: number): Scenario {
  const rand = random(11)
  const span = 400
  let i = 0
  return {
    name: 'AE list page GET',
    target: `GET /v1/trials/${trialId}/adverse-events?limit=50 (${aes} AEs; 1/4 first page, 3/4 cursor pages)`,
    base,
    headers: { authorization: `Bearer ${token}` },
    next: () => {
      const path = `/v1/trials/${trialId}/adverse-events?limit=50`
      if (i++ % 4 === 0) return { method: 'GET', path }
      const cursor = encodeCursor([dayOf(todayMs() - pickInt(rand, 1, span) * DAY_MS), '00000000-0000-0000-0000-000000000000'])
      return { method: 'GET', path: `${path}&cursor=${cursor}` }
    }
  }
}

/** Items per request of the bulk scenarios (the targets are stated for 500). */
export const BULK_ITEMS = 500

const byTrial = (targets: AeTarget[]) => {
  const trials = new Map<string, AeTarget[]>()
  for (const t of targets) trials.set(t.trialId, [...trials.get(t.trialId) ?? [], t])
  return [...trials.values()]
}

/** POST …/adverse-events/batch: `items` new AEs of one trial per request (atomic), over the trials in turn. */
export function aeBatch (base: string, token: string, targets: AeTarget[], items = BULK_ITEMS): Scenario {
  const rand = random(13)
  const nextTrial = rotate(byTrial(targets))
  return {
    name: 'AE batch',
    connections: SYNC_CLIENTS,
    target: `POST /v1/trials/{trialId}/adverse-events/batch, ${items} new AEs per request (atomic, Prefer: return=minimal), rotating over trials`,
    base,
    headers: { ...json, authorization: `Bearer ${token}`, prefer: 'return=minimal' },
    next: () => {
      const people = nextTrial()
      const body = { mode: 'atomic', items: Array.from({ length: items }, (_, i) => aeBody(rand, people[i % people.length]!)) }
      return { method: 'POST', path: `/v1/trials/${people[0]!.trialId}/adverse-events/batch`, body: JSON.stringify(body) }
    }
  }
}

/** POST /insert-many: `items` rows as wide as adverse_events in one multi-row INSERT per request. */
export function baselineInsertMany (base: string, targets: AeTarget[], items = BULK_ITEMS): Scenario {
  const rand = random(13)
  const nextTarget = rotate(targets)
  return {
    name: 'baseline insert many',
    connections: SYNC_CLIENTS,
    target: `POST /insert-many (${items} rows, same width as adverse_events, one multi-row INSERT)`,
    base,
    headers: json,
    next: () => {
      const rows = Array.from({ length: items }, () => {
        const t = nextTarget()
        const d = drawAe(rand)
        return { ...aeBody(rand, t), siteId: t.siteId, doseLevel: t.doseLevel, term: d.entry.term, meddraCode: d.entry.meddraCode, soc: d.entry.soc }
      })
      return { method: 'POST', path: '/insert-many', body: JSON.stringify({ rows }) }
    }
  }
}

/** An AE the upsert scenario keeps in step with the service: its externalId and the create body last sent. */
export interface UpsertRecord { trialId: string, body: ReturnType<typeof aeBody> & { externalId: string, actionTaken?: string } }

/** Stores `perTrial` AEs with externalIds in each of up to `trials` trials through the batch route: the upsert scenario's records. */
export async function seedUpsertRecords (base: string, token: string, targets: AeTarget[], perTrial: number, trials = 4): Promise<UpsertRecord[][]> {
  const rand = random(17)
  const groups = byTrial(targets).slice(0, trials)
  const all: UpsertRecord[][] = []
  for (const people of groups) {
    const trialId = people[0]!.trialId
    const records = Array.from({ length: perTrial }, (_, i): UpsertRecord => ({
      trialId, body: { ...aeBody(rand, people[i % people.length]!), externalId: `bench-upsert-${trialId}-${i}` }
    }))
    for (let at = 0; at < records.length; at += BULK_ITEMS) {
      const res = await fetch(`${base}/v1/trials/${trialId}/adverse-events/batch`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${token}` },
        body: JSON.stringify({ mode: 'atomic', items: records.slice(at, at + BULK_ITEMS).map((r) => r.body) })
      })
      if (res.status !== 200) throw new Error(`seeding the upsert records of ${trialId}: ${res.status} ${await res.text()}`)
    }
    all.push(records)
  }
  return all
}

/**
 * POST …/adverse-events/batch of `items` upserts by externalId of stored
 * AEs, half of them the same as stored (nothing written) and half changed
 * (actionTaken toggled: a new version, its audit row, the participant
 * re-classified).
 */
export function aeUpsertBatch (base: string, token: string, trials: UpsertRecord[][], items = BULK_ITEMS): Scenario {
  const nextTrial = rotate(trials)
  const offsets = new Map<UpsertRecord[], number>()
  return {
    name: 'AE upsert batch',
    connections: SYNC_CLIENTS,
    target: `POST /v1/trials/{trialId}/adverse-events/batch, ${items} upserts by externalId per request, half unchanged (Prefer: return=minimal)`,
    base,
    headers: { ...json, authorization: `Bearer ${token}`, prefer: 'return=minimal' },
    next: () => {
      const records = nextTrial()
      const from = offsets.get(records) ?? 0
      offsets.set(records, (from + items) % records.length)
      const batch = Array.from({ length: items }, (_, i) => {
        const record = records[(from + i) % records.length]!
        if (i % 2 === 1) record.body = { ...record.body, actionTaken: record.body.actionTaken === 'dose held' ? 'none' : 'dose held' }
        return { ...record.body, upsert: true, reason: 'EDC nightly sync' }
      })
      return { method: 'POST', path: `/v1/trials/${records[0]!.trialId}/adverse-events/batch`, body: JSON.stringify({ mode: 'independent', items: batch }) }
    }
  }
}
