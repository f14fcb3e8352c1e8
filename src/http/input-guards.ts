import type { FastifyInstance, FastifyRequest } from 'fastify'
import { pointerToken } from './problem.js'
import { AppError, type FieldError } from '../lib/errors.js'

/** Deepest nesting of objects and arrays a request body may have. */
export const MAX_JSON_DEPTH = 32

type Done = (error: Error | null, body?: unknown) => void
export type JsonBodyParser = (request: FastifyRequest, body: string, done: Done) => void

/**
 * Nesting depth of a JSON text, counted on the raw characters (brackets
 * outside strings) so that a hostile body is measured without first being
 * parsed or walked recursively. Malformed text is left to the parser.
 */
export function jsonDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: the next character is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      deepest = Math.max(deepest, ++depth)
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return deepest
}

// U+0000 cannot be stored in PostgreSQL text or jsonb, and a lone surrogate
// would be stored as U+FFFD: either way not what the client sent.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text)

/** JSON pointers of the strings (values or keys) of a parsed body that cannot be stored as sent; depth is bounded by the parser. */
export function unstorableStrings (value: unknown, path = ''): string[] {
  if (typeof value === 'string') return unstorable(value) ? [path] : []
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, item]) => {
    const at = `${path}/${pointerToken(key)}`
    return [...(unstorable(key) ? [at] : []), ...unstorableStrings(item, at)]
  })
}

/**
 * Fastify's own JSON parser (secure-json-parse: `__proto__` and
 * `constructor.prototype` keys refused) behind two guards: a body nested
 * deeper than MAX_JSON_DEPTH is refused before it is parsed, and one with
 * strings the database cannot store as sent is refused naming them.
 */
export function guardedJsonParser (app: FastifyInstance): JsonBodyParser {
  const parse = app.getDefaultJsonParser('error', 'error')
  return (request, body, done) => {
    if (jsonDepth(body) > MAX_JSON_DEPTH) {
      done(new AppError(400, 'nesting-too-deep', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`))
      return
    }
    parse(request, body, (error, parsed) => {
      if (error !== null) return done(error)
      const paths = unstorableStrings(parsed)
      if (paths.length === 0) return done(null, parsed)
      const errors: FieldError[] = paths.map((path) => ({ path, message: 'contains U+0000 or an unpaired surrogate' }))
      done(new AppError(400, 'malformed-request', 'The request body holds text that cannot be stored as sent', { errors }))
    })
  }
}

/**
 * Request hygiene before any route runs: JSON bodies through the guarded
 * parser, and no NUL in the path or query string (PostgreSQL cannot take it,
 * and no identifier or filter of this API contains one).
 */
export function registerInputGuards (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, guardedJsonParser(app))
  app.addHook('onRequest', (request, _reply, done) => {
    done(/%00/i.test(request.url) ? new AppError(400, 'malformed-request', 'The request URL contains a NUL character (%00)') : undefined)
  })
}
