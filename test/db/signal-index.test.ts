// The status engine reads the trial's safety signals through the partial index
// adverse_events_signals: the index must hold exactly the AEs the signal query
// selects (SIGNAL_CONDITION, derived from the rule types' declared inputs).
// A rule type that reads a new AE fact changes the query; an index left
// behind would still serve it only after a scan, or, narrower than the query,
// not at all. PostgreSQL itself normalises both predicates for the comparison.
import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows } from '../../db/client.js'
import { SIGNAL_CONDITION } from '../../db/repos/adverse-events.js'
import { build } from '../helpers/build.js'

const { app } = await build()

const predicateOf = async (tx: Pick<typeof app.db, 'execute'>, index: string) =>
  rows<{ predicate: string | null }>(await tx.execute(sql`select pg_get_expr(i.indpred, i.indrelid) as predicate
    from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = ${index}`))[0]?.predicate

tap.test('the signal index predicate is the signal query condition', async (t) => {
  const ROLLBACK = new Error('rollback')
  await app.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`create index signal_condition_probe on adverse_events (trial_id) where ${SIGNAL_CONDITION}`))
    const query = await predicateOf(tx, 'signal_condition_probe')
    t.type(query, 'string')
    t.equal(await predicateOf(tx, 'adverse_events_signals'), query)
    throw ROLLBACK
  }).catch((error: unknown) => { if (error !== ROLLBACK) throw error })
})
