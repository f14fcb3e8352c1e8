import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { attributionValues } from '../domain/protocol.js'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { ifMatchVersion, setEtag } from '../http/concurrency.js'
import { decodeCursor, pageOf, pageQuery } from '../http/pagination.js'
import { guardedJsonParser } from '../http/input-guards.js'
import { adjudicateAe, aeHistory, createAe, getAe, listAes, nullifyAe, patchAe } from '../services/adverse-events.js'
import { clientId, trialParams } from './params.js'

const SERIOUSNESS = ['death', 'life_threatening', 'hospitalization', 'disability', 'congenital_anomaly', 'important_medical_event'] as const
const OUTCOMES = ['recovered', 'recovering', 'not_recovered', 'recovered_with_sequelae', 'fatal', 'unknown'] as const
const SAE_KINDS = ['initial_24h', 'susar_7d', 'susar_15d'] as const

// AEs are participant-level records: site-scoped, and blinded to the DMC unless the protocol unblinds it.
const WRITERS = { roles: ['edc', 'investigator', 'admin'], records: 'participants' } as const
const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'], records: 'participants' } as const
const ADJUDICATORS = { roles: ['investigator', 'safety_monitor', 'admin'], records: 'participants' } as const

const text = (max: number) => z.string().trim().min(1).max(max)
const instant = z.iso.datetime({ offset: true })
const reason = text(2000).describe('reason for the change (21 CFR 11)')
// Checked with the report's other problems (all reported in one 422), so the
// enum is documented here but enforced by the service.
const attribution = z.string().max(32).meta({ enum: [...attributionValues] })
  .describe('unrelated | unlikely | possible | probable | definite')
const criteria = z.array(z.enum(SERIOUSNESS)).max(SERIOUSNESS.length)

const aeParams = trialParams.extend({ aeId: z.uuid() })

const createBody = z.strictObject({
  participantId: clientId,
  term: text(200).optional().describe('CTCAE v5.0 term (case- and whitespace-insensitive); term or meddraCode is required'),
  meddraCode: z.string().regex(/^\d{8}$/, 'MedDRA code: 8 digits').optional(),
  otherSpecify: text(200).optional().describe('the event\'s name; required for "Other, specify" terms'),
  grade: z.number().int().min(1).max(5),
  onsetDate: z.iso.date(),
  resolvedDate: z.iso.date().optional(),
  serious: z.boolean(),
  seriousnessCriteria: criteria.optional().describe('required (at least one) when serious; absent otherwise'),
  attribution,
  expected: z.boolean().optional(),
  clinicalSymptoms: z.boolean().optional(),
  requiredMedicalTreatment: z.boolean().optional(),
  outcome: z.enum(OUTCOMES).optional().describe('fatal exactly when grade 5'),
  actionTaken: text(500).optional(),
  externalId: text(128).optional().describe('the sending system\'s id; unique within the trial'),
  awareAt: instant.optional().describe('when the site became aware; default: when the request was received')
})

const patchBody = z.strictObject({
  grade: z.number().int().min(1).max(5).optional(),
  onsetDate: z.iso.date().optional(),
  resolvedDate: z.iso.date().nullable().optional(),
  serious: z.boolean().optional(),
  seriousnessCriteria: criteria.nullable().optional(),
  attribution: attribution.optional(),
  expected: z.boolean().nullable().optional(),
  clinicalSymptoms: z.boolean().nullable().optional(),
  requiredMedicalTreatment: z.boolean().nullable().optional(),
  outcome: z.enum(OUTCOMES).nullable().optional(),
  actionTaken: text(500).nullable().optional(),
  otherSpecify: text(200).nullable().optional(),
  awareAt: instant.optional(),
  reason
}).describe('JSON Merge Patch (RFC 7396): an absent field is unchanged, null clears it; reason is required')

const aeRecordShape = {
  aeId: z.uuid(),
  version: z.number().int(),
  participantId: z.string(),
  siteId: z.string(),
  doseLevel: z.number().int(),
  term: z.string(),
  meddraCode: z.string(),
  otherSpecify: z.string().nullable(),
  grade: z.number().int(),
  onsetDate: z.string(),
  resolvedDate: z.string().nullable(),
  serious: z.boolean(),
  seriousnessCriteria: z.array(z.enum(SERIOUSNESS)),
  attribution: z.enum(attributionValues),
  expected: z.boolean().nullable(),
  clinicalSymptoms: z.boolean().nullable(),
  requiredMedicalTreatment: z.boolean().nullable(),
  outcome: z.enum(OUTCOMES).nullable(),
  actionTaken: z.string().nullable(),
  externalId: z.string().nullable(),
  awareAt: z.string().describe('UTC instant'),
  nullified: z.boolean().describe('nullified entries are kept with their history but left out of counts and lists (unless includeNullified)'),
  nullification: z.object({ at: z.string(), reason: z.string() }).nullable(),
  ctcae: z.object({ version: z.string(), term: z.string(), meddraCode: z.string(), soc: z.string() }),
  dlt: z.object({
    isDlt: z.boolean().describe('the verdict in force: the adjudicated one when adjudicated, else the computed one'),
    pending: z.boolean().describe('not decidable yet (e.g. a duration condition of an unresolved AE)'),
    reasons: z.array(z.string()),
    protocolVersion: z.number().int(),
    computed: z.object({ isDlt: z.boolean(), pending: z.boolean() }).describe('the protocol\'s own verdict'),
    adjudicated: z.boolean().nullable().describe('the latest adjudication\'s verdict; null when not adjudicated')
  }),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string()
}

const aeRecordSchema = z.object(aeRecordShape).meta({ id: 'AdverseEventVersion' })
export const aeSchema = z.object({
  ...aeRecordShape,
  saeReports: z.array(z.object({ kind: z.enum(SAE_KINDS), dueAt: z.string(), basis: z.string() }))
    .describe('regulatory reports due for a serious AE, from awareAt')
}).meta({ id: 'AdverseEvent' })

const historySchema = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  role: z.string(),
  reason: z.string().nullable(),
  snapshot: aeRecordSchema
})

const adjudicationSchema = z.object({
  adjudicationId: z.uuid(),
  aeId: z.uuid(),
  isDlt: z.boolean(),
  computedIsDlt: z.boolean(),
  reason: z.string(),
  adjudicatedBy: z.string(),
  role: z.string(),
  createdAt: z.string(),
  adverseEvent: aeSchema
})

const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

const listQuery = z.strictObject({
  participantId: clientId.optional(),
  siteId: clientId.optional(),
  doseLevel: z.coerce.number().int().min(0).max(99).optional(),
  armId: clientId.optional(),
  minGrade: z.coerce.number().int().min(1).max(5).optional(),
  serious: flag.optional(),
  soc: z.string().max(200).optional(),
  isDlt: flag.optional(),
  onsetFrom: z.iso.date().optional(),
  onsetTo: z.iso.date().optional(),
  includeNullified: flag.default(false),
  ...pageQuery
})

const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional().describe('a repeat with the same key and body returns the first response')
})
const ifMatchHeaders = z.looseObject({ 'if-match': z.string().max(64).optional().describe('ETag of the version the change is based on (required)') })

export const adverseEventRoutes: FastifyPluginAsyncZod = async (app) => {
  // JSON Merge Patch bodies are JSON (RFC 7396); PATCH accepts them and plain JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, guardedJsonParser(app))

  app.post('/v1/trials/:trialId/adverse-events', {
    config: { access: WRITERS },
    schema: {
      operationId: 'createAdverseEvent',
      summary: 'Report an adverse event',
      description: 'Checked against CTCAE v5.0 and the participant; every problem is listed in one 422 and nothing is stored. ' +
        'DLT classification is computed by the protocol in force.',
      tags: ['Adverse events'],
      params: trialParams,
      headers: idempotencyHeaders,
      body: createBody,
      response: { 201: aeSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const receivedAt = new Date().toISOString()
    const result = await createAe(app.db, app.ctcae.dictionary, request.params.trialId, request.principal!, request.body, {
      idempotencyKey: request.headers['idempotency-key'], receivedAt
    })
    if (result.replayed) reply.header('idempotent-replayed', 'true')
    setEtag(reply, result.body.version)
    return reply.code(result.statusCode as 201).header('location', `/v1/trials/${request.params.trialId}/adverse-events/${result.body.aeId}`).send(result.body)
  })

  app.get('/v1/trials/:trialId/adverse-events', {
    config: { access: READERS },
    schema: {
      operationId: 'listAdverseEvents',
      summary: 'List adverse events',
      description: 'Sorted by onset date, then aeId. Site-scoped tokens see their sites only; nullified AEs only with includeNullified=true.',
      tags: ['Adverse events'],
      params: trialParams,
      querystring: listQuery,
      response: { 200: pageOf(aeSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { cursor, ...filters } = request.query
    const after = decodeCursor(cursor, z.tuple([z.iso.date(), z.uuid()]))
    return await listAes(app.db, app.ctcae.dictionary, request.params.trialId, request.principal!, { ...filters, after })
  })

  app.get('/v1/trials/:trialId/adverse-events/:aeId', {
    config: { access: READERS },
    schema: {
      operationId: 'getAdverseEvent',
      summary: 'One adverse event',
      tags: ['Adverse events'],
      params: aeParams,
      response: { 200: aeSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    const ae = await getAe(app.db, request.params.trialId, request.params.aeId, request.principal!)
    setEtag(reply, ae.version)
    return ae
  })

  app.patch('/v1/trials/:trialId/adverse-events/:aeId', {
    config: { access: WRITERS },
    schema: {
      operationId: 'patchAdverseEvent',
      summary: 'Follow up an adverse event (JSON Merge Patch)',
      description: 'Makes a new version and keeps the old one; re-classifies DLT and re-evaluates the trial status. ' +
        'Content type application/merge-patch+json or application/json.',
      tags: ['Adverse events'],
      params: aeParams,
      headers: ifMatchHeaders,
      body: patchBody,
      consumes: ['application/merge-patch+json', 'application/json'],
      response: { 200: aeSchema, ...problems(...WITH_BODY, 404, 409, 412, 428) }
    }
  }, async (request, reply) => {
    const expected = ifMatchVersion(request)
    const ae = await patchAe(app.db, app.ctcae.dictionary, request.params.trialId, request.params.aeId, request.principal!, request.body, expected)
    setEtag(reply, ae.version)
    return ae
  })

  app.get('/v1/trials/:trialId/adverse-events/:aeId/history', {
    config: { access: READERS },
    schema: {
      operationId: 'getAdverseEventHistory',
      summary: 'Every version of an adverse event, oldest first, with who, when and why',
      tags: ['Adverse events'],
      params: aeParams,
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: pageOf(historySchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const after = decodeCursor(request.query.cursor, z.tuple([z.number().int().min(1)]))
    return await aeHistory(app.db, request.params.trialId, request.params.aeId, request.principal!, { limit: request.query.limit, after: after?.[0] })
  })

  app.post('/v1/trials/:trialId/adverse-events/:aeId/nullify', {
    config: { access: WRITERS },
    schema: {
      operationId: 'nullifyAdverseEvent',
      summary: 'Nullify an adverse event entered in error',
      description: 'The entry and its history are kept; it no longer counts in DLT facts, status, summaries or default lists.',
      tags: ['Adverse events'],
      params: aeParams,
      headers: ifMatchHeaders,
      body: z.strictObject({ reason }),
      response: { 200: aeSchema, ...problems(...WITH_BODY, 404, 409, 412, 428) }
    }
  }, async (request, reply) => {
    const expected = ifMatchVersion(request)
    const ae = await nullifyAe(app.db, request.params.trialId, request.params.aeId, request.principal!, request.body.reason, expected)
    setEtag(reply, ae.version)
    return ae
  })

  app.post('/v1/trials/:trialId/adverse-events/:aeId/adjudications', {
    config: { access: ADJUDICATORS },
    schema: {
      operationId: 'adjudicateAdverseEvent',
      summary: 'Adjudicate whether an adverse event is a DLT',
      description: 'Overrides the computed DLT flag; both are kept (dlt.computed and dlt.adjudicated) and the trial is re-evaluated.',
      tags: ['Adverse events'],
      params: aeParams,
      body: z.strictObject({ isDlt: z.boolean(), reason }),
      response: { 201: adjudicationSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const result = await adjudicateAe(app.db, request.params.trialId, request.params.aeId, request.principal!, request.body)
    setEtag(reply, result.adverseEvent.version)
    return reply.code(201).send(result)
  })
}
