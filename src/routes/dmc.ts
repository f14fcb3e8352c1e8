import { z } from 'zod'
import { and, eq } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { decisions, dmcDecisions, trials, trialStatus } from '../../db/schema.js'
import { WITH_BODY, problems } from '../http/responses.js'
import { conflict } from '../http/problem.js'
import { clinicalWrite } from '../services/clinical-write.js'
import { statusHash } from '../services/status.js'
import { trialParams } from '../schemas/params.js'
import { statusSchema } from './status-schemas.js'

/** 21 CFR 11.200: a signature needs fresh authentication; ours accepts tokens issued in the last 5 minutes (enforced by the auth plugin). */
const FRESH_AUTH_SECONDS = 300

const HOLDS = { continue: null, modify: undefined, pause: 'pause', terminate: 'terminate' } as const

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
      operationId: 'recordDmcDecision',
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
    const result = await clinicalWrite(app.db, trialId, principal, { type: 'dmc_decision', entity: 'dmc_decision', change: body.decision }, async (ctx) => {
      // Under the trial lock the stored status names the latest decision.
      const [current] = await ctx.tx.select({ decisionId: trialStatus.decisionId }).from(trialStatus).where(eq(trialStatus.trialId, trialId))
      if (current?.decisionId !== body.statusDecisionId) {
        throw conflict('stale-status', 'The status this decision was taken on is no longer current; review the current status and decide again', { currentDecisionId: current?.decisionId ?? null })
      }
      const [signed] = await ctx.tx.select({ snapshot: decisions.snapshot }).from(decisions)
        .where(and(eq(decisions.trialId, trialId), eq(decisions.decisionId, body.statusDecisionId)))
      const row = {
        trialId,
        dmcDecisionId: uuidv7(),
        decision: body.decision,
        rationale: body.rationale,
        statusDecisionId: body.statusDecisionId,
        signer: principal.sub,
        meaning: body.signature.meaning,
        signedAt: ctx.at,
        statusHash: statusHash((signed!.snapshot as { status: unknown }).status)
      }
      await ctx.tx.insert(dmcDecisions).values(row)
      const hold = HOLDS[body.decision]
      if (hold !== undefined) await ctx.tx.update(trials).set({ dmcHold: hold, updatedAt: ctx.at }).where(eq(trials.trialId, trialId))
      ctx.audit({ action: 'create', entity: 'dmc_decision', entityId: row.dmcDecisionId, after: row, reason: body.rationale })
      return row
    })
    const row = result.value
    return reply.code(201).send({
      dmcDecisionId: row.dmcDecisionId,
      decision: row.decision,
      rationale: row.rationale,
      statusDecisionId: row.statusDecisionId,
      signature: { signer: row.signer, meaning: row.meaning, signedAt: row.signedAt, statusSha256: row.statusHash },
      status: result.status!
    })
  })
}
