import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { ifMatchVersion, setEtag } from '../http/concurrency.js'
import { decodeCursor, pageOf, pageQuery } from '../http/pagination.js'
import {
  adjudicationSchema, aeCreateBody, aeHistorySchema, aeListQuery, aeParams, aePatchBody, aeSchema, idempotencyHeaders, ifMatchHeaders, reason
} from '../schemas/adverse-events.js'
import { guardedJsonParser } from '../http/input-guards.js'
import { adjudicateAe, aeHistory, createAe, getAe, listAes, nullifyAe, patchAe } from '../services/adverse-events.js'
import { trialParams } from '../schemas/params.js'

// AEs are participant-level records: site-scoped, and blinded to the DMC unless the protocol unblinds it.
export const WRITERS = { roles: ['edc', 'investigator', 'admin'], records: 'participants' } as const
export const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'], records: 'participants' } as const
const ADJUDICATORS = { roles: ['investigator', 'safety_monitor', 'admin'], records: 'participants' } as const

export const adverseEventRoutes: FastifyPluginAsyncZod = async (app) => {
  // JSON Merge Patch bodies are JSON (RFC 7396); PATCH accepts them and plain JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, guardedJsonParser(app))

  app.post('/v1/trials/:trialId/adverse-events', {
    config: { access: WRITERS, sends: ['etag', 'location'] },
    schema: {
      operationId: 'createAdverseEvent',
      summary: 'Report an adverse event',
      description: 'Checked against CTCAE v5.0 and the participant; every problem is listed in one 422 and nothing is stored. ' +
        'DLT classification is computed by the protocol in force.',
      tags: ['Adverse events'],
      params: trialParams,
      headers: idempotencyHeaders,
      body: aeCreateBody,
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
      description: 'Sorted by onset date, then aeId. Site-scoped tokens see their sites only; nullified AEs only with includeNullified=true. ' +
        'dltVerdict=needs_information lists the open queries to the sites; readjudicate=true the AEs whose adjudication a follow-up reopened.',
      tags: ['Adverse events'],
      params: trialParams,
      querystring: aeListQuery,
      response: { 200: pageOf(aeSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { cursor, ...filters } = request.query
    const after = decodeCursor(cursor, z.tuple([z.iso.date(), z.uuid()]))
    return await listAes(app.db, app.ctcae.dictionary, request.params.trialId, request.principal!, { ...filters, after })
  })

  app.get('/v1/trials/:trialId/adverse-events/:aeId', {
    config: { access: READERS, sends: ['etag'] },
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
    config: { access: WRITERS, sends: ['etag'] },
    schema: {
      operationId: 'patchAdverseEvent',
      summary: 'Follow up an adverse event (JSON Merge Patch)',
      description: 'Makes a new version and keeps the old one; re-classifies DLT and re-evaluates the trial status. ' +
        'Content type application/merge-patch+json or application/json.',
      tags: ['Adverse events'],
      params: aeParams,
      headers: ifMatchHeaders,
      body: aePatchBody,
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
      response: { 200: pageOf(aeHistorySchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const after = decodeCursor(request.query.cursor, z.tuple([z.number().int().min(1)]))
    return await aeHistory(app.db, request.params.trialId, request.params.aeId, request.principal!, { limit: request.query.limit, after: after?.[0] })
  })

  app.post('/v1/trials/:trialId/adverse-events/:aeId/nullify', {
    config: { access: WRITERS, sends: ['etag'] },
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
    config: { access: ADJUDICATORS, sends: ['etag'] },
    schema: {
      operationId: 'adjudicateAdverseEvent',
      summary: 'Adjudicate whether an adverse event is a DLT',
      description: 'Overrides the computed DLT flag; both are kept (dlt.computed and dlt.adjudicated) with the facts judged, and the trial is re-evaluated. ' +
        'A later follow-up that changes a judged fact reopens it: the computed verdict applies and dlt.readjudicate names the change until a new adjudication.',
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
