// The status scheduler's claim (issue #18): a due change is made under the
// trial's lock, once; an instance finding the trial locked (another instance,
// or a write in progress) skips it instead of waiting behind it. The due
// instants are set an hour ahead and the rounds run as of two hours ahead, so
// the app's own scheduler (real time) leaves these trials alone.
import { eq } from 'drizzle-orm'
import postgres from 'postgres'
import t from 'tap'
import { trialStatus } from '../../db/schema.js'
import { build } from '../helpers/build.js'
import { createTrial } from '../helpers/fixtures.js'
import { makeDueChange, makeDueChanges } from '../../src/services/status-scheduler.js'

const { app, databaseUrl } = await build()
const inAnHour = new Date(Date.now() + 3_600_000).toISOString()
const asOf = new Date(Date.now() + 7_200_000).toISOString()
const dueAt = async (trialId: string, at: string | null) => {
  await app.db.update(trialStatus).set({ nextChangeAt: at }).where(eq(trialStatus.trialId, trialId))
}
const nextChangeOf = async (trialId: string) => (await app.db.select().from(trialStatus).where(eq(trialStatus.trialId, trialId)))[0]!.nextChangeAt

t.test('a due change is made once; a round takes the due trials soonest first, up to its batch, but those it skips', async (t) => {
  for (const id of ['DUE-1', 'DUE-2', 'DUE-3']) await createTrial(app, id)
  await dueAt('DUE-1', inAnHour)
  t.ok(await makeDueChange(app.db, 'DUE-1', asOf), 'made: re-evaluated under the lock')
  t.equal(await nextChangeOf('DUE-1'), null, 'no window is open: nothing more is due')
  t.equal(await makeDueChange(app.db, 'DUE-1', asOf), undefined, 'a second attempt finds nothing due')

  await dueAt('DUE-2', new Date(Date.parse(inAnHour) + 1_000).toISOString())
  await dueAt('DUE-3', inAnHour)
  const one = await makeDueChanges(app.db, asOf, 1, [])
  t.same([one.evaluated, one.full], [['DUE-3'], true], 'the soonest first; a full batch asks for another round at once')
  const skipping = await makeDueChanges(app.db, asOf, 10, ['DUE-2'])
  t.same([skipping.evaluated, skipping.full, await nextChangeOf('DUE-2') !== null], [[], false, true], 'a trial in its retry delay is left due')
  t.same((await makeDueChanges(app.db, asOf, 10, [])).evaluated, ['DUE-2'])
})

t.test('a trial locked by another transaction is skipped, not waited for (PostgreSQL)', { skip: databaseUrl === undefined ? 'needs PostgreSQL' : false }, async (t) => {
  await createTrial(app, 'DUE-LOCKED')
  await dueAt('DUE-LOCKED', inAnHour)
  const other = postgres(databaseUrl!, { max: 1, onnotice: () => {} })
  t.teardown(async () => { await other.end() })
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  let locked: () => void = () => {}
  const isLocked = new Promise<void>((resolve) => { locked = resolve })
  const writer = other.begin(async (sql) => {
    await sql`select trial_id from trials where trial_id = 'DUE-LOCKED' for update`
    locked()
    await held
  })
  await isLocked
  const started = Date.now()
  t.equal(await makeDueChange(app.db, 'DUE-LOCKED', asOf), undefined, 'skipped while the trial is locked')
  t.ok(Date.now() - started < 2_000, `without waiting for the lock (${Date.now() - started} ms)`)
  release()
  await writer
  t.ok(await makeDueChange(app.db, 'DUE-LOCKED', asOf), 'made once the lock is released')
})
