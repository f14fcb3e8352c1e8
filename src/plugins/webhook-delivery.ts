import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { startDeliverer, type Deliverer } from '../services/webhook-delivery.js'
import { STATUS_CHANNEL } from '../services/status.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** sends the outbox's deliveries; `wake()` after queueing one outside a decision */
    webhookDeliverer: Pick<Deliverer, 'wake'>
  }
}

/**
 * Runs the deliverer while the app runs. Every decision is NOTIFYed when its
 * transaction commits, so every instance wakes then; the poll picks up
 * retries as they fall due and rows any instance missed.
 */
async function webhookDelivery (app: FastifyInstance, options: { pollMs?: number }): Promise<void> {
  const { config } = app
  const deliverer = startDeliverer(app.db, {
    concurrency: config.WEBHOOK_CONCURRENCY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    pollMs: options.pollMs ?? 1_000,
    log: app.log.child({ component: 'webhooks' })
  })
  const unlisten = await app.database.listen(STATUS_CHANNEL, () => { deliverer.wake() })
  app.decorate('webhookDeliverer', { wake: deliverer.wake })
  app.addHook('onClose', async () => {
    await unlisten()
    await deliverer.close()
  })
}

export const webhookDeliveryPlugin = fp(webhookDelivery, { name: 'webhook-delivery', fastify: '5.x', dependencies: ['database'] })
