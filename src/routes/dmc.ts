import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { WITH_BODY, problems } from '../http/responses.js'
import { recordDmcDecision } from '../services/dmc-decisions.js'
import { trialParams } from '../schemas/params.js'
import { dmcDecisionBody, dmcDecisionSchema } from '../schemas/dmc.js'

/** 21 CFR 11.200: a signature needs fresh authentication; ours accepts tokens issued in the last 5 minutes (enforced by the auth plugin). */
const FRESH_AUTH_SECONDS = 300

export const dmcRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/dmc-decisions', {
    config: { access: { roles: ['dmc'], freshAuthSeconds: FRESH_AUTH_SECONDS } },
    schema: {
      operationId: 'recordDmcDecision',
      summary: 'Record a signed DMC decision',
      description: '"pause" and "terminate" hold the trial (no enrolment or administration) until a later "continue". The signature covers the SHA-256 of the status snapshot it was taken on, and needs a token issued in the last 5 minutes.',
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
}
