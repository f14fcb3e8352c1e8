import { problemSchema } from './problem.js'

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, query string or path parameter)',
  401: 'Missing, expired or invalid bearer token',
  403: 'The token\'s role, sites or trials do not allow this',
  404: 'Not found (or not visible to this token)',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current version',
  413: 'Request body too large',
  415: 'Unsupported content type',
  422: 'Well-formed but not acceptable; `errors` lists each problem with its JSON path',
  428: 'If-Match header required',
  429: 'Too many requests'
}

/** Problem+json responses for the given status codes, for a route's `response` schema. */
export function problems (...codes: number[]) {
  return Object.fromEntries(codes.map((code) => [code, problemSchema.describe(ERROR_DESCRIPTIONS[code] ?? 'Error')]))
}

/** Errors every authenticated route can answer with. */
export const AUTHENTICATED = [400, 401, 403, 429] as const
/** Errors every authenticated route with a JSON body can answer with. */
export const WITH_BODY = [...AUTHENTICATED, 413, 415, 422] as const
