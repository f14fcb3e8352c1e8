import { sql } from 'drizzle-orm'
import type { Db, Tx } from '../../db/client.js'

/**
 * Runs `body` as an insider with the tables' owner rights would, past the
 * append-only triggers: in a transaction that says it is a migration (the
 * triggers let the owner through then; db/migrations). What such an insider
 * does is what GET /v1/audit/verify must detect.
 */
export async function asTableOwner (db: Db, body: (tx: Tx) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('dlt.migrating', 'on', true)`)
    await body(tx)
  })
}
