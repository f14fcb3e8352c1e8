import { and, asc, eq } from 'drizzle-orm'
import { outbox, webhooks } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { selectRows, statement } from '../statements.js'

/** The ids of the trial's active webhooks. */
export async function readActiveWebhookIds (db: Queryable, trialId: string): Promise<Array<{ webhookId: string }>> {
  return await selectRows<{ webhookId: string }>(db, statement`select webhook_id as "webhookId" from webhooks where trial_id = ${trialId} and active`)
}

/** Queues deliveries; issued at once (for a pipeline's defer). */
export const insertOutbox = (tx: Tx, rows: Array<typeof outbox.$inferInsert>): Promise<unknown> => tx.insert(outbox).values(rows).execute()

export type WebhookRow = typeof webhooks.$inferSelect

export async function insertWebhook (db: Queryable, row: typeof webhooks.$inferInsert): Promise<WebhookRow> {
  const [inserted] = await db.insert(webhooks).values(row).returning()
  return inserted!
}

export async function listWebhooks (db: Queryable, trialId: string): Promise<WebhookRow[]> {
  return await db.select().from(webhooks).where(eq(webhooks.trialId, trialId)).orderBy(asc(webhooks.webhookId))
}

/** Marks a webhook inactive; undefined when the trial has no such webhook. */
export async function deactivateWebhook (db: Queryable, trialId: string, webhookId: string): Promise<WebhookRow | undefined> {
  const [row] = await db.update(webhooks).set({ active: false })
    .where(and(eq(webhooks.trialId, trialId), eq(webhooks.webhookId, webhookId))).returning()
  return row
}
