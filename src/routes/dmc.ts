import { and, eq } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { decisions, dmcDecisions, trials, trialStatus } from '../../db/schema.js'
import { WITH_BODY, problems } from '../http/responses.js'
import { conflict } from '../http/problem.js'
import { clinicalWrite } from '../services/clinical-write.js'
import { statusHash } from '../services/status.js'
import { trialParams } from '../schemas/params.js'
import { dmcDecisionBody, dmcDecisionSchema } from '../schemas/dmc.js'

/** 21 CFR 11.200: a signature needs fresh authentication; ours accepts tokens issued in the last 5 minutes (enforced by the auth plugin). */
const FRESH_AUTH_SECONDS = 300

const HOLDS = { continue: null, modify: undefined, pause: 'pause', terminate: 'terminate' } as const

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
