import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { readAuditPage } from '../../db/repos/audit.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { decodeCursor, page, pageOf, pageQuery } from '../http/pagination.js'
import { verifyChain } from '../services/audit-verify.js'
import { requireTrial, toInstant } from '../services/trials.js'
import { clientId } from '../schemas/params.js'
import { auditEntrySchema, auditVerdictSchema } from '../schemas/audit.js'

const AUDITORS = { roles: ['admin', 'safety_monitor'], records: 'participants' } as const

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/audit', {
    config: { access: AUDITORS },
    schema: {
      operationId: 'listAuditEntries',
      summary: 'The append-only audit trail of a trial, oldest first',
      tags: ['Audit'],
      querystring: z.strictObject({
        trialId: clientId,
        entity: z.string().min(1).max(64).optional().describe('trial, protocol, site, participant, administration, ...'),
        entityId: z.string().min(1).max(200).optional(),
        ...pageQuery
      }),
      response: { 200: pageOf(auditEntrySchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId, entity, entityId, limit, cursor } = request.query
    await requireTrial(app.db, trialId)
    const after = decodeCursor(cursor, z.tuple([z.number().int()]))
    const rows = await readAuditPage(app.db, { trialId, entity, entityId, afterSeq: after?.[0] }, limit + 1)
    return page(rows, limit, (r) => ({ ...r, at: toInstant(r.at) }), (r) => [r.seq])
  })

  app.get('/v1/audit/verify', {
    config: { access: AUDITORS },
    schema: {
      operationId: 'verifyAuditTrail',
      summary: 'Verify the trial\'s audit trail: its keyed hash chain, its anchor, and the clinical rows it vouches for',
      description: 'Recomputes every row\'s hash (HMAC-SHA256 with the server\'s audit key; SHA-256 for rows from before the chain was keyed, which may only precede keyed rows) ' +
        'and link, compares the chain\'s end with the anchor the trial row keeps (rows removed from the end), and cross-checks every AE version, decision and DMC decision ' +
        'against the audit row written with it. Every break is reported with its position (`breaks`, the first 1000; `breakCount`), not only the first.',
      tags: ['Audit'],
      querystring: z.strictObject({ trialId: clientId }),
      response: { 200: auditVerdictSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    await requireTrial(app.db, request.query.trialId)
    return await verifyChain(app.db, request.query.trialId)
  })
}
