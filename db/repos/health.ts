import { sql } from 'drizzle-orm'
import type { Db } from '../client.js'

/** A statement that needs nothing but a working connection: the readiness probe. */
export async function ping (db: Db): Promise<void> {
  await db.execute(sql`select 1`)
}
