import t, { type Test } from 'tap'
import { auditLog, participants, protocolVersions, trials, trialSites } from '../../db/schema.js'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { parseProtocol } from '../../src/domain/protocol.js'
import { loadSeeds } from '../../seeds/load.js'
import seeds, { type TrialSeed } from '../../seeds/trials/index.js'
import { TEST_SECRET, signToken } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const admin = { authorization: `Bearer ${signToken('admin')}` }

async function counts (app: App) {
  const [a, b, c, d, e] = await Promise.all([trials, protocolVersions, trialSites, participants, auditLog].map((table) => app.db.$count(table)))
  return { trials: a, protocolVersions: b, sites: c, participants: d, audit: e }
}

/** The app as `npm start` builds it, on a fresh database, with the given environment. */
async function start (t: Test, env: Record<string, string>) {
  const { database, drop } = await freshDatabase()
  const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, ...env }), { database, logLevel: 'silent' })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await drop()
  })
  return app
}

t.test('the embedded default seeds the five trials at start, each with a valid protocol', async (t) => {
  // No DATABASE_URL and no SEED_ON_START: the embedded default, as after `npm start`.
  const app = await start(t, {})
  const res = await app.inject({ method: 'GET', url: '/v1/trials', headers: admin })
  t.equal(res.statusCode, 200)
  const items = res.json().items as { trialId: string, protocol: unknown, protocolVersion: number, sites: unknown[] }[]
  t.same(items.map((i) => i.trialId), ['NCT03123458', 'NCT06321198', 'NCT06813157', 'NCT07101484', 'NCT07295067'])
  for (const item of items) {
    const parsed = parseProtocol(item.protocol)
    t.same(parsed.ok ? [] : parsed.errors, [], `${item.trialId} protocol validates`)
    t.equal(item.protocolVersion, 1)
    t.same(item.protocol, seeds.find((s) => s.trialId === item.trialId)!.protocol, `${item.trialId} is stored as written`)
  }

  // NCT07295067 (ClinicalTrials.gov record): 3+3 over 1, 2, 3 x 10^11 particles; DLT = grade >= 3 within
  // 14 days; escalation stops when DLTs are seen in more than 33% of participants.
  const one = await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067', headers: admin })
  const protocol = one.json().protocol
  t.equal(protocol.design.type, '3+3')
  t.same(protocol.doseLevels.map((d: { level: number }) => d.level), [1, 2, 3])
  t.equal(protocol.dltDefinition.minGrade, 3)
  t.equal(protocol.dltDefinition.windowDays, 14)
  t.match(protocol.stoppingRules, [{ type: 'dlt_rate_above', threshold: 0.33 }])

  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=NCT07295067', headers: admin })
  t.match(audit.json().items, [{ seq: 1, action: 'create', entity: 'trial', actor: 'seed', role: 'admin' }])
  const status = await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067/status', headers: admin })
  t.equal(status.statusCode, 200, 'a seeded trial has its status like any created trial')

  const before = await counts(app)
  t.same(await loadSeeds(app.db), { created: [], amended: [] }, 'loading again creates and amends nothing')
  t.same(await counts(app), before)
})

t.test('loadSeeds skips trials that exist and creates the rest', async (t) => {
  const app = await start(t, { SEED_ON_START: 'false' })
  t.same((await app.inject({ method: 'GET', url: '/v1/trials', headers: admin })).json().items, [], 'SEED_ON_START=false seeds nothing')
  t.same(await loadSeeds(app.db, seeds.slice(0, 2)), { created: ['NCT07295067', 'NCT07101484'], amended: [] })
  t.same(await loadSeeds(app.db), { created: ['NCT06321198', 'NCT03123458', 'NCT06813157'], amended: [] })
  const after = await counts(app)
  t.equal(after.trials, 5)
  t.equal(after.protocolVersions, 5)
  t.equal(after.audit, 10, 'two audit rows per created trial: its creation and its first decision')
})

t.test('SEED_ON_START=true seeds a server database too', async (t) => {
  const app = await start(t, { SEED_ON_START: 'true', DATABASE_URL: 'postgres://unused.invalid/x', AUDIT_HMAC_KEY: 'a'.repeat(32) })
  t.equal((await counts(app)).trials, 5)
})

/** A seed as it was before this revision: no assumptions, no source quotes on its rules. */
function earlier (seed: TrialSeed): TrialSeed {
  const { assumptions: _, ...protocol } = structuredClone(seed.protocol)
  return { ...seed, protocol: { ...protocol, stoppingRules: protocol.stoppingRules.map(({ source: _s, ...rule }) => rule) } }
}

t.test('a database holding an earlier seed gets the revised one as an amendment, once', async (t) => {
  const app = await start(t, { SEED_ON_START: 'false' })
  const seed = seeds.find((s) => s.trialId === 'NCT07295067')!
  t.same(await loadSeeds(app.db, [earlier(seed)]), { created: ['NCT07295067'], amended: [] })

  t.same(await loadSeeds(app.db, [seed]), { created: [], amended: ['NCT07295067'] })
  const trial = (await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067', headers: admin })).json()
  t.equal(trial.protocolVersion, 2)
  t.same(trial.protocol, seed.protocol, 'the revised seed is in force, assumptions included')
  const versions = (await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067/protocol/versions', headers: admin })).json().items
  t.match(versions, [
    { version: 1, reason: null, createdBy: 'seed' },
    { version: 2, reason: /^seed configuration revised: assumptions, stoppingRules/, createdBy: 'seed' }
  ])
  t.same(versions[0].protocol, earlier(seed).protocol, 'version 1 is kept as it was')
  t.same(versions[1].protocol.assumptions, seed.protocol.assumptions, 'the version keeps its assumptions')
  const audit = (await app.inject({ method: 'GET', url: '/v1/audit?trialId=NCT07295067', headers: admin })).json().items
  t.match(audit, [{ action: 'create' }, { action: 'decide', entity: 'decision' }, { action: 'amend', entity: 'protocol', actor: 'seed' }])

  const before = await counts(app)
  t.same(await loadSeeds(app.db, [seed]), { created: [], amended: [] }, 'loading the same seed again amends nothing')
  t.same(await counts(app), before)
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067', headers: admin })).json().protocolVersion, 2)
})

t.test('a protocol an admin amended is not overwritten by a seed revision', async (t) => {
  const app = await start(t, { SEED_ON_START: 'false' })
  const seed = seeds.find((s) => s.trialId === 'NCT07295067')!
  await loadSeeds(app.db, [earlier(seed)])
  const own = { ...earlier(seed).protocol, dmcUnblinded: true }
  const res = await app.inject({
    method: 'PUT',
    url: '/v1/trials/NCT07295067/protocol',
    headers: { ...admin, 'if-match': '"1"' },
    payload: { protocol: own, reason: 'site decision' }
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(await loadSeeds(app.db, [seed]), { created: [], amended: [] })
  const trial = (await app.inject({ method: 'GET', url: '/v1/trials/NCT07295067', headers: admin })).json()
  t.equal(trial.protocolVersion, 2)
  t.same(trial.protocol, own, "the admin's version stays in force")
})
