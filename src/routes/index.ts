import type { FastifyInstance } from 'fastify'
import { healthRoutes } from './health.js'
import { statusRoutes } from './status.js'
import { dmcRoutes } from './dmc.js'
import { eventRoutes } from './events.js'
import { webhookRoutes } from './webhooks.js'
import { ctcaeRoutes } from './ctcae.js'
import { adverseEventRoutes } from './adverse-events.js'
import { aeSyncRoutes } from './ae-sync.js'
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
  await app.register(eventRoutes)
  await app.register(webhookRoutes)
  await app.register(ctcaeRoutes)
  await app.register(adverseEventRoutes)
  await app.register(aeSyncRoutes)
  await app.register(saeReportRoutes)
  await app.register(trialRoutes)
  await app.register(participantRoutes)
  await app.register(auditRoutes)
  await app.register(exportRoutes)
}
