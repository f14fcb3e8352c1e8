import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { PROBLEM_CONTENT_TYPE, pointerToken, problem, problemOf, problemType, type Problem } from './problem.js'
import { AppError, type FieldError } from '../lib/errors.js'
import { isDatabaseUnavailable } from '../../db/unavailable.js'

// A restart or failover of PostgreSQL takes seconds: clients come back soon after.
export const DATABASE_RETRY_AFTER_SECONDS = 2

// Fastify's own error codes that are the client's fault, mapped to a problem type.
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload-too-large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed-request'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed-request'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'malformed-request'],
  FST_ERR_VALIDATION: [400, 'validation']
}

function toProblem (error: FastifyError, request: FastifyRequest): Problem {
  const instance = request.url.split('?')[0]
  if (error instanceof AppError) return problemOf(error, instance)
  if (hasZodFastifySchemaValidationErrors(error)) {
    // A body that parses but breaks the schema is unprocessable content;
    // a bad path parameter, query string or header is a bad request.
    const inBody = error.validationContext === 'body'
    const prefix = inBody ? '' : `/${error.validationContext ?? 'request'}`
    const errors: FieldError[] = error.validation.flatMap((v) => {
      const at = v.instancePath === '/' ? '' : v.instancePath
      // Strict schemas: each unknown field is named by its own JSON pointer.
      const unknown = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined
      if (Array.isArray(unknown)) return unknown.map((key) => ({ path: `${prefix}${at}/${pointerToken(String(key))}`, message: 'unknown field' }))
      return [{ path: `${prefix}${v.instancePath}`, message: v.message ?? 'invalid' }]
    })
    return problem(inBody ? 422 : 400, 'validation', `The request ${error.validationContext ?? ''} is not valid`.replace('  ', ' '), { instance, errors })
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return problem(400, 'malformed-request', 'The request body is not valid JSON', { instance })
  }
  if (isDatabaseUnavailable(error)) {
    return problem(503, 'database-unavailable', 'The database cannot be reached; nothing of this request was kept. Send it again after Retry-After seconds', { instance })
  }
  const known = error.code === undefined ? undefined : FASTIFY_CLIENT_ERRORS[error.code]
  if (known !== undefined) return problem(known[0], known[1], error.message, { instance })
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return problem(status, 'about:blank', error.message, { instance })
  return problem(500, 'internal', 'An unexpected error occurred; it has been logged with the request id', { instance })
}

export function sendProblem (reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body)
}

// Errors Fastify's router raises before a route is found (no hooks or error handler run).
const FRAMEWORK_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'malformed-request', 'The request path is not valid percent-encoded UTF-8'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri-too-long', 'A path parameter of the request is too long']
}

/** Fastify's `frameworkErrors` option: router-level refusals as problem+json too. */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const [status, slug, detail] = FRAMEWORK_ERRORS[error.code] ?? [500, 'internal', 'An unexpected error occurred; it has been logged with the request id']
  if (status >= 500) request.log.error({ err: error }, 'request failed')
  return sendProblem(reply, problem(status, slug, detail, { instance: request.url.split('?')[0] }))
}

/** One error handler for the whole service: every error leaves as RFC 9457 problem+json. */
export function registerErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toProblem(error, request)
    if (body.status === 503 && body.type === problemType('database-unavailable')) {
      request.log.warn({ err: error }, 'database unavailable')
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
    } else if (body.status >= 500) {
      // Response-schema mismatches are our bugs: log them loudly, never show them.
      request.log.error({ err: error, serialization: isResponseSerializationError(error) }, 'request failed')
    }
    if (body.status === 429 || body.status === 503) {
      const retryAfter = reply.getHeader('retry-after')
      if (retryAfter !== undefined) reply.header('retry-after', retryAfter)
    }
    return sendProblem(reply, body)
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'not-found', `No route for ${request.method} ${request.url.split('?')[0]}`, { instance: request.url.split('?')[0] })))
}
