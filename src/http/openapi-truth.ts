// What every response carries besides its body, and the media type of its
// body, stated once for the OpenAPI document (src/plugins/openapi.ts) and
// checked against live responses by test/http/openapi-truth.test.ts: a header
// or media type the service sends and the document does not declare fails it.

/** Errors are RFC 9457 problem documents. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

interface HeaderDoc { description: string, schema: { type: 'string' | 'integer' }, required?: boolean }
type Headers = Record<string, HeaderDoc>

const header = (description: string, type: 'string' | 'integer' = 'string', required = false): HeaderDoc =>
  ({ description, schema: { type }, ...(required ? { required } : {}) })

/** Sent on every response. */
export const EVERY_RESPONSE: Headers = {
  'x-request-id': header('The request id (the client\'s X-Request-Id when it is 1-64 of [A-Za-z0-9._-], else generated); in every log line of the request', 'string', true)
}

/** Sent on every response (@fastify/rate-limit: per token subject, per client address without a token). */
export const RATE_LIMITED: Headers = {
  'x-ratelimit-limit': header('Requests allowed per window (RATE_LIMIT_MAX)', 'integer'),
  'x-ratelimit-remaining': header('Requests left in the current window', 'integer'),
  'x-ratelimit-reset': header('Seconds until the window resets', 'integer')
}

/** 429 and 503: when to try again. */
export const RETRY_AFTER: Headers = { 'retry-after': header('Seconds to wait before retrying', 'integer', true) }

/** 401: how to authenticate (RFC 6750), with error="invalid_token" for a bad token. */
export const CHALLENGE: Headers = { 'www-authenticate': header('Bearer challenge (RFC 6750; RFC 9470 max_age where a fresher token is needed)', 'string', true) }

/** What a route declares it sends on its successes (`config.sends`), next to the code that sets it. */
export const SENT: Record<'etag' | 'location' | 'content-disposition', HeaderDoc> = {
  etag: header('Strong ETag of the returned version ("n"); send it as If-Match to change the resource', 'string', true),
  location: header('The path of the created resource (on 201)', 'string', true),
  'content-disposition': header('attachment, with the file name of the export', 'string', true)
}
export type Sent = keyof typeof SENT

/** Set by an Idempotency-Key replay. */
export const REPLAYED: Headers = { 'idempotent-replayed': header('"true" when this is the stored response of an earlier request with the same Idempotency-Key') }

export const ALL_HEADERS: Headers = { ...EVERY_RESPONSE, ...RATE_LIMITED, ...RETRY_AFTER, ...CHALLENGE, ...SENT, ...REPLAYED }

/** The headers the document declares for one response of one operation. */
export function responseHeaders (code: string, route: { sends: readonly Sent[], idempotent: boolean }): Headers {
  const status = Number(code)
  const success = status >= 200 && status < 300
  const sent = route.sends.filter((name) => success && (name !== 'location' || status === 201))
  return {
    ...EVERY_RESPONSE,
    ...RATE_LIMITED,
    ...(status === 429 || status === 503 ? RETRY_AFTER : {}),
    ...(status === 401 ? CHALLENGE : {}),
    ...Object.fromEntries(sent.map((name) => [name, SENT[name]])),
    ...(success && route.idempotent ? REPLAYED : {})
  }
}
