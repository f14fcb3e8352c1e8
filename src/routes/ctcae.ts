import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ROLES } from '../auth/roles.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { decodeCursor, encodeCursor, pageOf, pageQuery } from '../http/pagination.js'
import { notFound } from '../lib/errors.js'
import { termView } from '../services/ctcae.js'
import { ctcaeTermSchema } from '../schemas/ctcae.js'

export const ctcaeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/ctcae/terms', {
    config: { access: { roles: ROLES } },
    schema: {
      operationId: 'searchCtcaeTerms',
      summary: 'Search CTCAE v5.0 terms (pick lists)',
      description: 'Substring match on the term, case- and whitespace-insensitive; terms starting with q first, then alphabetical.',
      tags: ['CTCAE'],
      querystring: z.strictObject({
        q: z.string().max(200).default('').describe('part of a term; empty lists every term'),
        soc: z.string().max(200).optional().describe('restrict to one system organ class (exact, case-insensitive)'),
        ...pageQuery
      }),
      response: { 200: pageOf(ctcaeTermSchema), ...problems(...AUTHENTICATED) }
    }
  }, async (request) => {
    const { q, soc, limit, cursor } = request.query
    // The dictionary never changes while the server runs, so an offset is a stable cursor.
    const [offset] = decodeCursor(cursor, z.tuple([z.number().int().min(0).max(100_000)])) ?? [0]
    const found = app.ctcae.dictionary.search(q, { ...(soc === undefined ? {} : { soc }), limit: offset + limit + 1 })
    const items = found.slice(offset, offset + limit).map((e) => termView(app.ctcae, e))
    return { items, nextCursor: found.length > offset + limit ? encodeCursor([offset + limit]) : null }
  })

  app.get('/v1/ctcae/terms/:meddraCode', {
    config: { access: { roles: ROLES } },
    schema: {
      operationId: 'getCtcaeTerm',
      summary: 'One CTCAE v5.0 term by MedDRA code',
      tags: ['CTCAE'],
      params: z.strictObject({ meddraCode: z.string().regex(/^\d{8}$/, 'MedDRA code: 8 digits') }),
      response: { 200: ctcaeTermSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const entry = app.ctcae.dictionary.byCode(request.params.meddraCode)
    if (entry === undefined) throw notFound(`CTCAE v5.0 term with MedDRA code ${request.params.meddraCode}`)
    return termView(app.ctcae, entry)
  })
}
