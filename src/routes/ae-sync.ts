import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { ifMatchVersion, setEtag } from '../http/concurrency.js'
import { decodeCursor } from '../http/pagination.js'
import { itemLimiter, type ChargeItems } from '../http/item-limit.js'
import { aeSchema } from '../schemas/adverse-events.js'
import {
  BATCH_MAX_ITEMS, aeChangesPage, aeChangesQuery, aeUpsertBody, batchBody, batchHeaders, batchResponse, externalIdParams, optionalIfMatchHeaders
} from '../schemas/ae-sync.js'
import { trialParams } from '../schemas/params.js'
import { aeChanges, submitBatch, upsertAe } from '../services/ae-sync.js'
import { READERS, WRITERS } from './adverse-events.js'

// EDC synchronisation: many AEs per request, upsert by the EDC's own record id, and a feed of what changed.
export const aeSyncRoutes: FastifyPluginAsyncZod = async (app) => {
  // Made at the first batch: the configuration is read when the app serves, not when routes are declared.
  let chargeItems: ChargeItems | undefined

  app.post('/v1/trials/:trialId/adverse-events/batch', {
    // Counted per item against BULK_ITEM_LIMIT_MAX, not per request.
    config: { access: WRITERS, rateLimit: false },
    schema: {
      operationId: 'submitAdverseEventBatch',
      summary: 'Report and follow up many adverse events at once',
      description: `Up to ${BATCH_MAX_ITEMS} items: AE create bodies (upsert: true creates or follows up the AE of its externalId) and follow-ups ` +
        '{aeId | externalId, patch, reason}. atomic: every item is stored or none (422 lists each bad item by JSON pointer, e.g. /items/3/grade); ' +
        'independent: each item has its own result (201, 200, 404, 409, 412, 422 with its problem), in input order. One trial lock, an audit row per change, ' +
        'and one status re-evaluation for the whole batch: `status` is the trial status after it, with every DLT of the batch counted. ' +
        'Prefer: return=minimal leaves the AEs out of the results (index, status, aeId, version). ' +
        'An Idempotency-Key replays the whole response; an item\'s externalId makes it idempotent on its own (a repeat is 409, or 200 unchanged with upsert). ' +
        'Items count against BULK_ITEM_LIMIT_MAX per token subject and window (RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset headers; 429 with Retry-After).',
      tags: ['Adverse events'],
      params: trialParams,
      headers: batchHeaders,
      body: batchBody,
      response: { 200: batchResponse, ...problems(...WITH_BODY, 404) }
    }
  }, async (request, reply) => {
    chargeItems ??= itemLimiter({ max: app.config.BULK_ITEM_LIMIT_MAX, windowMs: app.config.RATE_LIMIT_WINDOW_MS })
    chargeItems(reply, request.principal!.sub, request.body.items.length)
    const result = await submitBatch(app.db, app.ctcae.dictionary, request.params.trialId, request.principal!, request.body, {
      idempotencyKey: request.headers['idempotency-key'],
      receivedAt: new Date().toISOString(),
      minimal: /(^|[\s,;])return=minimal\b/.test(request.headers.prefer ?? '')
    })
    if (result.replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(200).send(result.body)
  })

  app.put('/v1/trials/:trialId/adverse-events/by-external-id/:externalId', {
    config: { access: WRITERS },
    schema: {
      operationId: 'upsertAdverseEventByExternalId',
      summary: 'Create or follow up the adverse event of the sending system\'s record id',
      description: 'The body is the whole AE as the EDC holds it (a create body) and a reason. New externalId: the AE is created (201). ' +
        'Stored: a follow-up when it differs (200, a new version with the reason; a field left out is cleared), nothing when it is the same ' +
        '(200, no version, no audit row). If-Match, when sent, must name the stored version. Participant and term cannot change (422).',
      tags: ['Adverse events'],
      params: externalIdParams,
      headers: optionalIfMatchHeaders,
      body: aeUpsertBody,
      response: { 200: aeSchema, 201: aeSchema, ...problems(...WITH_BODY, 404, 409, 412) }
    }
  }, async (request, reply) => {
    const expected = request.headers['if-match'] === undefined ? undefined : ifMatchVersion(request)
    const { trialId, externalId } = request.params
    const result = await upsertAe(app.db, app.ctcae.dictionary, trialId, request.principal!, externalId, request.body, expected, new Date().toISOString())
    setEtag(reply, result.body.version)
    if (result.statusCode === 201) reply.header('location', `/v1/trials/${trialId}/adverse-events/${result.body.aeId}`)
    return reply.code(result.statusCode).send(result.body)
  })

  app.get('/v1/trials/:trialId/adverse-events/changes', {
    config: { access: READERS },
    schema: {
      operationId: 'listAdverseEventChanges',
      summary: 'Every AE version committed since a cursor, in commit order',
      description: 'For EDCs and warehouses that sync: each AE version (creates, follow-ups, nullifications, adjudications) once, in the order ' +
        'the trial\'s writes committed (its audit chain order), so a cursor never skips a version a slower concurrent write committed later. ' +
        'No cursor: from the first. nextCursor is returned also when nothing was new: poll with it. Site-scoped tokens see their sites\' AEs only.',
      tags: ['Adverse events'],
      params: trialParams,
      querystring: aeChangesQuery,
      response: { 200: aeChangesPage, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const after = decodeCursor(request.query.cursor, z.tuple([z.number().int().min(0)]))?.[0] ?? 0
    return await aeChanges(app.db, request.params.trialId, request.principal!, { after, limit: request.query.limit })
  })
}
