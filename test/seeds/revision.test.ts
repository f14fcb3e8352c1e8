// Existing deployments move forward (issue #16): a database holding the seeds as first configured gets the
// re-modelled seeds as a protocol amendment (version 2 with its reason), never by rewriting version 1.
// Its own file: protocol versions are cached per process by (trial, version) (services/protocols.ts),
// so the seed trials' version 1 must not have been read from another test database in this process.
import t from 'tap'
import { auditLog, participants, protocolVersions, trials } from '../../db/schema.js'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { loadSeeds } from '../../seeds/load.js'
import seeds from '../../seeds/trials/index.js'
import { TEST_SECRET, signToken } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { referenceTrials } from '../helpers/reference-trials.js'

const admin = { authorization: `Bearer ${signToken('admin')}` }

async function counts (app: App) {
  const [a, b, c, d] = await Promise.all([trials, protocolVersions, participants, auditLog].map((table) => app.db.$count(table)))
  return { trials: a, protocolVersions: b, participants: c, audit: d }
}

t.test('a database holding the seeds as first configured gets the re-modelled ones as one amendment each, never a rewrite of version 1', async (t) => {
  const { database, drop } = await freshDatabase()
  const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false' }), { database, logLevel: 'silent' })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await drop()
  })
  t.same((await loadSeeds(app.db, referenceTrials)).created.length, 5)
  // A deployment that already enrolled into NCT07101484's mid group while it was configured as parallel arms.
  const enrolled = await app.inject({
    method: 'POST',
    url: '/v1/trials/NCT07101484/participants',
    headers: admin,
    payload: { participantId: 'P1', siteId: 'njmu-fah-reproductive-medicine', armId: 'mid', enrolledOn: '2026-01-05' }
  })
  t.equal(enrolled.statusCode, 201, enrolled.body)

  t.same(await loadSeeds(app.db), { created: [], amended: seeds.map((s) => s.trialId) })
  for (const seed of seeds) {
    const first = referenceTrials.find((s) => s.trialId === seed.trialId)!
    const versions = (await app.inject({ method: 'GET', url: `/v1/trials/${seed.trialId}/protocol/versions`, headers: admin })).json().items
    t.equal(versions.length, 2, `${seed.trialId}: one amendment`)
    t.same(versions[0].protocol, first.protocol, `${seed.trialId}: version 1 is the seed as first configured, unchanged`)
    t.same(versions[1].protocol, seed.protocol, `${seed.trialId}: version 2 is the re-modelled seed`)
    t.ok(versions[1].reason.startsWith('seed configuration revised: ') && versions[1].reason.endsWith(`(${seed.revision!})`), `${seed.trialId}: the reason says what changed and why`)
    t.equal(versions[1].createdBy, 'seed')
  }
  const participant = (await app.inject({ method: 'GET', url: '/v1/trials/NCT07101484/participants/P1', headers: admin })).json()
  t.match(participant, { armId: 'mid', doseLevel: 2 }, 'the participant keeps their group across the amendment')

  const before = await counts(app)
  t.same(await loadSeeds(app.db), { created: [], amended: [] }, 'loading again amends nothing')
  t.same(await counts(app), before)
})
