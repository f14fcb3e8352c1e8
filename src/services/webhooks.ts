import type { Db } from '../../db/client.js'
import {
  deliveryExists, insertMessage, insertWebhook, listWebhooks as readWebhooks, readDeliveryPage, readWebhook, requeueDelivery, updateWebhook,
  type DeliveryState, type OutboxRow, type WebhookRow
} from '../../db/repos/webhooks.js'
import { uuidv7 } from 'uuidv7'
import type { Principal } from '../auth/roles.js'
import { conflict, notFound, unprocessable } from '../lib/errors.js'
import { targetRefusal } from '../lib/webhook-target.js'
import type { PingEvent } from '../schemas/webhooks.js'
import { clinicalWrite } from './clinical-write.js'
import { requireTrial } from './trials.js'
import { newWebhookSecret } from './webhook-delivery.js'

/** The trial's webhooks; 404 when there is no such trial. */
export async function listWebhooks (db: Db, trialId: string): Promise<WebhookRow[]> {
  await requireTrial(db, trialId)
  return await readWebhooks(db, trialId)
}

/**
 * Subscribes a URL to the trial's decisions (audited; the status is not
 * re-evaluated). The signing secret is generated here and returned this once.
 */
export async function createWebhook (db: Db, trialId: string, principal: Principal, url: string, allowPrivateTargets: boolean): Promise<WebhookRow> {
  const refusal = targetRefusal(url, allowPrivateTargets)
  if (refusal !== null) throw unprocessable('The webhook target is refused', [{ path: '/url', message: refusal }])
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const row = await insertWebhook(ctx.tx, {
      trialId, webhookId: uuidv7(), url, secret: newWebhookSecret(), createdBy: ctx.principal.sub, createdAt: ctx.at
    })
    ctx.audit({ action: 'create', entity: 'webhook', entityId: row.webhookId, after: { url: row.url } })
    return row
  })
  return value
}

/** Enables or disables a webhook (audited); 404 when the trial has no such webhook. */
export async function setWebhookActive (db: Db, trialId: string, webhookId: string, principal: Principal, active: boolean): Promise<WebhookRow> {
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const row = await updateWebhook(ctx.tx, trialId, webhookId, { active })
    if (row === undefined) throw notFound('Webhook')
    ctx.audit({ action: active ? 'enable' : 'disable', entity: 'webhook', entityId: webhookId, after: { active } })
    return row
  })
  return value
}

/**
 * Replaces the signing secret (audited). The replaced one keeps signing
 * beside it for `overlapSeconds`, so receivers can switch without a gap.
 */
export async function rotateWebhookSecret (db: Db, trialId: string, webhookId: string, principal: Principal, overlapSeconds: number): Promise<WebhookRow> {
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const current = await readWebhook(ctx.tx, trialId, webhookId)
    if (current === undefined) throw notFound('Webhook')
    const previousSecretUntil = new Date(Date.parse(ctx.at) + overlapSeconds * 1000).toISOString()
    const row = await updateWebhook(ctx.tx, trialId, webhookId, { secret: newWebhookSecret(), previousSecret: current.secret, previousSecretUntil })
    ctx.audit({ action: 'rotate-secret', entity: 'webhook', entityId: webhookId, after: { previousSecretUntil } })
    return row!
  })
  return value
}

async function requireWebhook (db: Db, trialId: string, webhookId: string): Promise<WebhookRow> {
  await requireTrial(db, trialId)
  const row = await readWebhook(db, trialId, webhookId)
  if (row === undefined) throw notFound('Webhook')
  return row
}

/** A webhook's deliveries, oldest first; 404 when the trial has no such webhook. */
export async function listDeliveries (db: Db, key: { trialId: string, webhookId: string, state?: DeliveryState | undefined, after?: [string, string] | undefined }, limit: number): Promise<OutboxRow[]> {
  await requireWebhook(db, key.trialId, key.webhookId)
  return await readDeliveryPage(db, key, limit)
}

/** Queues a test message to the webhook, outside the trial's event sequence; 409 when the webhook is disabled. */
export async function pingWebhook (db: Db, trialId: string, webhookId: string): Promise<OutboxRow> {
  const webhook = await requireWebhook(db, trialId, webhookId)
  if (!webhook.active) throw conflict('webhook-disabled', 'The webhook is disabled: enable it first')
  const payload: PingEvent = { type: 'webhook.ping', timestamp: new Date().toISOString(), data: { trialId, webhookId } }
  return await insertMessage(db, { trialId, outboxId: uuidv7(), webhookId, payload })
}

/**
 * Sends a dead-lettered (or delivered) delivery again, from a first attempt
 * (audited). It keeps its id and sequence, so later events of the webhook
 * wait for it again. 404: no such delivery; 409: it is still pending.
 */
export async function replayDelivery (db: Db, trialId: string, webhookId: string, deliveryId: string, principal: Principal): Promise<OutboxRow> {
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const row = await requeueDelivery(ctx.tx, trialId, webhookId, deliveryId, ctx.at)
    if (row === undefined) {
      if (await deliveryExists(ctx.tx, trialId, webhookId, deliveryId)) throw conflict('delivery-pending', 'The delivery is still pending: it is retried on its own')
      throw notFound('Delivery')
    }
    ctx.audit({ action: 'replay', entity: 'webhook-delivery', entityId: deliveryId, after: { webhookId } })
    return row
  })
  return value
}
