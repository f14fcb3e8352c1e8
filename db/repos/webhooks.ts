import { and, asc, eq, isNotNull, isNull, or, type SQL } from 'drizzle-orm'
import { outbox, webhooks } from '../schema.js'
import type { Queryable, Tx } from '../client.js'
import { rowsAfter } from '../keyset.js'
import { selectRows, send, statement } from '../statements.js'
import type { OutboxRow, WebhookRow } from '../schema.js'

export type { OutboxRow, WebhookRow }

export async function insertWebhook (db: Queryable, row: typeof webhooks.$inferInsert): Promise<WebhookRow> {
  const [inserted] = await db.insert(webhooks).values(row).returning()
  return inserted!
}

export async function listWebhooks (db: Queryable, trialId: string): Promise<WebhookRow[]> {
  return await db.select().from(webhooks).where(eq(webhooks.trialId, trialId)).orderBy(asc(webhooks.webhookId))
}

export async function readWebhook (db: Queryable, trialId: string, webhookId: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(and(eq(webhooks.trialId, trialId), eq(webhooks.webhookId, webhookId)))
  return row
}

/** Changes a webhook; undefined when the trial has no such webhook. */
export async function updateWebhook (db: Queryable, trialId: string, webhookId: string, values: Partial<typeof webhooks.$inferInsert>): Promise<WebhookRow | undefined> {
  const [row] = await db.update(webhooks).set(values)
    .where(and(eq(webhooks.trialId, trialId), eq(webhooks.webhookId, webhookId))).returning()
  return row
}

/**
 * Queues one event for every active webhook of the trial, numbered with the
 * trial's next sequence number (written into the payload's data.sequence).
 * Issued at once (for a pipeline's defer). The caller holds the trial's lock,
 * so two events of a trial never take the same number.
 */
export const insertTrialEvent = (tx: Tx, trialId: string, payload: unknown): Promise<unknown> => send(tx, statement`
  insert into outbox (trial_id, outbox_id, webhook_id, sequence, payload)
  select w.trial_id, gen_random_uuid(), w.webhook_id, s.next, jsonb_set(${JSON.stringify(payload)}::jsonb, '{data,sequence}', to_jsonb(s.next))
  from webhooks w, (select coalesce(max(sequence), 0) + 1 as next from outbox where trial_id = ${trialId}) s
  where w.trial_id = ${trialId} and w.active`)

/** Queues an unnumbered message (a ping) for one webhook. */
export async function insertMessage (db: Queryable, row: typeof outbox.$inferInsert): Promise<OutboxRow> {
  const [inserted] = await db.insert(outbox).values(row).returning()
  return inserted!
}

/** A claimed delivery: what an attempt sends, and the secrets that sign it. */
export interface ClaimedDelivery {
  trialId: string
  outboxId: string
  webhookId: string
  payload: unknown
  attempts: number
  url: string
  secret: string
  previousSecret: string | null
}

/**
 * Claims up to `limit` due deliveries in one short statement: each is leased
 * until `leaseUntil` (counted as an attempt), so no other instance sends it
 * meanwhile and, if this one dies, it is retried after the lease. Rows
 * another instance is claiming are skipped (SKIP LOCKED). Only the head of
 * each subscription is due: a delivery waits while an earlier event of its
 * webhook is neither delivered nor dead-lettered, and a disabled webhook's wait.
 */
export async function claimDeliveries (db: Queryable, now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
  return await selectRows<ClaimedDelivery>(db, statement`
    with due as (
      select o.trial_id, o.outbox_id from outbox o
      join webhooks w on w.trial_id = o.trial_id and w.webhook_id = o.webhook_id and w.active
      where o.delivered_at is null and o.dead_at is null and o.next_attempt_at <= ${now}
        and not exists (
          select 1 from outbox e
          where e.trial_id = o.trial_id and e.webhook_id = o.webhook_id and e.sequence < o.sequence
            and e.delivered_at is null and e.dead_at is null)
      order by o.next_attempt_at
      limit ${limit}
      for update of o skip locked
    )
    update outbox o set attempts = o.attempts + 1, next_attempt_at = ${leaseUntil}, last_attempt_at = ${now}
    from due, webhooks w
    where o.trial_id = due.trial_id and o.outbox_id = due.outbox_id and w.trial_id = o.trial_id and w.webhook_id = o.webhook_id
    returning o.trial_id as "trialId", o.outbox_id as "outboxId", o.webhook_id as "webhookId", o.payload, o.attempts,
      w.url, w.secret, case when w.previous_secret_until > ${now} then w.previous_secret end as "previousSecret"`)
}

/** Records an attempt's outcome on one delivery. */
export async function updateDelivery (db: Queryable, trialId: string, outboxId: string, values: Partial<typeof outbox.$inferInsert>): Promise<void> {
  await db.update(outbox).set(values).where(and(eq(outbox.trialId, trialId), eq(outbox.outboxId, outboxId)))
}

export type DeliveryState = 'pending' | 'delivered' | 'dead'

const inState: Record<DeliveryState, SQL> = {
  pending: and(isNull(outbox.deliveredAt), isNull(outbox.deadAt))!,
  delivered: isNotNull(outbox.deliveredAt),
  dead: isNotNull(outbox.deadAt)
}

/** A webhook's deliveries, oldest first, after the keyset cursor (created_at, outbox_id). */
export async function readDeliveryPage (db: Queryable, key: { trialId: string, webhookId: string, state?: DeliveryState | undefined, after?: [string, string] | undefined }, limit: number): Promise<OutboxRow[]> {
  return await db.select().from(outbox).where(and(
    eq(outbox.trialId, key.trialId),
    eq(outbox.webhookId, key.webhookId),
    key.state === undefined ? undefined : inState[key.state],
    key.after === undefined ? undefined : rowsAfter([outbox.createdAt, outbox.outboxId], key.after)
  )).orderBy(asc(outbox.createdAt), asc(outbox.outboxId)).limit(limit)
}

/** Sends a delivered or dead-lettered delivery again from its first attempt; undefined when there is none such. */
export async function requeueDelivery (db: Queryable, trialId: string, webhookId: string, outboxId: string, now: string): Promise<OutboxRow | undefined> {
  const [row] = await db.update(outbox).set({ attempts: 0, nextAttemptAt: now, deliveredAt: null, deadAt: null, lastError: null })
    .where(and(eq(outbox.trialId, trialId), eq(outbox.webhookId, webhookId), eq(outbox.outboxId, outboxId), or(isNotNull(outbox.deliveredAt), isNotNull(outbox.deadAt))))
    .returning()
  return row
}

export const deliveryExists = async (db: Queryable, trialId: string, webhookId: string, outboxId: string): Promise<boolean> =>
  (await db.select({ id: outbox.outboxId }).from(outbox)
    .where(and(eq(outbox.trialId, trialId), eq(outbox.webhookId, webhookId), eq(outbox.outboxId, outboxId)))).length > 0
