import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { latestMigration, shippedMigrations } from '../../db/migrate.js'
import { ping } from '../../db/repos/health.js'
import { problems } from '../http/responses.js'
import { SERVICE_VERSION } from '../version.js'
import { sendProblem } from '../http/error-handler.js'
import { problem } from '../http/problem.js'

const healthSchema = z.object({ status: z.literal('ok'), version: z.string() })
const readySchema = z.object({
  status: z.literal('ready'),
  database: z.enum(['pglite', 'postgres']),
  migrations: z.object({ applied: z.string(), shipped: z.number().int() })
})

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/health', {
    config: { access: 'public' },
    schema: { operationId: 'getHealth', summary: 'The process is up', tags: ['Operations'], response: { 200: healthSchema } }
  }, async () => ({ status: 'ok' as const, version: SERVICE_VERSION }))

  app.get('/ready', {
    config: { access: 'public' },
    schema: {
      operationId: 'getReadiness',
      summary: 'The database is reachable and every shipped migration is applied',
      tags: ['Operations'],
      response: { 200: readySchema, ...problems(503) }
    }
  }, async (request, reply) => {
    try {
      await ping(app.db)
      const latest = await latestMigration(app.db)
      const shipped = shippedMigrations()
      if (latest === null) return sendProblem(reply, problem(503, 'not-ready', 'No database migration has been applied'))
      return { status: 'ready' as const, database: app.database.kind, migrations: { applied: latest.hash, shipped } }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      return sendProblem(reply, problem(503, 'not-ready', 'The database is not reachable'))
    }
  })
}
