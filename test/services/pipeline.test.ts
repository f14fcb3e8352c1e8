import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import { pipelinedTransaction } from '../../src/services/pipeline.js'
import { build } from '../helpers/build.js'

const { app } = await build()

/** The SQLSTATE of a driver error, wherever drizzle put it. */
const sqlState = (error: unknown): string | undefined => {
  const e = error as { code?: string, cause?: { code?: string } }
  return e.cause?.code ?? e.code
}

tap.test('deferred writes are seen by the statements issued after them', async (t) => {
  const seen = await pipelinedTransaction(app.db, async ({ tx, defer }) => {
    await tx.execute(sql`create temporary table pipeline_probe (n int) on commit drop`)
    for (const n of [1, 2, 3]) defer(tx.execute(sql`insert into pipeline_probe values (${n})`).execute())
    // Not awaited before this read: it runs after them on the same connection.
    return rows<{ total: number }>(await tx.execute(sql`select sum(n)::int as total from pipeline_probe`))[0]!.total
  })
  t.equal(seen, 6)
})

tap.test('a failed deferred write is the error thrown, not the aborted statements after it', async (t) => {
  await app.db.execute(sql`create table if not exists pipeline_probe_kept (n int primary key)`)
  const error = await pipelinedTransaction(app.db, async ({ tx, defer }) => {
    defer(tx.execute(sql`insert into pipeline_probe_kept values (1)`).execute())
    defer(tx.execute(sql`select 1 / 0`).execute())
    // Fails only because the transaction is already aborted (25P02).
    await tx.execute(sql`select 1`)
  }).then(() => null, (e: unknown) => e)
  t.equal(sqlState(error), '22012', 'division_by_zero, the deferred write that failed')
  const [kept] = rows<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from pipeline_probe_kept`))
  t.equal(kept!.n, 0, 'nothing of the transaction was committed')
})

tap.test('a failed deferred write fails the transaction even when the body succeeds', async (t) => {
  // The body returns before the writes are answered, so COMMIT is sent behind them: the failed
  // write turns it into a rollback, and the write's error is the one thrown.
  const error = await pipelinedTransaction(app.db, async ({ tx, defer }) => {
    defer(tx.execute(sql`insert into pipeline_probe_kept values (2)`).execute())
    defer(tx.execute(sql`select 1 / 0`).execute())
    return 'done'
  }).then(() => null, (e: unknown) => e)
  t.equal(sqlState(error), '22012')
  const [kept] = rows<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from pipeline_probe_kept`))
  t.equal(kept!.n, 0, 'the write before it was not committed')
})

tap.test('deferred writes that succeed are committed', async (t) => {
  await pipelinedTransaction(app.db, async ({ tx, defer }) => {
    defer(tx.execute(sql`insert into pipeline_probe_kept values (3)`).execute())
  })
  const [kept] = rows<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from pipeline_probe_kept where n = 3`))
  t.equal(kept!.n, 1)
})
