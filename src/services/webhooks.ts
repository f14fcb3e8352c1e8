import { uuidv7 } from 'uuidv7'
import type { Db } from '../../db/client.js'
import { deactivateWebhook as deactivate, insertWebhook, type WebhookRow } from '../../db/repos/webhooks.js'
import type { Principal } from '../auth/roles.js'
import { notFound } from '../lib/errors.js'
import { clinicalWrite } from './clinical-write.js'

export { listWebhooks } from '../../db/repos/webhooks.js'

/** Subscribes a URL to the trial's decisions (audited; the status is not re-evaluated). */
export async function createWebhook (db: Db, trialId: string, principal: Principal, input: { url: string, secret: string }): Promise<WebhookRow> {
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const row = await insertWebhook(ctx.tx, {
      trialId, webhookId: uuidv7(), url: input.url, secret: input.secret, createdBy: ctx.principal.sub, createdAt: ctx.at
    })
    ctx.audit({ action: 'create', entity: 'webhook', entityId: row.webhookId, after: { url: row.url } })
    return row
  })
  return value
}

/** Deactivates a webhook, kept for the record; 404 when the trial has no such webhook. */
export async function deactivateWebhook (db: Db, trialId: string, webhookId: string, principal: Principal): Promise<WebhookRow> {
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => {
    const row = await deactivate(ctx.tx, trialId, webhookId)
    if (row === undefined) throw notFound('Webhook')
    ctx.audit({ action: 'deactivate', entity: 'webhook', entityId: webhookId, before: { active: true }, after: { active: false } })
    return row
  })
  return value
}
