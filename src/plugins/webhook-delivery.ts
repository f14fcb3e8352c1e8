import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { deliverDue } from '../services/webhook-delivery.js'

/** Polls the outbox every second while the app runs. */
async function webhookDelivery (app: FastifyInstance, options: { intervalMs?: number }): Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = running.then(() => deliverDue(app.db)).catch((err: unknown) => { app.log.warn({ err }, 'webhook delivery failed') })
  }, options.intervalMs ?? 1_000)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}

export const webhookDeliveryPlugin = fp(webhookDelivery, { name: 'webhook-delivery', fastify: '5.x', dependencies: ['database'] })
