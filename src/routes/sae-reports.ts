import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { decodeCursor, pageOf, pageQuery } from '../http/pagination.js'
import { listSaeReports } from '../services/adverse-events.js'
import { trialParams } from '../schemas/params.js'
import { saeReportSchema } from '../schemas/adverse-events.js'

export const saeReportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/trials/:trialId/sae-reports', {
    config: { access: { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'], records: 'participants' } },
    schema: {
      operationId: 'listSaeReports',
      summary: 'Regulatory reports due for serious adverse events',
      description: '24-hour initial report, and the 7- or 15-day IND safety report for suspected unexpected serious reactions ' +
        '(21 CFR 312.32, ICH E2A), earliest due first. Site-scoped tokens see their sites only.',
      tags: ['Adverse events'],
      params: trialParams,
      querystring: z.strictObject({
        due_before: z.iso.datetime({ offset: true }).optional().describe('only reports due before this instant (overdue ones included)'),
        ...pageQuery
      }),
      response: { 200: pageOf(saeReportSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const after = decodeCursor(request.query.cursor, z.tuple([z.string().max(40), z.uuid(), z.string().max(20)]))
    return await listSaeReports(app.db, request.params.trialId, request.principal!, {
      dueBefore: request.query.due_before, limit: request.query.limit, after, now: new Date().toISOString()
    })
  })
}
