import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { WITH_BODY, problems } from '../http/responses.js'
import { recordDmcDecision } from '../services/dmc-decisions.js'
import { trialParams } from './params.js'
import { statusSchema } from './status-schemas.js'

/** 21 CFR 11.200: a signature needs fresh authentication; ours accepts tokens issued in the last 5 minutes (enforced by the auth plugin). */
const FRESH_AUTH_SECONDS = 300

const bodySchema = z.strictObject({
  decision: z.enum(['continue', 'modify', 'pause', 'terminate']),
  rationale: z.string().trim().min(1).max(10_000),
  statusDecisionId: z.uuid().describe('decisionId of the status this decision was taken on; a stale one is refused with 409'),
  signature: z.strictObject({
    meaning: z.enum(['approved', 'reviewed']).describe('the meaning of the electronic signature (21 CFR 11.50)')
  })
})

const responseSchema = z.object({
  dmcDecisionId: z.string(),
  decision: z.enum(['continue', 'modify', 'pause', 'terminate']),
  rationale: z.string(),
  statusDecisionId: z.string(),
  signature: z.object({ signer: z.string(), meaning: z.string(), signedAt: z.string(), statusSha256: z.string() }),
  status: statusSchema
})

export const dmcRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/trials/:trialId/dmc-decisions', {
    config: { access: { roles: ['dmc'], freshAuthSeconds: FRESH_AUTH_SECONDS } },
    schema: {
      summary: 'Record a signed DMC decision',
      description: '"pause" and "terminate" hold the trial (no enrolment or administration) until a later "continue". The signature covers the SHA-256 of the status snapshot it was taken on, and needs a token issued in the last 5 minutes.',
      tags: ['DMC'],
      params: trialParams,
      body: bodySchema,
      response: { 201: responseSchema, ...problems(...WITH_BODY, 404, 409) }
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
