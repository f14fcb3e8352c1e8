import type { FastifyInstance } from 'fastify'
import { fastifySSE } from '@fastify/sse'
import { healthRoutes } from './health.js'
import { statusRoutes } from './status.js'
import { dmcRoutes } from './dmc.js'
import { eventRoutes } from './events.js'
import { decisionBusPlugin } from '../services/decision-bus.js'
import { webhookDeliveryPlugin } from '../services/webhook-delivery.js'
import { webhookRoutes } from './webhooks.js'
import { ctcaePlugin } from '../services/ctcae.js'
import { ctcaeRoutes } from './ctcae.js'
import { adverseEventRoutes } from './adverse-events.js'
import { saeReportRoutes } from './sae-reports.js'
import { trialRoutes } from './trials.js'
import { participantRoutes } from './participants.js'
import { auditRoutes } from './audit.js'
import { exportRoutes } from './exports.js'

/** Every route module of the service, registered in one place. */
export async function registerRoutes (app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes)
  await app.register(statusRoutes)
  await app.register(dmcRoutes)
  await app.register(decisionBusPlugin)
  // Comment heartbeats every 15 s keep proxies from closing idle event streams.
  await app.register(fastifySSE, { heartbeatInterval: 15_000 })
  await app.register(eventRoutes)
  await app.register(webhookRoutes)
  await app.register(webhookDeliveryPlugin)
  await app.register(ctcaePlugin)
  await app.register(ctcaeRoutes)
  await app.register(adverseEventRoutes)
  await app.register(saeReportRoutes)
  await app.register(trialRoutes)
  await app.register(participantRoutes)
  await app.register(auditRoutes)
  await app.register(exportRoutes)
}
