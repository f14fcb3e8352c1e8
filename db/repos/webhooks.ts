import { and, asc, eq, isNull, lte } from 'drizzle-orm'
import { outbox, webhooks } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { selectRows, statement } from '../statements.js'
import type { WebhookRow } from '../schema.js'

/** The ids of the trial's active webhooks. */
export async function readActiveWebhookIds (db: Queryable, trialId: string): Promise<Array<{ webhookId: string }>> {
  return await selectRows<{ webhookId: string }>(db, statement`select webhook_id as "webhookId" from webhooks where trial_id = ${trialId} and active`)
}

/** Queues deliveries; issued at once (for a pipeline's defer). */
export const insertOutbox = (tx: Tx, rows: Array<typeof outbox.$inferInsert>): Promise<unknown> => tx.insert(outbox).values(rows).execute()

export type { WebhookRow }

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

/** Up to `limit` undelivered outbox rows due by `now`, with their webhook; locked, skipping rows another instance holds. */
export async function claimDueDeliveries (tx: Tx, now: string, limit: number) {
  return await tx.select({ row: outbox, url: webhooks.url, secret: webhooks.secret }).from(outbox)
    .innerJoin(webhooks, and(eq(webhooks.trialId, outbox.trialId), eq(webhooks.webhookId, outbox.webhookId)))
    .where(and(isNull(outbox.deliveredAt), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.nextAttemptAt)).limit(limit).for('update', { of: outbox, skipLocked: true })
}

/** Records a delivery attempt on one outbox row. */
export async function updateOutbox (tx: Tx, trialId: string, outboxId: string, values: Partial<typeof outbox.$inferInsert>): Promise<void> {
  await tx.update(outbox).set(values).where(and(eq(outbox.trialId, trialId), eq(outbox.outboxId, outboxId)))
}
