import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../lib/errors.js'

// Optimistic concurrency (contract: "Resources that can change carry version
// and an ETag; a change needs If-Match (missing: 428, stale: 412)").

export const etag = (version: number): string => `"${version}"`

export function setEtag (reply: FastifyReply, version: number): void {
  reply.header('etag', etag(version))
}

/**
 * The version named by If-Match; 428 when the header is missing or
 * unreadable. If-Match compares strongly (RFC 9110 13.1.1): a weak tag never
 * matches, so W/"n" is 412.
 */
export function ifMatchVersion (request: FastifyRequest): number {
  const header = request.headers['if-match']
  const match = typeof header === 'string' ? /^\s*(W\/)?"(\d{1,9})"\s*$/.exec(header) : null
  if (match?.[1] !== undefined) {
    throw new AppError(412, 'precondition-failed', 'If-Match uses strong comparison: a weak ETag (W/) never matches; send the ETag as the server gave it')
  }
  if (match === null) {
    throw new AppError(428, 'precondition-required', 'This change needs an If-Match header with the ETag of the version it was based on')
  }
  return Number(match[2])
}
