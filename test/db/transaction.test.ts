// Transactions as the services open them (db.transaction): on PostgreSQL,
// db/client.ts sends BEGIN together with the body's first statements and
// checks that COMMIT committed.
import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import { build } from '../helpers/build.js'

const { app } = await build()

await app.db.execute(sql`create table transaction_probe (n int primary key)`)
const count = async () => rows<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from transaction_probe`))[0]!.n

tap.test('the body runs in one transaction from its first statement', async (t) => {
  const [first, second] = await app.db.transaction(async (tx) => {
    const a = rows<{ at: string }>(await tx.execute(sql`select now()::text as at`))[0]!.at
    await tx.execute(sql`select pg_sleep(0.01)`)
    const b = rows<{ at: string }>(await tx.execute(sql`select now()::text as at`))[0]!.at
    return [a, b]
  })
  t.equal(first, second, 'now() is the transaction\'s start, the same for every statement')
})

tap.test('a body that throws leaves nothing behind', async (t) => {
  const error = await app.db.transaction(async (tx) => {
    await tx.execute(sql`insert into transaction_probe values (1)`)
    throw new Error('refused')
  }).then(() => null, (e: unknown) => e)
  t.match(error, { message: 'refused' })
  t.equal(await count(), 0)
})

tap.test('a failed statement that the body caught still fails the transaction', async (t) => {
  const error = await app.db.transaction(async (tx) => {
    await tx.execute(sql`insert into transaction_probe values (2)`)
    await tx.execute(sql`select 1 / 0`).catch(() => {})
    return 'done'
  }).then(() => null, (e: unknown) => e)
  t.ok(error instanceof Error, 'the transaction is reported as failed')
  t.equal(await count(), 0, 'nothing was committed')
})

tap.test('a body that succeeds commits', async (t) => {
  await app.db.transaction(async (tx) => { await tx.execute(sql`insert into transaction_probe values (3)`) })
  t.equal(await count(), 1)
})
