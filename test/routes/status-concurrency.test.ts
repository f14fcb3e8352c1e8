import t from 'tap'
import { asc, eq } from 'drizzle-orm'
import { auditLog, decisions } from '../../db/schema.js'
import { openDatabase } from '../../db/client.js'
import { buildApp, type App } from '../../src/app.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { singleCohort } from '../helpers/dosing.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe } from '../helpers/fixtures.js'

// 200 AE reports, half of them DLTs, posted at once against one cohort. On
// PostgreSQL they are spread across two server instances, each with its own
// connection pool, on one database: only the trial row lock orders them. The
// final status must count exactly the committed DLTs, and every decision in
// the history must have been computed from a state that includes every DLT
// committed before it.

const PARTICIPANTS = 40
const REPORTS = 200

const protocol = singleCohort

t.test('concurrent AE reports: no committed DLT is missing from any decision', async (t) => {
  const { app, config, databaseUrl } = await build()
  const trialId = 'CONC-1'
  await createTrial(app, trialId, protocol)
  const ids = Array.from({ length: PARTICIPANTS }, (_, i) => `C-${String(i).padStart(3, '0')}`)
  for (const id of ids) await enrolDosed(app, trialId, id, 1, 5)

  let second: App = app
  if (databaseUrl !== undefined) {
    const database = await openDatabase({ url: databaseUrl, dataDir: 'unused', poolMax: 10 })
    second = await buildApp({ ...config, MIGRATE_ON_START: false }, { database, logLevel: 'silent' })
    t.teardown(async () => { await second.close(); await database.close() })
  }
  t.comment(databaseUrl === undefined ? 'PGlite: one instance' : 'PostgreSQL: two instances, two pools')

  const onset = daysAgo(3).date
  const reports = Array.from({ length: REPORTS }, (_, i) => {
    const participantId = ids[(i * 7) % PARTICIPANTS]!
    return i % 2 === 0 ? dltAe(participantId, onset) : mildAe(participantId, onset)
  })
  const responses = await Promise.all(reports.map(async (payload, i) => await (i % 2 === 0 ? app : second).inject({
    method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: bearer('edc', { sites: [nct07295067.sites[0]!.siteId] }), payload
  })))
  t.same(responses.map((r) => r.statusCode).filter((s) => s !== 201), [], 'every report is committed')
  const created = responses.map((r) => r.json() as { aeId: string, participantId: string, dlt: { isDlt: boolean } })
  t.equal(created.filter((ae) => ae.dlt.isDlt).length, REPORTS / 2, 'half of them are DLTs')

  const withDlt = new Set(created.filter((ae) => ae.dlt.isDlt).map((ae) => ae.participantId))
  const status = (await second.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })).json()
  t.equal(status.doseLevels[0].dlts, withDlt.size, 'the final status counts exactly the participants with a committed DLT')
  t.equal(status.doseLevels[0].evaluable, withDlt.size, 'a DLT makes its participant evaluable inside an open window')
  t.equal(status.doseLevels[0].pending, PARTICIPANTS - withDlt.size)

  // Commit order is the audit chain's order: every write appends to it under the trial lock.
  const audit = await app.db.select({ seq: auditLog.seq, entity: auditLog.entity, entityId: auditLog.entityId })
    .from(auditLog).where(eq(auditLog.trialId, trialId)).orderBy(asc(auditLog.seq))
  const seqOf = new Map(audit.filter((a) => a.entity === 'adverse_event').map((a) => [a.entityId, a.seq]))
  const history = await app.db.select().from(decisions).where(eq(decisions.trialId, trialId))
  const byAe = history.filter((d) => (d.trigger as { entity?: string }).entity === 'adverse_event')
  // Reports committed together in one group make one decision, recorded with the last one's trigger and
  // listing the others (coalesced): each participant's first DLT is named by the decision it caused.
  const named = new Set(byAe.flatMap((d) => {
    const trigger = d.trigger as { entityId: string, coalesced?: Array<{ entityId: string }> }
    return [trigger.entityId, ...(trigger.coalesced ?? []).map((c) => c.entityId)]
  }))
  const firstDlts = [...withDlt].map((p) => created.filter((ae) => ae.participantId === p && ae.dlt.isDlt)
    .sort((a, b) => seqOf.get(a.aeId)! - seqOf.get(b.aeId)!)[0]!.aeId)
  t.same(firstDlts.filter((aeId) => !named.has(aeId)), [], `a decision names each newly affected participant's first DLT (${byAe.length} decisions)`)
  let checked = 0
  for (const decision of byAe) {
    const trigger = decision.trigger as { entityId: string }
    const upTo = seqOf.get(trigger.entityId)!
    const committed = new Set(created.filter((ae) => ae.dlt.isDlt && seqOf.get(ae.aeId)! <= upTo).map((ae) => ae.participantId))
    const counted = (decision.snapshot as { status: { doseLevels: { dlts: number }[] } }).status.doseLevels[0]!.dlts
    if (counted !== committed.size) t.fail(`decision ${decision.decisionId} counted ${counted} DLT participants, ${committed.size} were committed`)
    checked++
  }
  t.equal(checked, byAe.length, 'every decision includes every DLT committed before it')
  const verify = await app.inject({ method: 'GET', url: `/v1/audit/verify?trialId=${trialId}`, headers: bearer('admin') })
  t.match(verify.json(), { valid: true }, 'the audit chain has no fork')
})
