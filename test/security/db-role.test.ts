import t from 'tap'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { openDatabase, type Database } from '../../db/client.js'
import { migrate } from '../../db/migrate.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { bearer, TEST_SECRET } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { aeBody } from '../helpers/security.js'
import { nct07295067 } from '../helpers/reference-trials.js'

// db/roles.sql: the service runs as a role that cannot change the schema,
// delete rows, or rewrite the audit trail. On PostgreSQL (TEST_DATABASE_URL)
// the service logs in as a member of the role; on PGlite (one connection)
// the session switches to the role with SET ROLE. Either way the privilege
// checks are PostgreSQL's own.

const ROLES_SQL = new URL('../../db/roles.sql', import.meta.url)
const admin = bearer('admin')

const { database: owner, url, drop } = await freshDatabase()
let runtime: Database = owner
let login: string | undefined
t.teardown(async () => {
  if (runtime !== owner) await runtime.close()
  if (login !== undefined) await owner.db.execute(sql.raw(`drop role if exists ${login}`))
  await drop()
})

// Migrations run separately, as the schema owner (npm run db:migrate), then the grants.
await migrate(owner.db)
for (const statement of readFileSync(ROLES_SQL, 'utf8').split('--> statement-breakpoint')) {
  await owner.db.execute(sql.raw(statement))
}
if (url === undefined) {
  await owner.db.execute(sql.raw('set role dlt_runtime'))
} else {
  login = `dlt_service_${randomBytes(4).toString('hex')}`
  await owner.db.execute(sql.raw(`create role ${login} login in role dlt_runtime`))
  const asService = new URL(url)
  asService.username = login
  runtime = await openDatabase({ url: asService.toString(), dataDir: 'unused', poolMax: 4 })
}

const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', MIGRATE_ON_START: 'false' }), { database: runtime, logLevel: 'silent' })
t.teardown(async () => { await app.close() })

/** The trial's audit rows after the first subtest: 4 writes, a PATCH, and the decisions they made. */
let AUDITED = 0

/** The SQLSTATE a statement run as the service fails with, or 'allowed'. */
async function attempt (statement: string): Promise<string> {
  try {
    await runtime.db.execute(sql.raw(statement))
    return 'allowed'
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause ?? (error as { code?: string })
    return cause.code ?? String(error)
  }
}

t.test(`db/roles.sql applies and the service works as dlt_runtime (${url === undefined ? 'PGlite: SET ROLE' : 'PostgreSQL: a login role'})`, async (t) => {
  const who = await runtime.db.execute(sql.raw('select current_user as "user"'))
  const rows = (Array.isArray(who) ? who : (who as { rows: unknown[] }).rows) as { user: string }[]
  t.equal(rows[0]!.user, login ?? 'dlt_runtime', 'connected as the runtime role')

  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'readiness reads the migrations table')
  const trial = await app.inject({
    method: 'POST', url: '/v1/trials', headers: admin, payload: { trialId: 'ROLE-1', title: 'Runtime role', sites: nct07295067.sites, protocol: nct07295067.protocol }
  })
  t.equal(trial.statusCode, 201, trial.body)
  const siteId = nct07295067.sites[0]!.siteId
  t.equal((await app.inject({ method: 'POST', url: '/v1/trials/ROLE-1/participants', headers: admin, payload: { participantId: 'P1', siteId, doseLevel: 1, enrolledOn: '2025-01-06' } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/v1/trials/ROLE-1/participants/P1/administrations', headers: admin, payload: { administeredAt: '2025-01-06T09:00:00Z', doseLevel: 1 } })).statusCode, 201)
  const ae = await app.inject({ method: 'POST', url: '/v1/trials/ROLE-1/adverse-events', headers: admin, payload: aeBody('P1') })
  t.equal(ae.statusCode, 201, ae.body)
  const patched = await app.inject({
    method: 'PATCH', url: `/v1/trials/ROLE-1/adverse-events/${ae.json().aeId}`, headers: { ...admin, 'if-match': '"1"' }, payload: { grade: 2, reason: 'worsened' }
  })
  t.equal(patched.statusCode, 200, 'updates are allowed on clinical tables')
  AUDITED = (await app.inject({ method: 'GET', url: '/v1/audit?trialId=ROLE-1&limit=100', headers: admin })).json().items.length
  t.ok(AUDITED > 5, 'the 5 writes and their decisions')
  const verdict = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=ROLE-1', headers: admin })
  t.match(verdict.json(), { valid: true, checked: AUDITED, breakCount: 0 })
})

t.test('as dlt_runtime: no UPDATE or DELETE on audit_log, no DELETE anywhere, no DDL', async (t) => {
  const PERMISSION_DENIED = '42501'
  t.equal(await attempt('select count(*) from audit_log'), 'allowed')
  t.equal(await attempt('update audit_log set reason = \'rewritten\''), PERMISSION_DENIED, 'audit rows cannot be rewritten')
  t.equal(await attempt('delete from audit_log'), PERMISSION_DENIED, 'audit rows cannot be deleted')
  t.equal(await attempt('truncate audit_log'), PERMISSION_DENIED)
  t.equal(await attempt('delete from adverse_events'), PERMISSION_DENIED, 'nothing clinical is hard-deleted')
  t.equal(await attempt('create table smuggled (a int)'), PERMISSION_DENIED, 'no CREATE TABLE')
  t.equal(await attempt('alter table trials add column x int'), PERMISSION_DENIED, 'no ALTER TABLE (not the owner)')
  t.equal(await attempt('drop table webhooks'), PERMISSION_DENIED, 'no DROP TABLE')
  t.equal(await attempt('insert into drizzle.__drizzle_migrations (hash, created_at) values (\'x\', 0)'), PERMISSION_DENIED, 'migrations are not the service\'s business')
  const verdict = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=ROLE-1', headers: admin })
  t.match(verdict.json(), { valid: true, checked: AUDITED }, 'the audit chain is intact')
})

t.test('as dlt_runtime: the clinical history is append-only (21 CFR 11.10(e)), by privilege and by trigger', async (t) => {
  const PERMISSION_DENIED = '42501'
  const where = 'where trial_id = \'ROLE-1\''
  // A DMC decision to try to rewrite (row triggers fire on rows).
  const { decisionId } = (await app.inject({ method: 'GET', url: '/v1/trials/ROLE-1/status', headers: admin })).json()
  const dmc = await app.inject({
    method: 'POST',
    url: '/v1/trials/ROLE-1/dmc-decisions',
    headers: bearer('dmc'),
    payload: { decision: 'continue', rationale: 'DMC: continue', statusDecisionId: decisionId, signature: { meaning: 'approved' } }
  })
  t.equal(dmc.statusCode, 201, dmc.body)
  AUDITED = (await app.inject({ method: 'GET', url: '/v1/audit?trialId=ROLE-1&limit=100', headers: admin })).json().items.length
  // No grant of UPDATE or DELETE on the history (and the triggers would refuse them: test/routes/audit-tamper.test.ts).
  for (const [table, column] of [['adverse_event_versions', 'reason'], ['decisions', 'state'], ['dmc_decisions', 'rationale'], ['protocol_versions', 'reason']]) {
    t.equal(await attempt(`update ${table} set ${column} = 'rewritten' ${where}`), PERMISSION_DENIED, `UPDATE on ${table} refused`)
    t.equal(await attempt(`delete from ${table} ${where}`), PERMISSION_DENIED, `DELETE on ${table} refused`)
  }
  t.equal(await attempt('select set_config(\'dlt.migrating\', \'on\', false)'), 'allowed', 'any role may say it migrates')
  t.equal(await attempt(`update adverse_event_versions set reason = 'rewritten' ${where}`), PERMISSION_DENIED, 'it gains nothing by that')
  t.equal(await attempt('select set_config(\'dlt.migrating\', \'\', false)'), 'allowed')
  t.equal(await attempt(`update trials set title = 'Runtime role, renamed' ${where}`), 'allowed', 'the trial row (its anchor) stays updatable')
  const verdict = await app.inject({ method: 'GET', url: '/v1/audit/verify?trialId=ROLE-1', headers: admin })
  t.match(verdict.json(), { valid: true, checked: AUDITED })
})
