// Statements built as text and parameters (db/statements.ts), run on the
// test database: what they write, and how `together` joins them.
import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import { idempotencyKeys } from '../../db/schema.js'
import { columnsOf, insertRows, selectRows, send, statement, together, updateRows } from '../../db/statements.js'
import { build } from '../helpers/build.js'

const { app } = await build()

const key = (key: string, statusCode: number) =>
  ({ trialId: 'STATEMENTS', scope: 'test', key, requestHash: `hash-${key}`, statusCode, response: { key, nested: { list: [1, '$2'] } } })

const stored = async () => rows<{ key: string, statusCode: number, response: unknown }>(await app.db.execute(sql`
  select key, status_code as "statusCode", response from idempotency_keys where trial_id = 'STATEMENTS' order by key`))

tap.test('insertRows and updateRows write what they are given, JSON included', async (t) => {
  await send(app.db, insertRows(idempotencyKeys, [key('a', 201), key('b', 200)]))
  await send(app.db, updateRows(idempotencyKeys, { statusCode: 409 }, { trialId: 'STATEMENTS', scope: 'test', key: 'b' }))
  t.same(await stored(), [
    { key: 'a', statusCode: 201, response: { key: 'a', nested: { list: [1, '$2'] } } },
    { key: 'b', statusCode: 409, response: { key: 'b', nested: { list: [1, '$2'] } } }
  ])
})

tap.test('together runs every write in one statement, its parameters renumbered', async (t) => {
  const joined = together([
    insertRows(idempotencyKeys, [key('c', 201)]),
    updateRows(idempotencyKeys, { statusCode: 410 }, { trialId: 'STATEMENTS', scope: 'test', key: 'a' }),
    insertRows(idempotencyKeys, [key('d', 202)], 'on conflict do nothing')
  ])
  t.match(joined.sql, /^with w0 as \(insert .*\), w1 as \(update .*\) insert .* on conflict do nothing$/)
  t.equal(joined.params.length, 6 + 4 + 6)
  t.same(joined.sql.match(/\$\d+/g)!.map((p) => Number(p.slice(1))), Array.from({ length: 16 }, (_, i) => i + 1), '$1 … $16, each once, in order')
  await send(app.db, joined)
  t.same((await stored()).map((r) => [r.key, r.statusCode]), [['a', 410], ['b', 409], ['c', 201], ['d', 202]])
  const single = insertRows(idempotencyKeys, [key('e', 201)])
  t.equal(together([single]), single, 'one write is sent as it is')
})

tap.test('selectRows sends a built statement with its parameters', async (t) => {
  const built = await selectRows<{ n: number }>(app.db, { sql: 'select $1::int + $2::int as n', params: [2, 3] })
  t.same(built, [{ n: 5 }])
})

tap.test('statement: values become parameters, column lists stay text', async (t) => {
  const built = statement`select ${columnsOf(idempotencyKeys)} from idempotency_keys where trial_id = ${'STATEMENTS'} and key = ${'c'}`
  t.match(built.sql, /^select "trial_id" as "trialId", .* from idempotency_keys where trial_id = \$1 and key = \$2$/)
  t.same(built.params, ['STATEMENTS', 'c'])
  const [row] = await selectRows<{ trialId: string, key: string, statusCode: number }>(app.db, built)
  t.match(row, { trialId: 'STATEMENTS', key: 'c', statusCode: 201 })
})
