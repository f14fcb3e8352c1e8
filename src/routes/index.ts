import type { FastifyInstance } from 'fastify'
import { healthRoutes } from './health.js'

/** Every route module of the service, registered in one place. */
export async function registerRoutes (app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes)
}
