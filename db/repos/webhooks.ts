import { outbox } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { selectRows, statement } from '../statements.js'

/** The ids of the trial's active webhooks. */
export async function readActiveWebhookIds (db: Queryable, trialId: string): Promise<Array<{ webhookId: string }>> {
  return await selectRows<{ webhookId: string }>(db, statement`select webhook_id as "webhookId" from webhooks where trial_id = ${trialId} and active`)
}

/** Queues deliveries; issued at once (for a pipeline's defer). */
export const insertOutbox = (tx: Tx, rows: Array<typeof outbox.$inferInsert>): Promise<unknown> => tx.insert(outbox).values(rows).execute()
