// The bare baseline the service is measured against: Fastify and the same
// `postgres` driver with the same pool size, no validation, no auth, no
// transaction. POST /insert stores one row (values from the body) in
// bench_baseline, a table with the columns and types of adverse_events;
// GET /select/:id reads one row by primary key. POST /insert-many stores the
// rows of its body in one multi-row INSERT (the bulk scenarios' baseline). POST /insert-locked is the
// least a clinical write must do, for comparison: in one transaction, lock
// the trial's row, insert the AE row and one audit row holding it. The
// harness creates and fills the tables (dataset.ts) before starting this
// server.
import Fastify from 'fastify'
import postgres from 'postgres'
import { uuidv7 } from 'uuidv7'
import { BASELINE_TRIAL } from './workload.js'

const env = process.env
const sql = postgres(env.DATABASE_URL!, { max: Number(env.DB_POOL_MAX ?? 10), onnotice: () => {} })
const app = Fastify({ logger: false })

interface InsertBody {
  trialId?: string
  participantId: string
  siteId?: string
  doseLevel?: number
  term: string
  meddraCode?: string
  soc?: string
  grade: number
  onsetDate: string
  resolvedDate?: string
  serious: boolean
  attribution: string
  clinicalSymptoms?: boolean
  requiredMedicalTreatment?: boolean
  outcome?: string
}

/** The bench_baseline row of an insert body. */
function baselineRow (b: InsertBody) {
  const now = new Date().toISOString()
  return {
    trial_id: BASELINE_TRIAL,
    ae_id: uuidv7(),
    participant_id: b.participantId,
    site_id: b.siteId ?? 'site-1',
    dose_level: b.doseLevel ?? 1,
    version: 1,
    ctcae_version: '5.0',
    meddra_code: b.meddraCode ?? '00000000',
    term: b.term,
    soc: b.soc ?? 'unknown',
    other_specify: null,
    grade: b.grade,
    onset_date: b.onsetDate,
    resolved_date: b.resolvedDate ?? null,
    serious: b.serious,
    seriousness_criteria: sql.json([]),
    attribution: b.attribution,
    expected: null,
    clinical_symptoms: b.clinicalSymptoms ?? null,
    required_medical_treatment: b.requiredMedicalTreatment ?? null,
    outcome: b.outcome ?? null,
    action_taken: null,
    external_id: null,
    aware_at: now,
    dlt_computed: false,
    dlt_pending: false,
    dlt_reasons: sql.json([]),
    dlt_pending_until: null,
    dlt_protocol_version: 1,
    dlt_adjudicated: null,
    is_dlt: false,
    dlt_verdict: 'not_dlt',
    dlt_grade: b.grade,
    nullified_at: null,
    nullify_reason: null,
    created_by: 'baseline',
    created_at: now,
    updated_at: now
  }
}

app.post<{ Body: InsertBody }>('/insert', async (request, reply) => {
  const [row] = await sql`insert into bench_baseline ${sql(baselineRow(request.body))} returning *`
  return await reply.code(201).send(row)
})

// The bulk scenarios' baseline: the same number of rows per request as an AE batch, in one multi-row INSERT.
app.post<{ Body: { rows: InsertBody[] } }>('/insert-many', async (request, reply) => {
  await sql`insert into bench_baseline ${sql(request.body.rows.map(baselineRow))}`
  return await reply.code(201).send({ inserted: request.body.rows.length })
})

app.post<{ Body: InsertBody }>('/insert-locked', async (request, reply) => {
  const row = await sql.begin(async (tx) => {
    await tx`select 1 from trials where trial_id = ${request.body.trialId ?? BASELINE_TRIAL} for update`
    const [inserted] = await tx`insert into bench_baseline ${tx(baselineRow(request.body))} returning *`
    await tx`insert into bench_baseline_audit ${tx({ trial_id: inserted!.trial_id as string, entry: tx.json(inserted as never) })}`
    return inserted
  })
  return await reply.code(201).send(row)
})

app.get<{ Params: { id: string } }>('/select/:id', async (request, reply) => {
  const [row] = await sql`select * from bench_baseline where trial_id = ${BASELINE_TRIAL} and ae_id = ${request.params.id}`
  if (row === undefined) return await reply.code(404).send({ status: 404 })
  return row
})

app.get('/ready', async () => ({ ok: true }))

const close = async () => {
  await app.close()
  await sql.end({ timeout: 5 })
  process.exit(0)
}
process.once('SIGTERM', () => { close().catch(() => process.exit(1)) })
process.once('SIGINT', () => { close().catch(() => process.exit(1)) })

await app.listen({ port: Number(env.PORT), host: '127.0.0.1' })
