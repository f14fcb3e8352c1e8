import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { WebhookRow } from '../../db/schema.js'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { createWebhook, deactivateWebhook, listWebhooks } from '../services/webhooks.js'
import { trialParams } from '../schemas/params.js'
import { webhookSchema } from '../schemas/webhooks.js'

const toWebhook = (w: WebhookRow) => ({
  webhookId: w.webhookId,
  url: w.url,
  active: w.active,
  createdBy: w.createdBy,
  createdAt: new Date(w.createdAt).toISOString()
})

export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/webhooks', {
    config: { access: { roles: ['admin'] } },
    schema: {
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to the trial\'s decision changes',
      description: 'Each new decision is POSTed as JSON with `x-dlt-signature: sha256=HMAC(secret, timestamp + "." + body)` and `x-dlt-timestamp`, from a durable outbox, retried with exponential backoff.',
      tags: ['Webhooks'],
      params: trialParams,
      body: z.strictObject({
        url: z.url({ protocol: /^https?$/ }).max(2048),
        secret: z.string().min(16).max(256).describe('shared secret for the HMAC-SHA256 signature; never returned')
      }),
      response: { 201: webhookSchema, ...problems(...WITH_BODY, 404) }
    }
  }, async (request, reply) => {
    const { trialId } = request.params
    const value = await createWebhook(app.db, trialId, request.principal!, request.body)
    return reply.code(201).send(toWebhook(value))
  })

  app.get('/v1/trials/:trialId/webhooks', {
    config: { access: { roles: ['admin'] } },
    schema: {
      operationId: 'listWebhooks',
      summary: 'The trial\'s webhook subscriptions',
      tags: ['Webhooks'],
      params: trialParams,
      response: { 200: z.object({ items: z.array(webhookSchema) }), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const rows = await listWebhooks(app.db, request.params.trialId)
    return { items: rows.map(toWebhook) }
  })

  app.delete('/v1/trials/:trialId/webhooks/:webhookId', {
    config: { access: { roles: ['admin'] } },
    schema: {
      operationId: 'deleteWebhook',
      summary: 'Deactivate a webhook (kept for the record)',
      tags: ['Webhooks'],
      params: trialParams.extend({ webhookId: z.uuid() }),
      response: { 200: webhookSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId, webhookId } = request.params
    const value = await deactivateWebhook(app.db, trialId, webhookId, request.principal!)
    return toWebhook(value)
  })
}
