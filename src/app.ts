import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { serializerCompiler } from './http/serializer.js'
import type { Config } from './config.js'
import type { Database } from '../db/client.js'
import { frameworkErrors, registerErrorHandling } from './http/error-handler.js'
import { registerInputGuards } from './http/input-guards.js'
import { registerRefusalLimit } from './http/refusal-limit.js'
import { loggerOptions, registerRequestLogging } from './http/logging.js'
import { registerSecurityHeaders } from './http/security-headers.js'
import { fastifySSE } from '@fastify/sse'
import { databasePlugin } from './plugins/database.js'
import { authPlugin } from './plugins/auth.js'
import { openapiPlugin } from './plugins/openapi.js'
import { ctcaePlugin } from './plugins/ctcae.js'
import { decisionBusPlugin } from './plugins/decision-bus.js'
import { webhookDeliveryPlugin } from './plugins/webhook-delivery.js'
import { statusSchedulerPlugin } from './plugins/status-scheduler.js'
import { consolePlugin } from './plugins/console.js'
import { verificationKeys } from './auth/keys.js'
import { registerRoutes } from './routes/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export type App = FastifyInstance

export interface BuildOptions {
  /** an already open database (tests share one per file); otherwise opened from config and closed with the app */
  database?: Database
  /** a pino-compatible logger level override; tests pass 'silent' */
  logLevel?: string
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

export async function buildApp (config: Config, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    logger: loggerOptions(options.logLevel ?? config.LOG_LEVEL),
    // Our own one-line-per-request log replaces Fastify's two lines (registerRequestLogging).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    // Given to Node's server at construction too: set only afterwards (as Fastify does), a trickled
    // body outlived it (Node's checks run every connectionsCheckingInterval, 30 s by default).
    http: { requestTimeout: config.REQUEST_TIMEOUT_MS, connectionsCheckingInterval: Math.min(1000, config.REQUEST_TIMEOUT_MS) },
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    frameworkErrors
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // JSON only: a text/plain body is refused with 415 instead of reaching a schema.
  app.removeContentTypeParser('text/plain')
  registerInputGuards(app)
  registerRefusalLimit(app, { max: config.REFUSAL_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS })
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  app.decorate('config', config)
  await app.register(databasePlugin, { database: options.database })

  registerErrorHandling(app)
  registerRequestLogging(app)
  registerSecurityHeaders(app, {
    // The docs UI needs its own inline scripts and styles; everything else is JSON.
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'style-src': ["'self'", 'https:', "'unsafe-inline'"] } }
  })
  if (config.CORS_ORIGINS !== undefined) {
    await app.register(cors, { origin: config.CORS_ORIGINS.split(',').map((o) => o.trim()) })
  }
  await app.register(authPlugin, verificationKeys(config, app.log))
  // Limits apply per token subject, after authentication (preHandler), so a
  // client cannot dodge its limit by rotating forged subjects.
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request) => request.principal === null ? `ip:${request.ip}` : `sub:${request.principal.sub}`
  })
  await app.register(openapiPlugin)
  await app.register(ctcaePlugin)
  await app.register(decisionBusPlugin)
  // Comment heartbeats every 15 s keep proxies from closing idle event streams.
  await app.register(fastifySSE, { heartbeatInterval: 15_000 })
  await app.register(webhookDeliveryPlugin)
  await app.register(statusSchedulerPlugin)
  await registerRoutes(app)
  await app.register(consolePlugin)

  return app
}
