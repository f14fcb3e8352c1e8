import { STATUS_CODES } from 'node:http'
import { z } from 'zod'
import type { AppError } from '../lib/errors.js'

// RFC 9457 problem details. Types are URNs of this service: stable
// identifiers a client can switch on, with no host name to keep alive.
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

export const problemType = (slug: string): string => `urn:dlt-safety:problem:${slug}`

/** RFC 6901: a key as one JSON Pointer reference token (for FieldError paths). */
export const pointerToken = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1')

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional()
}).catchall(z.unknown()).meta({ id: 'Problem', description: 'RFC 9457 problem details' })

export type Problem = z.infer<typeof problemSchema>

export function problem (status: number, slug: string, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: slug === 'about:blank' ? slug : problemType(slug),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extra
  }
}

/** The problem document of an error thrown on purpose: its status, type, field errors and extensions. */
export function problemOf (error: AppError, instance?: string): Problem {
  return {
    ...problem(error.statusCode, error.slug, error.message, instance === undefined ? {} : { instance }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
    ...error.extensions
  }
}
