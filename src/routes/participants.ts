import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AUTHENTICATED, WITH_BODY, problems } from '../http/responses.js'
import { decodeCursor, page, pageOf, pageQuery } from '../http/pagination.js'
import { ifMatchVersion, setEtag } from '../http/concurrency.js'
import {
  endTreatment, enrolParticipant, getParticipant, listAdministrations, listParticipants, recordAdministration, recordDltAssessment, withdrawParticipant
} from '../services/participants.js'
import { clientId, trialParams } from '../schemas/params.js'
import {
  administrationBody, administrationSchema, dltAssessmentBody, dltAssessmentSchema, enrolBody, idempotencyHeaders, instant,
  participantDetailSchema, participantParams, participantSchema, reason, treatmentEndBody
} from '../schemas/participants.js'

const WRITERS = { roles: ['edc', 'investigator', 'admin'], records: 'participants' } as const
// Dosing against the current decision is an admin's call (audited with its reason).
const DOSING = { ...WRITERS, fields: { override: ['admin'] } } as const
// dmc only where the protocol unblinds it (enforced by the auth plugin)
const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'], records: 'participants' } as const
// The clinical judgement that every AE of the DLT period is entered: the investigator (own sites) or the
// safety monitor, as for adjudications (and the admin, who may do everything else).
const ASSESSORS = { roles: ['investigator', 'safety_monitor', 'admin'], records: 'participants' } as const
const ifMatchParticipant = z.looseObject({ 'if-match': z.string().max(100).optional().describe('ETag of the participant (required)') })

export const participantRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/participants', {
    config: { access: DOSING, sends: ['etag'] },
    schema: {
      operationId: 'enrollParticipant',
      summary: 'Enrol a participant',
      description: 'At a dose level (or arm) the current decision does not open: 409 with `code` (dose-level-closed) and the status in the body; an admin may enrol anyway with `override`, audited and shown in the decision history, except after a DMC termination (409 trial-terminated, override or not). An override enrolment does not move the design\'s current level. edc and investigator enrol at their own sites only.',
      tags: ['Participants'],
      params: trialParams,
      headers: idempotencyHeaders,
      body: enrolBody,
      response: { 201: participantSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const result = await enrolParticipant(app.db, request.params.trialId, request.principal!, request.body, request.headers['idempotency-key'])
    setEtag(reply, result.body.version)
    return await reply.code(201).send(result.body)
  })

  app.get('/v1/trials/:trialId/participants', {
    config: { access: READERS },
    schema: {
      operationId: 'listParticipants',
      summary: 'List participants',
      tags: ['Participants'],
      params: trialParams,
      querystring: z.strictObject({
        ...pageQuery,
        siteId: clientId.optional(),
        doseLevel: z.coerce.number().int().min(0).max(99).optional(),
        status: z.enum(['enrolled', 'withdrawn', 'completed']).optional()
      }),
      response: { 200: pageOf(participantSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query
    const after = decodeCursor(cursor, z.tuple([z.string()]))
    const rows = await listParticipants(app.db, request.params.trialId, request.principal!, filter, after?.[0], limit + 1)
    return page(rows, limit, (r) => r, (r) => [r.participantId])
  })

  app.get('/v1/trials/:trialId/participants/:participantId', {
    config: { access: READERS, sends: ['etag'] },
    schema: {
      operationId: 'getParticipant',
      summary: 'One participant',
      description: 'With their phase (on treatment, follow-up, off study) and, where the protocol plans a schedule, the administrations received, due, missed and off window against it, counted in the site\'s calendar.',
      tags: ['Participants'],
      params: participantParams,
      response: { 200: participantDetailSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    const { trialId, participantId } = request.params
    const participant = await getParticipant(app.db, trialId, participantId, request.principal!)
    setEtag(reply, participant.version)
    return participant
  })

  app.post('/v1/trials/:trialId/participants/:participantId/withdraw', {
    config: { access: WRITERS, sends: ['etag'] },
    schema: {
      operationId: 'withdrawParticipant',
      summary: 'Withdraw a participant',
      description: 'Needs If-Match with the participant\'s ETag.',
      tags: ['Participants'],
      params: participantParams,
      headers: ifMatchParticipant,
      body: z.strictObject({ withdrawnAt: instant, reason }),
      response: { 200: participantSchema, ...problems(...WITH_BODY, 404, 409, 412, 428) }
    }
  }, async (request, reply) => {
    const expectedVersion = ifMatchVersion(request)
    const { trialId, participantId } = request.params
    const participant = await withdrawParticipant(app.db, trialId, participantId, request.principal!, { expectedVersion, ...request.body })
    setEtag(reply, participant.version)
    return participant
  })

  app.post('/v1/trials/:trialId/participants/:participantId/end-treatment', {
    config: { access: WRITERS, sends: ['etag'] },
    schema: {
      operationId: 'endTreatment',
      summary: 'End a participant\'s treatment',
      description: 'The participant stays on study in follow-up (not a withdrawal): their DLT window runs on, AEs are still reported, no administration after the end is accepted. Needs If-Match with the participant\'s ETag and a reason; a second end: 409.',
      tags: ['Participants'],
      params: participantParams,
      headers: ifMatchParticipant,
      body: treatmentEndBody,
      response: { 200: participantSchema, ...problems(...WITH_BODY, 404, 409, 412, 428) }
    }
  }, async (request, reply) => {
    const expectedVersion = ifMatchVersion(request)
    const { trialId, participantId } = request.params
    const participant = await endTreatment(app.db, trialId, participantId, request.principal!, { expectedVersion, ...request.body })
    setEtag(reply, participant.version)
    return participant
  })

  app.post('/v1/trials/:trialId/participants/:participantId/dlt-assessment', {
    config: { access: ASSESSORS },
    schema: {
      operationId: 'recordDltAssessment',
      summary: 'Confirm that every AE of the DLT period is entered',
      description: 'Where the protocol requires it (dltDefinition.requireAssessment), a participant without a DLT becomes evaluable only once this is recorded after their DLT window ended; before that: 409. An AE with onset in the window entered after it undoes it. Investigators assess their own sites\' participants.',
      tags: ['Participants'],
      params: participantParams,
      body: dltAssessmentBody,
      response: { 201: dltAssessmentSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const { trialId, participantId } = request.params
    return await reply.code(201).send(await recordDltAssessment(app.db, trialId, participantId, request.principal!, request.body))
  })

  app.post('/v1/trials/:trialId/participants/:participantId/administrations', {
    config: { access: DOSING },
    schema: {
      operationId: 'recordAdministration',
      summary: 'Record an administration',
      description: 'Before enrolment, or for a participant no longer on study: 422. A dose level other than the participant\'s is a dose modification and needs `reason`; a reduction to a lower level open for dosing is allowed, any other modification is refused. Refusals are 409 with `code` and the status: dosing-suspended (DMC pause, trial halted, a modification while on hold or stopped), dose-level-closed, sentinel-interval (judged on `administeredAt`, so a back-dated dose cannot break the interval), trial-terminated. An admin may override all but a termination, audited and shown in the decision history.',
      tags: ['Participants'],
      params: participantParams,
      headers: idempotencyHeaders,
      body: administrationBody,
      response: { 201: administrationSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const { trialId, participantId } = request.params
    const result = await recordAdministration(app.db, trialId, participantId, request.principal!, request.body, request.headers['idempotency-key'])
    return await reply.code(201).send(result.body)
  })

  app.get('/v1/trials/:trialId/participants/:participantId/administrations', {
    config: { access: READERS },
    schema: {
      operationId: 'listAdministrations',
      summary: 'A participant\'s administrations in time order',
      tags: ['Participants'],
      params: participantParams,
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: pageOf(administrationSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId, participantId } = request.params
    const after = decodeCursor(request.query.cursor, z.tuple([z.iso.datetime(), z.uuid()]))
    const rows = await listAdministrations(app.db, trialId, participantId, request.principal!, after, request.query.limit + 1)
    return page(rows, request.query.limit, (r) => r, (r) => [r.administeredAt, r.administrationId])
  })
}
