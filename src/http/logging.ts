import type { FastifyInstance, FastifyServerOptions } from 'fastify'

/**
 * pino options: JSON lines, no request or response bodies (they hold health
 * data), and headers that carry credentials redacted. Request URLs are not
 * logged either, because their paths name participants: the route template
 * is logged instead.
 */
export function loggerOptions (level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.participantId', '*.externalId', '*.otherSpecify'],
      censor: '[redacted]'
    },
    serializers: {
      req: (req: { method: string, routeOptions?: { url?: string } }) => ({ method: req.method, route: req.routeOptions?.url })
    }
  }
}

/** One log line per request: request id, route, status and duration. */
export function registerRequestLogging (app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100
    }, 'request completed')
    done()
  })
}
