// Every list and filter path is served by an index. Each GET below is made
// through the API while the statements it sends are recorded; each recorded
// statement is then planned (EXPLAIN, with its parameters) with sequential
// scans disabled. A plan that still scans a table sequentially has no index
// that can serve it, whatever the size of the data. Runs on PGlite and on
// PostgreSQL alike.
import { sql, type SQL } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe, reportAe, SEED_SITE } from '../helpers/fixtures.js'

const recorded: Array<{ query: string, params: unknown[] }> = []
let recording = false
const { app } = await build({}, { logQuery: (query, params) => { if (recording) recorded.push({ query, params }) } })

const trialId = 'PLANS-1'
await createTrial(app, trialId)
for (const [i, level] of [1, 1, 1, 2].entries()) await enrolDosed(app, trialId, `P-${i + 1}`, level, 30 - i)
const ae = await reportAe(app, trialId, dltAe('P-1', daysAgo(28).date))
await reportAe(app, trialId, mildAe('P-1', daysAgo(26).date))
await reportAe(app, trialId, mildAe('P-2', daysAgo(20).date))
await reportAe(app, trialId, { ...mildAe('P-3', daysAgo(10).date), serious: true, seriousnessCriteria: ['hospitalization'], grade: 3, term: 'Fever' })
const webhook = await app.inject({
  method: 'POST', url: `/v1/trials/${trialId}/webhooks`, headers: bearer('admin'), payload: { url: 'https://dmc.example.org/hook' }
})
if (webhook.statusCode !== 201) throw new Error(`webhook: ${webhook.body}`)
// An instant after all of the above: the as-of reads replay history up to it.
const asOf = encodeURIComponent(new Date().toISOString())

/** The statement with its $n parameters bound, prefixed for EXPLAIN. */
function explainOf (query: string, params: unknown[]): SQL {
  const parts = query.split(/\$\d+/)
  const chunks: SQL[] = [sql.raw(`explain (format json) ${parts[0]!}`)]
  // drizzle numbers parameters in order of appearance, once each.
  parts.slice(1).forEach((part, i) => { chunks.push(sql`${params[i]}`, sql.raw(part)) })
  return sql.join(chunks)
}

interface PlanNode { 'Node Type': string, 'Relation Name'?: string, Plans?: PlanNode[] }
const seqScans = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : []),
  ...(node.Plans ?? []).flatMap(seqScans)
]

async function sequentialScans (statement: { query: string, params: unknown[] }): Promise<string[]> {
  return await app.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`)
    const [row] = rows<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>(await tx.execute(explainOf(statement.query, statement.params)))
    const plan = row!['QUERY PLAN']
    return seqScans((typeof plan === 'string' ? JSON.parse(plan) as Array<{ Plan: PlanNode }> : plan)[0]!.Plan)
  })
}

/** The cursor of a one-item first page, to plan the next-page statement too. */
async function secondPage (url: string, role: Parameters<typeof bearer>[0]): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}limit=1`, headers: bearer(role) })
  const cursor = (JSON.parse(res.body) as { nextCursor: string | null }).nextCursor
  if (cursor === null) throw new Error(`${url}: expected a second page`)
  return `${url}${url.includes('?') ? '&' : '?'}limit=1&cursor=${cursor}`
}

const base = `/v1/trials/${trialId}`
const paths: Array<[string, Parameters<typeof bearer>[0]]> = [
  ['/v1/trials', 'admin'],
  [`${base}`, 'admin'],
  [`${base}/status`, 'dmc'],
  [`${base}/decisions`, 'dmc'],
  [`${base}/decision-table`, 'dmc'],
  [`${base}/summary`, 'safety_monitor'],
  [`${base}/summary?asOf=${asOf}`, 'safety_monitor'],
  [`${base}/webhooks`, 'admin'],
  [`${base}/adverse-events`, 'safety_monitor'],
  [`${base}/adverse-events?participantId=P-1`, 'safety_monitor'],
  [`${base}/adverse-events?siteId=${SEED_SITE}`, 'safety_monitor'],
  [`${base}/adverse-events?doseLevel=1`, 'safety_monitor'],
  [`${base}/adverse-events?minGrade=3&serious=true`, 'safety_monitor'],
  [`${base}/adverse-events?soc=Investigations&isDlt=true`, 'safety_monitor'],
  [`${base}/adverse-events?dltVerdict=needs_information`, 'safety_monitor'],
  [`${base}/adverse-events?readjudicate=true`, 'safety_monitor'],
  [`${base}/adverse-events?onsetFrom=${daysAgo(25).date}&onsetTo=${daysAgo(5).date}`, 'safety_monitor'],
  [`${base}/adverse-events?includeNullified=true`, 'safety_monitor'],
  [`${base}/adverse-events/${ae.aeId}`, 'safety_monitor'],
  [`${base}/adverse-events/${ae.aeId}/history`, 'safety_monitor'],
  [`${base}/sae-reports`, 'safety_monitor'],
  [`${base}/sae-reports?due_before=${encodeURIComponent(new Date(Date.now() + 30 * 86_400_000).toISOString())}`, 'safety_monitor'],
  [`${base}/protocol/versions`, 'admin'],
  [`${base}/protocol/versions/1`, 'admin'],
  [`${base}/participants`, 'safety_monitor'],
  [`${base}/participants?siteId=${SEED_SITE}&doseLevel=1&status=enrolled`, 'safety_monitor'],
  [`${base}/participants/P-1`, 'safety_monitor'],
  [`${base}/participants/P-1/administrations`, 'safety_monitor'],
  [`/v1/audit?trialId=${trialId}`, 'admin'],
  [`/v1/audit?trialId=${trialId}&entity=adverse_event&entityId=${ae.aeId}`, 'admin'],
  [`/v1/audit/verify?trialId=${trialId}`, 'admin'],
  [`${base}/exports/sdtm-ae.json`, 'safety_monitor'],
  [`${base}/exports/suppae.json?asOf=${asOf}`, 'safety_monitor'],
  [`${base}/exports/fhir`, 'safety_monitor']
]
const paged: Array<[string, Parameters<typeof bearer>[0]]> = [
  [`${base}/adverse-events`, 'safety_monitor'],
  [`${base}/adverse-events?participantId=P-1`, 'safety_monitor'],
  [`${base}/adverse-events?siteId=${SEED_SITE}`, 'safety_monitor'],
  [`${base}/participants`, 'safety_monitor'],
  [`${base}/decisions`, 'dmc'],
  [`/v1/audit?trialId=${trialId}`, 'admin']
]
for (const [url, role] of paged) paths.push([await secondPage(url, role), role])

for (const [url, role] of paths) {
  tap.test(`GET ${url}: every statement is served by an index`, async (t) => {
    recorded.length = 0
    recording = true
    const res = await app.inject({ method: 'GET', url, headers: bearer(role) })
    recording = false
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    const reads = recorded.filter((s) => /^\s*(select|with)\b/i.test(s.query))
    t.ok(reads.length > 0, 'the request read the database')
    for (const statement of reads) {
      t.same(await sequentialScans(statement), [], statement.query.slice(0, 160))
    }
  })
}

tap.test('the check itself: a filter no index leads with is a sequential scan', async (t) => {
  t.same(await sequentialScans({ query: 'select ae_id from adverse_events where term = $1', params: ['Anemia'] }), ['adverse_events'])
})
