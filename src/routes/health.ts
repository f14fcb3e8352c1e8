import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { latestMigration, shippedMigrations } from '../../db/migrate.js'
import { ping } from '../../db/repos/health.js'
import { problems } from '../http/responses.js'
import { SERVICE_VERSION } from '../version.js'
import { DATABASE_RETRY_AFTER_SECONDS, sendProblem } from '../http/error-handler.js'
import { problem } from '../http/problem.js'

const healthSchema = z.object({ status: z.literal('ok'), version: z.string() })
const readySchema = z.object({
  status: z.literal('ready'),
  database: z.enum(['pglite', 'postgres']),
  migrations: z.object({ applied: z.string(), shipped: z.number().int() })
})

// A readiness probe that waits longer than this is answered 503: a load balancer must not wait on a wedged pool.
const READY_TIMEOUT_MS = 2000

async function withTimeout<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/health', {
    config: { access: 'public' },
    schema: {
      operationId: 'getHealth',
      summary: 'The process is up and its database pool is not wedged',
      description: 'Liveness: 503 when database statements have been waiting with none completing for a minute (restart the instance). An unreachable database is /ready\'s concern, not this one\'s.',
      tags: ['Operations'],
      response: { 200: healthSchema, ...problems(503) }
    }
  }, async (_request, reply) => app.database.wedged()
    ? sendProblem(reply, problem(503, 'wedged', 'Database statements are waiting and none has completed within the bound; restart this instance'))
    : { status: 'ok' as const, version: SERVICE_VERSION })

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
      const latest = await withTimeout(ping(app.db).then(async () => await latestMigration(app.db)), READY_TIMEOUT_MS)
      const shipped = shippedMigrations()
      if (latest === null) return sendProblem(reply, problem(503, 'not-ready', 'No database migration has been applied'))
      return { status: 'ready' as const, database: app.database.kind, migrations: { applied: latest.hash, shipped } }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
      return sendProblem(reply, problem(503, 'not-ready', 'The database is not reachable'))
    }
  })
}
