import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { WITH_BODY, problems } from '../http/responses.js'
import { recordDmcDecision, reopenTrial } from '../services/dmc-decisions.js'
import { trialParams } from '../schemas/params.js'
import { dmcDecisionBody, dmcDecisionSchema, reopenBody, reopenSchema } from '../schemas/dmc.js'

/** 21 CFR 11.200: a signature needs fresh authentication; ours accepts tokens issued in the last 5 minutes (enforced by the auth plugin). */
const FRESH_AUTH_SECONDS = 300

export const dmcRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/dmc-decisions', {
    config: { access: { roles: ['dmc'], freshAuthSeconds: FRESH_AUTH_SECONDS } },
    schema: {
      operationId: 'recordDmcDecision',
      summary: 'Record a signed DMC decision',
      description: '"pause" holds the trial (no enrolment or administration) until a later "continue" or "modify"; "terminate" refuses every enrolment and administration, override or not, and no later DMC decision lifts it (an admin re-opening does). A decision ends the limit a protocol amendment put on the status. The signature covers the SHA-256 of the status snapshot it was taken on, and needs a token issued in the last 5 minutes.',
      tags: ['DMC'],
      params: trialParams,
      body: dmcDecisionBody,
      response: { 201: dmcDecisionSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request, reply) => {
    const principal = request.principal!
    const { trialId } = request.params
    const body = request.body
    const { row, status } = await recordDmcDecision(app.db, trialId, principal, body)
    return reply.code(201).send({
      dmcDecisionId: row.dmcDecisionId,
      decision: row.decision,
      rationale: row.rationale,
      statusDecisionId: row.statusDecisionId,
      signature: { signer: row.signer, meaning: row.meaning, signedAt: row.signedAt, statusSha256: row.statusHash },
      status
    })
  })

  app.post('/v1/trials/:trialId/reopen', {
    config: { access: { roles: ['admin'] } },
    schema: {
      operationId: 'reopenTrial',
      summary: 'Re-open a trial the DMC terminated',
      description: 'Admin only, with a reason (audited, and kept in the trigger of the decision it causes). Lifts a DMC termination, which no later DMC decision does; the status is re-evaluated. 409 when no termination is in force.',
      tags: ['DMC'],
      params: trialParams,
      body: reopenBody,
      response: { 200: reopenSchema, ...problems(...WITH_BODY, 404, 409) }
    }
  }, async (request) => await reopenTrial(app.db, request.params.trialId, request.principal!, request.body.reason))
}
