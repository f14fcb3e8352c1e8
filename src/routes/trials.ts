import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { decodeCursor, page, pageOf, pageQuery } from '../http/pagination.js'
import { ifMatchVersion, setEtag } from '../http/concurrency.js'
import { notFound } from '../lib/errors.js'
import {
  addSite, amendProtocol, changeSiteTimeZone, createTrial, getProtocolVersion, getTrial, listProtocolVersions, listTrials, requireTrial
} from '../services/trials.js'
import { clientId, trialParams } from '../schemas/params.js'
import {
  amendedTrialSchema, ifMatchHeaders, idempotencyHeaders, protocolAmendBody, protocolVersionSchema, siteBody, siteChangeBody, siteParams, siteSchema,
  trialCreateBody, trialSchema
} from '../schemas/trials.js'

const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] } as const
const ADMIN = { roles: ['admin'] } as const

export const trialRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials', {
    config: { access: ADMIN, sends: ['etag'] },
    schema: {
      operationId: 'createTrial',
      summary: 'Create a trial with protocol version 1',
      description: 'The Idempotency-Key is kept per trialId.',
      tags: ['Trials'],
      headers: idempotencyHeaders,
      body: trialCreateBody,
      response: { 201: trialSchema, ...problems(...WITH_BODY, 409) }
    }
  }, async (request, reply) => {
    const result = await createTrial(app.db, request.principal!, request.body, request.headers['idempotency-key'])
    setEtag(reply, result.body.version)
    return await reply.code(201).send(result.body)
  })

  app.get('/v1/trials', {
    config: { access: READERS },
    schema: {
      operationId: 'listTrials',
      summary: 'List the trials this token covers',
      tags: ['Trials'],
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: pageOf(trialSchema), ...problems(...AUTHENTICATED) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const after = decodeCursor(cursor, z.tuple([z.string()]))
    const rows = await listTrials(app.db, request.principal!.trials, after?.[0], limit + 1)
    return page(rows, limit, (r) => r, (r) => [r.trialId])
  })

  app.get('/v1/trials/:trialId', {
    config: { access: READERS, sends: ['etag'] },
    schema: {
      operationId: 'getTrial',
      summary: 'One trial with its protocol in force and its sites',
      tags: ['Trials'],
      params: trialParams,
      response: { 200: trialSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    const trial = await getTrial(app.db, request.params.trialId)
    if (trial === null) throw notFound('Trial')
    setEtag(reply, trial.version)
    return trial
  })

  app.put('/v1/trials/:trialId/protocol', {
    config: { access: ADMIN, sends: ['etag'] },
    schema: {
      operationId: 'amendProtocol',
      summary: 'Amend the protocol: makes protocol version N+1',
      description: 'Needs If-Match with the trial\'s ETag and a reason. Earlier versions stay readable. The amendment applies forward: AEs already classified keep the verdict of the version they were classified under, ' +
        'new AEs and follow-ups use the new one; with reclassify: true every AE is re-classified under it and the changed verdicts are listed. The status is re-evaluated.',
      tags: ['Trials'],
      params: trialParams,
      headers: ifMatchHeaders,
      body: protocolAmendBody,
      response: { 200: amendedTrialSchema, ...problems(...WITH_BODY, 404, 412, 428) }
    }
  }, async (request, reply) => {
    const expectedVersion = ifMatchVersion(request)
    const trial = await amendProtocol(app.db, request.params.trialId, request.principal!, { expectedVersion, ...request.body })
    setEtag(reply, trial.version)
    return trial
  })

  app.get('/v1/trials/:trialId/protocol/versions', {
    config: { access: READERS },
    schema: {
      operationId: 'listProtocolVersions',
      summary: 'Every protocol version of the trial, oldest first',
      tags: ['Trials'],
      params: trialParams,
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: pageOf(protocolVersionSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId } = request.params
    await requireTrial(app.db, trialId)
    const { limit, cursor } = request.query
    const after = decodeCursor(cursor, z.tuple([z.number().int()]))
    const rows = await listProtocolVersions(app.db, trialId, after?.[0], limit + 1)
    return page(rows, limit, (r) => r, (r) => [r.version])
  })

  app.get('/v1/trials/:trialId/protocol/versions/:version', {
    config: { access: READERS },
    schema: {
      operationId: 'getProtocolVersion',
      summary: 'One protocol version, with who made it and why',
      tags: ['Trials'],
      params: z.strictObject({ trialId: clientId, version: z.coerce.number().int().min(1).max(1_000_000) }),
      response: { 200: protocolVersionSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const found = await getProtocolVersion(app.db, request.params.trialId, request.params.version)
    if (found === null) throw notFound('Protocol version')
    return found
  })

  app.post('/v1/trials/:trialId/sites', {
    config: { access: ADMIN },
    schema: {
      operationId: 'addSite',
      summary: 'Add a site to the trial',
      description: 'timeZone (IANA, default UTC) sets the calendar its DLT windows, study days and "today" are counted in; an unknown zone: 422 at /timeZone.',
      tags: ['Trials'],
      params: trialParams,
      headers: idempotencyHeaders,
      body: siteBody,
      response: { 201: siteSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const result = await addSite(app.db, request.params.trialId, request.principal!, request.body, request.headers['idempotency-key'])
    return await reply.code(201).send(result.body)
  })

  app.patch('/v1/trials/:trialId/sites/:siteId', {
    config: { access: ADMIN, sends: ['etag'] },
    schema: {
      operationId: 'changeSiteTimeZone',
      summary: 'Change a site\'s time zone',
      description: 'Needs If-Match with the trial\'s ETag and a reason (audited). The site\'s DLT windows, study days and "today" move with its calendar: its participants\' AEs are re-classified and the status is re-evaluated. Responds with the trial\'s new ETag.',
      tags: ['Trials'],
      params: siteParams,
      headers: ifMatchHeaders,
      body: siteChangeBody,
      response: { 200: siteSchema, ...problems(...WITH_BODY, 404, 412, 428) }
    }
  }, async (request, reply) => {
    const expectedVersion = ifMatchVersion(request)
    const { trialId, siteId } = request.params
    const { site, version } = await changeSiteTimeZone(app.db, trialId, siteId, request.principal!, { expectedVersion, ...request.body })
    setEtag(reply, version)
    return site
  })
}
