// The benchmark's dataset on PostgreSQL: 100 synthetic trials (the
// NCT07295067 seed protocol under other trialIds) next to the five seed
// trials, 5,000 participants with one administration each, and --size AEs.
//
// Trials are created through the API (protocol version, audit, status).
// Participants, administrations and AEs are bulk-loaded with COPY straight
// into the service's tables: each AE is classified by the service's own DLT
// classifier (src/domain/dlt.ts) and each participant's DLT facts (dlt_count,
// worst_grade, ...) are summed from those verdicts, exactly what the write
// path would have stored. Then one more participant per trial is enrolled
// and dosed through the API, so that the real status service evaluates each
// trial over the bulk rows. Bulk rows have no audit, version or decision rows
// (the report says so).
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql } from 'postgres'
import { uuidv7 } from 'uuidv7'
import { classifyAe } from '../../src/domain/dlt.js'
import { parseProtocol, type Attribution, type Protocol } from '../../src/domain/protocol.js'
import { nct07295067 as seedTrial } from '../helpers/reference-trials.js'
import { SITES, type Api } from './api.js'
import { BASELINE_TRIAL, DAY_MS, dayOf, drawAe, pickInt, random, todayMs } from './workload.js'

export const BENCH_PROTOCOL = seedTrial.protocol

export interface TrialPlan {
  trialId: string
  kind: 'big' | 'medium' | 'regular'
  /** participants in all, the last one enrolled through the API */
  participants: number
  aes: number
}

export interface AeTarget { trialId: string, participantId: string, siteId: string, doseLevel: number }

export interface Dataset {
  trials: TrialPlan[]
  big: TrialPlan
  medium: TrialPlan
  /** every participant of the synthetic trials: who AE POSTs are reported for */
  targets: AeTarget[]
  aeTotal: number
  participantTotal: number
  /** primary keys of bench_baseline rows, for GET /select/:id */
  baselineIds: string[]
  seconds: number
}

const TRIALS = 100
const PARTICIPANTS = 5000
// The big trial (summary and list target) and the medium one (the status
// figure "at 10,000 AEs") get fixed shares; the rest is spread evenly. Both
// have the same participants, so that they differ in their AEs only.
const BIG_PARTICIPANTS = 500
const MEDIUM_PARTICIPANTS = BIG_PARTICIPANTS

const trialId = (i: number) => `BENCH-${String(i).padStart(3, '0')}`
const participantId = (seq: number) => `P-${String(seq).padStart(4, '0')}`

/** How --size AEs are spread: big = min(100,000, 80%), medium = min(10,000, 10%), the rest evenly over 98 trials. */
export function planTrials (size: number): TrialPlan[] {
  const big = Math.min(100_000, Math.floor(size * 0.8))
  const medium = Math.min(10_000, Math.floor(size * 0.1))
  const rest = size - big - medium
  const regular = TRIALS - 2
  const restParticipants = PARTICIPANTS - BIG_PARTICIPANTS - MEDIUM_PARTICIPANTS
  return Array.from({ length: TRIALS }, (_, i): TrialPlan => {
    if (i === 0) return { trialId: trialId(i), kind: 'big', participants: BIG_PARTICIPANTS, aes: big }
    if (i === 1) return { trialId: trialId(i), kind: 'medium', participants: MEDIUM_PARTICIPANTS, aes: medium }
    const r = i - 2
    return {
      trialId: trialId(i),
      kind: 'regular',
      participants: Math.floor(restParticipants / regular) + (r < restParticipants % regular ? 1 : 0),
      aes: Math.floor(rest / regular) + (r < rest % regular ? 1 : 0)
    }
  })
}

interface BulkParticipant {
  trialId: string
  participantId: string
  siteId: string
  doseLevel: number
  enrolledOn: string
  seq: number
  administeredAt: string
  aes: number
  dltCount: number
  worstGrade: number | null
}

/** Dose levels 1-3 in enrolment order (cohorts escalate), enrolments 400 to 31 days ago, dosed the next day. */
function bulkParticipants (t: TrialPlan, rand: () => number): BulkParticipant[] {
  const n = t.participants - 1
  const today = todayMs()
  return Array.from({ length: n }, (_, i) => {
    const enrolled = today - Math.round((400 - (i * 369) / Math.max(1, n - 1)) * DAY_MS)
    return {
      trialId: t.trialId,
      participantId: participantId(i + 1),
      siteId: SITES[pickInt(rand, 0, SITES.length - 1)]!,
      doseLevel: 1 + Math.min(2, Math.floor((i * 3) / n)),
      enrolledOn: dayOf(enrolled),
      seq: i + 1,
      administeredAt: new Date(enrolled + DAY_MS + 9 * 3600_000).toISOString(),
      aes: Math.floor(t.aes / n) + (i < t.aes % n ? 1 : 0),
      dltCount: 0,
      worstGrade: null
    }
  })
}

// COPY text format: tab-separated, \N for null, backslash escapes.
const field = (v: string | number | boolean | null) =>
  v === null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
const line = (values: Array<string | number | boolean | null>) => values.map(field).join('\t') + '\n'

const AE_COLUMNS = [
  'trial_id', 'ae_id', 'participant_id', 'site_id', 'dose_level', 'version', 'ctcae_version', 'meddra_code', 'term', 'soc',
  'grade', 'onset_date', 'resolved_date', 'serious', 'seriousness_criteria', 'attribution', 'clinical_symptoms',
  'required_medical_treatment', 'outcome', 'aware_at', 'dlt_computed', 'dlt_pending', 'dlt_reasons', 'dlt_pending_until',
  'dlt_protocol_version', 'is_dlt', 'dlt_verdict', 'dlt_grade', 'created_by', 'created_at', 'updated_at'
]

/** Every AE of every bulk participant, classified; updates the participants' DLT facts as it goes. */
async function * aeLines (people: BulkParticipant[], protocol: Protocol, rand: () => number, asOf: string, progress: (n: number) => void) {
  const today = todayMs()
  let chunk = ''
  let n = 0
  for (const p of people) {
    const adminDay = Date.parse(p.administeredAt.slice(0, 10) + 'T00:00:00.000Z')
    const span = Math.max(0, Math.round((today - DAY_MS - adminDay) / DAY_MS))
    for (let k = 0; k < p.aes; k++) {
      const d = drawAe(rand)
      const onsetMs = adminDay + pickInt(rand, 0, span) * DAY_MS
      const onsetDate = dayOf(onsetMs)
      const resolvedDate = d.resolvedAfterDays === null || onsetMs + d.resolvedAfterDays * DAY_MS > today
        ? null
        : dayOf(onsetMs + d.resolvedAfterDays * DAY_MS)
      const aeId = uuidv7()
      const verdict = classifyAe(protocol.dltDefinition, {
        aeId,
        participantId: p.participantId,
        meddraCode: d.entry.meddraCode,
        term: d.entry.term,
        soc: d.entry.soc,
        grade: d.grade,
        onsetDate,
        resolvedDate,
        serious: false,
        attribution: d.attribution as Attribution,
        clinicalSymptoms: d.clinicalSymptoms,
        requiredMedicalTreatment: d.requiredMedicalTreatment,
        adjudication: null
      // This protocol has no withConcurrent criterion, so the other AEs do not change a verdict.
      }, { administrations: [{ administeredAt: p.administeredAt }], otherAes: [], asOf })
      if (verdict.pending) throw new Error('the bench protocol has no duration criteria: no AE can be pending')
      if (verdict.isDlt) p.dltCount++
      if (p.worstGrade === null || d.grade > p.worstGrade) p.worstGrade = d.grade
      const aware = new Date(onsetMs + DAY_MS + 12 * 3600_000).toISOString()
      chunk += line([
        p.trialId, aeId, p.participantId, p.siteId, p.doseLevel, 1, '5.0', d.entry.meddraCode, d.entry.term, d.entry.soc,
        d.grade, onsetDate, resolvedDate, false, '[]', d.attribution, d.clinicalSymptoms, d.requiredMedicalTreatment,
        resolvedDate === null ? 'not_recovered' : 'recovered', aware, verdict.computed.isDlt, false, JSON.stringify(verdict.reasons),
        null, 1, verdict.isDlt, verdict.verdict, d.grade, 'bench-bulk', aware, aware
      ])
      if (++n % 2000 === 0) {
        yield chunk
        chunk = ''
        progress(n)
      }
    }
  }
  if (chunk !== '') yield chunk
  progress(n)
}

async function copyInto (sql: Sql, table: string, columns: string[], source: AsyncIterable<string> | Iterable<string>): Promise<void> {
  const writable = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable()
  await pipeline(Readable.from(source), writable)
}

async function inBatches<T> (items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await work(items[next++]!)
  }))
}

export async function generateDataset (sql: Sql, api: Api, size: number, log: (line: string) => void): Promise<Dataset> {
  const started = Date.now()
  const parsed = parseProtocol(BENCH_PROTOCOL)
  if (!parsed.ok) throw new Error('the NCT07295067 seed protocol does not validate')
  const trials = planTrials(size)
  const rand = random(20_250_101)
  const asOf = new Date().toISOString()

  log(`creating ${trials.length} trials through POST /v1/trials`)
  await inBatches(trials, 4, async (t) => { await api.createTrial(t.trialId, BENCH_PROTOCOL) })

  const people = trials.flatMap((t) => bulkParticipants(t, rand))
  const aeTotal = trials.reduce((n, t) => n + t.aes, 0)
  log(`COPY ${aeTotal} AEs for ${people.length} bulk participants`)
  let reported = 0
  await copyInto(sql, 'adverse_events', AE_COLUMNS, aeLines(people, parsed.protocol, rand, asOf, (n) => {
    if (n - reported >= 100_000 || n === aeTotal) {
      reported = n
      log(`  ${n} / ${aeTotal} AEs (${((Date.now() - started) / 1000).toFixed(0)} s)`)
    }
  }))

  log(`COPY ${people.length} participants and administrations`)
  await copyInto(sql, 'participants', [
    'trial_id', 'participant_id', 'site_id', 'dose_level', 'enrolled_on', 'seq', 'status', 'version',
    'first_administration_at', 'last_administration_at', 'dlt_count', 'pending_dlt_count', 'worst_grade', 'created_at', 'updated_at'
  ], people.map((p) => line([
    p.trialId, p.participantId, p.siteId, p.doseLevel, p.enrolledOn, p.seq, 'enrolled', 1,
    p.administeredAt, p.administeredAt, p.dltCount, 0, p.worstGrade, p.administeredAt, p.administeredAt
  ])))
  await copyInto(sql, 'administrations', ['trial_id', 'administration_id', 'participant_id', 'administered_at', 'dose_level', 'created_by', 'created_at'],
    people.map((p) => line([p.trialId, uuidv7(), p.participantId, p.administeredAt, p.doseLevel, 'bench-bulk', p.administeredAt])))

  // What every write keeps current from a participant's AEs (src/services/classification.ts):
  // worst grade per term, and the trial's toxicity table built from it.
  log('deriving term worst grades and toxicity counts of the bulk AEs')
  await sql`update participants p set term_worst = w.worst from (
      select trial_id, participant_id, jsonb_object_agg(meddra_code, grade) as worst
      from (select trial_id, participant_id, meddra_code, max(grade) as grade from adverse_events group by 1, 2, 3) t group by 1, 2
    ) w where p.trial_id = w.trial_id and p.participant_id = w.participant_id`
  await sql`insert into toxicity_counts (trial_id, dose_level, arm_key, meddra_code, grade, soc, term, participants)
    select trial_id, dose_level, '', meddra_code, grade, soc, term, count(*)::int
    from (select trial_id, participant_id, dose_level, meddra_code, min(soc) as soc, min(term) as term, max(grade) as grade
          from adverse_events group by 1, 2, 3, 4) w
    group by 1, 2, 3, 4, 5, 6, 7`

  log('enrolling and dosing one participant per trial through the API (status evaluated by the service)')
  const lastEnrolled = dayOf(todayMs() - 31 * DAY_MS)
  await inBatches(trials, 4, async (t) => {
    await api.enrolAndDose(t.trialId, {
      participantId: participantId(t.participants),
      siteId: SITES[0]!,
      doseLevel: 1,
      enrolledOn: lastEnrolled,
      administeredAt: `${dayOf(todayMs() - 30 * DAY_MS)}T09:00:00.000Z`
    })
  })

  log('baseline table bench_baseline (columns and types of adverse_events, primary key only)')
  await sql.unsafe('drop table if exists bench_baseline')
  await sql.unsafe('create table bench_baseline (like adverse_events including defaults)')
  await sql.unsafe('alter table bench_baseline add primary key (trial_id, ae_id)')
  await sql.unsafe(`insert into bench_baseline select * from adverse_events where trial_id = '${trials[1]!.trialId}' limit 10000`)
  await sql.unsafe(`update bench_baseline set trial_id = '${BASELINE_TRIAL}'`)
  await sql.unsafe('drop table if exists bench_baseline_audit')
  await sql.unsafe('create table bench_baseline_audit (trial_id text not null, seq bigint generated always as identity, entry jsonb not null, primary key (trial_id, seq))')
  log('VACUUM ANALYZE')
  await sql.unsafe('vacuum analyze')

  const [check] = await sql<Array<{ aes: number, people: number, statuses: number }>>`
    select (select count(*)::int from adverse_events where trial_id like 'BENCH-%') as aes,
           (select count(*)::int from participants where trial_id like 'BENCH-%') as people,
           (select count(*)::int from trial_status where trial_id like 'BENCH-%') as statuses`
  if (check!.aes !== aeTotal || check!.people !== PARTICIPANTS || check!.statuses !== trials.length) {
    throw new Error(`dataset check failed: ${JSON.stringify(check)}`)
  }
  const baselineIds = (await sql<Array<{ ae_id: string }>>`select ae_id from bench_baseline limit 2000`).map((r) => r.ae_id)
  const targets: AeTarget[] = (await sql<Array<{ trial_id: string, participant_id: string, site_id: string, dose_level: number }>>`
    select trial_id, participant_id, site_id, dose_level from participants where trial_id like 'BENCH-%' order by participant_id, trial_id`)
    .map((r) => ({ trialId: r.trial_id, participantId: r.participant_id, siteId: r.site_id, doseLevel: r.dose_level }))
  return {
    trials,
    big: trials[0]!,
    medium: trials[1]!,
    targets,
    aeTotal,
    participantTotal: PARTICIPANTS,
    baselineIds,
    seconds: (Date.now() - started) / 1000
  }
}

/** The embedded (PGlite) dataset: everything through the API, so much smaller. */
export async function generateEmbeddedDataset (api: Api, trialCount: number, perTrial: number, log: (line: string) => void): Promise<AeTarget[]> {
  const ids = Array.from({ length: trialCount }, (_, i) => `EMB-${String(i).padStart(3, '0')}`)
  log(`PGlite: ${trialCount} trials x ${perTrial} participants through the API`)
  const targets: AeTarget[] = []
  for (const id of ids) {
    await api.createTrial(id, BENCH_PROTOCOL)
    for (let i = 1; i <= perTrial; i++) {
      const p = { trialId: id, participantId: participantId(i), siteId: SITES[i % SITES.length]!, doseLevel: 1 + (i % 3) }
      await api.enrolAndDose(id, { ...p, enrolledOn: dayOf(todayMs() - 60 * DAY_MS), administeredAt: `${dayOf(todayMs() - 59 * DAY_MS)}T09:00:00.000Z` })
      targets.push(p)
    }
  }
  return targets
}
