import { and, eq } from 'drizzle-orm'
import { idempotencyKeys } from '../schema.js'
import type { Queryable } from '../client.js'
import type { IdempotencyKeyRow as KeyRow } from '../schema.js'

export type { KeyRow }

export async function readKey (db: Queryable, ids: { trialId: string, scope: string, key: string }): Promise<KeyRow | undefined> {
  const [seen] = await db.select().from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.trialId, ids.trialId), eq(idempotencyKeys.scope, ids.scope), eq(idempotencyKeys.key, ids.key))).execute()
  return seen
}

/** Stores a key's response; issued at once (for a pipeline's defer). */
export const insertKey = (db: Queryable, row: typeof idempotencyKeys.$inferInsert): Promise<unknown> =>
  db.insert(idempotencyKeys).values(row).execute()
