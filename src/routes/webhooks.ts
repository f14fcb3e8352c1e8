import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { OutboxRow, WebhookRow } from '../../db/schema.js'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { decodeCursor, page, pageOf, pageQuery } from '../http/pagination.js'
import {
  createWebhook, listDeliveries, listWebhooks, pingWebhook, replayDelivery, rotateWebhookSecret, setWebhookActive
} from '../services/webhooks.js'
import { toInstant } from '../services/trials.js'
import { trialParams } from '../schemas/params.js'
import { deliverySchema, webhookSchema, webhookWithSecretSchema } from '../schemas/webhooks.js'

const ADMIN = { roles: ['admin'] } as const
const webhookParams = trialParams.extend({ webhookId: z.uuid() })
const instantOrNull = (at: string | null) => at === null ? null : toInstant(at)

const toWebhook = (w: WebhookRow) => ({
  webhookId: w.webhookId,
  url: w.url,
  active: w.active,
  previousSecretUntil: instantOrNull(w.previousSecretUntil),
  createdBy: w.createdBy,
  createdAt: toInstant(w.createdAt)
})

const toDelivery = (d: OutboxRow) => {
  const state = d.deliveredAt !== null ? 'delivered' as const : d.deadAt !== null ? 'dead' as const : 'pending' as const
  return {
    deliveryId: d.outboxId,
    webhookId: d.webhookId,
    type: (d.payload as { type: string }).type,
    sequence: d.sequence,
    state,
    attempts: d.attempts,
    lastAttemptAt: instantOrNull(d.lastAttemptAt),
    nextAttemptAt: state === 'pending' ? toInstant(d.nextAttemptAt) : null,
    deliveredAt: instantOrNull(d.deliveredAt),
    deadAt: instantOrNull(d.deadAt),
    lastError: d.lastError,
    createdAt: toInstant(d.createdAt)
  }
}

const SIGNING = 'Deliveries follow Standard Webhooks (https://www.standardwebhooks.com): `webhook-id` (the delivery id), `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}` with the `whsec_` secret; the payloads are in this document\'s `webhooks`.'

export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/webhooks', {
    config: { access: ADMIN },
    schema: {
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to the trial\'s decision changes',
      description: `Each new decision is queued with the write that made it and POSTed after it commits, one at a time per subscription in the trial's sequence order, retried with backoff and dead-lettered after the last attempt. ${SIGNING} The answer carries the generated secret, shown this once. The URL must be https and must not name a loopback, private or link-local address (unless the operator set WEBHOOK_ALLOW_PRIVATE_TARGETS); resolved addresses are checked at every delivery.`,
      tags: ['Webhooks'],
      params: trialParams,
      body: z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2048) }),
      response: { 201: webhookWithSecretSchema, ...problems(...WITH_BODY, 404) }
    }
  }, async (request, reply) => {
    const row = await createWebhook(app.db, request.params.trialId, request.principal!, request.body.url, app.config.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    return reply.code(201).send({ ...toWebhook(row), secret: row.secret })
  })

  app.get('/v1/trials/:trialId/webhooks', {
    config: { access: ADMIN },
    schema: {
      operationId: 'listWebhooks',
      summary: 'The trial\'s webhook subscriptions',
      description: 'Secrets are never returned.',
      tags: ['Webhooks'],
      params: trialParams,
      response: { 200: z.object({ items: z.array(webhookSchema) }), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const rows = await listWebhooks(app.db, request.params.trialId)
    return { items: rows.map(toWebhook) }
  })

  app.patch('/v1/trials/:trialId/webhooks/:webhookId', {
    config: { access: ADMIN },
    schema: {
      operationId: 'updateWebhook',
      summary: 'Enable or disable a webhook',
      description: 'A disabled webhook gets no new events and nothing is sent to it; the deliveries it had pending are sent, in order, once it is enabled again.',
      tags: ['Webhooks'],
      params: webhookParams,
      body: z.strictObject({ active: z.boolean() }),
      response: { 200: webhookSchema, ...problems(...WITH_BODY, 404) }
    }
  }, async (request) => {
    const { trialId, webhookId } = request.params
    const row = await setWebhookActive(app.db, trialId, webhookId, request.principal!, request.body.active)
    if (row.active) app.webhookDeliverer.wake()
    return toWebhook(row)
  })

  app.delete('/v1/trials/:trialId/webhooks/:webhookId', {
    config: { access: ADMIN },
    schema: {
      operationId: 'deleteWebhook',
      summary: 'Disable a webhook (kept for the record)',
      description: 'The same as `PATCH` with `{"active": false}`.',
      tags: ['Webhooks'],
      params: webhookParams,
      response: { 200: webhookSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId, webhookId } = request.params
    return toWebhook(await setWebhookActive(app.db, trialId, webhookId, request.principal!, false))
  })

  app.post('/v1/trials/:trialId/webhooks/:webhookId/rotate-secret', {
    config: { access: ADMIN },
    schema: {
      operationId: 'rotateWebhookSecret',
      summary: 'Replace a webhook\'s signing secret',
      description: 'Answers the new secret, shown this once. Until `previousSecretUntil` (now + overlapSeconds) every delivery carries two signatures, one per secret, so the receiver can switch to the new secret without rejecting a delivery.',
      tags: ['Webhooks'],
      params: webhookParams,
      body: z.strictObject({
        overlapSeconds: z.number().int().min(0).max(7 * 86_400).default(86_400).describe('how long the replaced secret keeps signing (default one day, at most a week)')
      }),
      response: { 200: webhookWithSecretSchema, ...problems(...WITH_BODY, 404) }
    }
  }, async (request) => {
    const { trialId, webhookId } = request.params
    const row = await rotateWebhookSecret(app.db, trialId, webhookId, request.principal!, request.body.overlapSeconds)
    return { ...toWebhook(row), secret: row.secret }
  })

  app.post('/v1/trials/:trialId/webhooks/:webhookId/ping', {
    config: { access: ADMIN },
    schema: {
      operationId: 'pingWebhook',
      summary: 'Send a test message to a webhook',
      description: 'Queues a `webhook.ping` message, signed and retried like any delivery but outside the trial\'s sequence; follow it in the webhook\'s deliveries.',
      tags: ['Webhooks'],
      params: webhookParams,
      response: { 202: deliverySchema, ...problems(...AUTHENTICATED, 404, 409) }
    }
  }, async (request, reply) => {
    const { trialId, webhookId } = request.params
    const row = await pingWebhook(app.db, trialId, webhookId)
    app.webhookDeliverer.wake()
    return reply.code(202).send(toDelivery(row))
  })

  app.get('/v1/trials/:trialId/webhooks/:webhookId/deliveries', {
    config: { access: ADMIN },
    schema: {
      operationId: 'listWebhookDeliveries',
      summary: 'A webhook\'s deliveries, oldest first: pending, delivered and dead-lettered',
      description: 'A delivery is dead-lettered (`state: dead`) when its last attempt failed; replay it once the receiver is fixed.',
      tags: ['Webhooks'],
      params: webhookParams,
      querystring: z.strictObject({ state: deliverySchema.shape.state.optional(), ...pageQuery }),
      response: { 200: pageOf(deliverySchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId, webhookId } = request.params
    const { state, limit, cursor } = request.query
    const after = decodeCursor(cursor, z.tuple([z.string(), z.uuid()]))
    const rows = await listDeliveries(app.db, { trialId, webhookId, state, after }, limit + 1)
    return page(rows, limit, toDelivery, (r) => [r.createdAt, r.outboxId])
  })

  app.post('/v1/trials/:trialId/webhooks/:webhookId/deliveries/:deliveryId/replay', {
    config: { access: ADMIN },
    schema: {
      operationId: 'replayWebhookDelivery',
      summary: 'Send a dead-lettered (or delivered) delivery again',
      description: 'The delivery starts over from its first attempt with the same `webhook-id` and sequence number; later events of the webhook wait until it is delivered or dead-lettered again. 409 while it is still pending.',
      tags: ['Webhooks'],
      params: webhookParams.extend({ deliveryId: z.uuid() }),
      response: { 202: deliverySchema, ...problems(...AUTHENTICATED, 404, 409) }
    }
  }, async (request, reply) => {
    const { trialId, webhookId, deliveryId } = request.params
    const row = await replayDelivery(app.db, trialId, webhookId, deliveryId, request.principal!)
    app.webhookDeliverer.wake()
    return reply.code(202).send(toDelivery(row))
  })
}
