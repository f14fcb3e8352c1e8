import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { readDecisionsPage } from '../../db/repos/decisions.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { decodeCursor, page, pageOf, pageQuery } from '../http/pagination.js'
import { notFound } from '../lib/errors.js'
import { currentStatus } from '../services/status.js'
import { trialSummary } from '../services/summary.js'
import { loadProtocol } from '../services/protocols.js'
import { requireTrial } from '../services/trials.js'
import { decisionTableFor } from '../domain/status.js'
import { decisionSchema, decisionTableSchema, statusSchema, summarySchema } from '../schemas/status.js'
import { trialParams } from '../schemas/params.js'
import { seesEveryParticipant, type Principal } from '../auth/roles.js'

const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] } as const
const PARTICIPANT_ENTITIES = new Set(['participant', 'administration', 'adverse_event', 'adjudication'])

export const statusRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/trials/:trialId/status', {
    config: { access: READERS },
    schema: {
      operationId: 'getTrialStatus',
      summary: 'Stop/go status of the trial (the DMC view)',
      description: 'Computed by the server from every committed AE, enrolment and administration, and from DLT windows closed by time since the last write.',
      tags: ['Status'],
      params: trialParams,
      response: { 200: statusSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const status = await currentStatus(app.db, request.params.trialId)
    if (status === null) throw notFound('Trial')
    return status
  })

  app.get('/v1/trials/:trialId/decisions', {
    config: { access: { roles: ['safety_monitor', 'dmc', 'admin', 'investigator'] } },
    schema: {
      operationId: 'listDecisions',
      summary: 'Every change of status, newest first',
      tags: ['Status'],
      params: trialParams,
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: pageOf(decisionSchema), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const { trialId } = request.params
    await requireTrial(app.db, trialId)
    const after = decodeCursor(request.query.cursor, z.tuple([z.uuid()]))
    const rows = await readDecisionsPage(app.db, trialId, after?.[0], request.query.limit + 1)
    return page(rows, request.query.limit, (r) => ({
      decisionId: r.decisionId,
      at: new Date(r.at).toISOString(),
      ...participantFree(request.principal!, r.trigger as Record<string, unknown>, r.snapshot as Record<string, unknown>),
      protocolVersion: r.protocolVersion,
      state: r.state as 'go' | 'hold' | 'stop',
      action: r.action as z.infer<typeof decisionSchema>['action'],
      nextDoseLevel: r.nextDoseLevel,
      serviceVersion: r.serviceVersion
    }), (r) => [r.decisionId])
  })

  app.get('/v1/trials/:trialId/decision-table', {
    config: { access: READERS },
    schema: {
      operationId: 'getDecisionTable',
      summary: 'The design\'s decision table for the protocol in force',
      description: 'For each number n treated at a dose: escalate if DLTs <= a, de-escalate if >= b, eliminate if >= c (null where no count triggers it), so every decision can be checked by hand.',
      tags: ['Status'],
      params: trialParams,
      response: { 200: decisionTableSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const trial = await requireTrial(app.db, request.params.trialId)
    const protocol = await loadProtocol(app.db, trial.trialId, trial.protocolVersion)
    return { ...decisionTableFor(protocol), protocolVersion: trial.protocolVersion }
  })

  app.get('/v1/trials/:trialId/summary', {
    config: { access: { roles: ['safety_monitor', 'dmc', 'admin'] } },
    schema: {
      operationId: 'getTrialSummary',
      summary: 'Safety summary per dose level or arm',
      description: 'Enrolled, evaluable, pending, DLTs with exact 95% CI; participants by worst grade; AE counts by SOC, term and grade, each participant counted once per term at their worst grade; SAEs. With `asOf`, the picture as it stood then: group counts from the decision in force, AEs from their versions.',
      tags: ['Status'],
      params: trialParams,
      querystring: z.strictObject({ asOf: z.iso.datetime({ offset: true }).optional().describe('a past instant (RFC 3339)') }),
      response: { 200: summarySchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request) => {
    const asOf = request.query.asOf === undefined ? undefined : new Date(request.query.asOf).toISOString()
    return await trialSummary(app.db, request.params.trialId, asOf)
  })

  /**
   * A decision's snapshot lists every participant (id, dose level, DLT) and its
   * trigger names the participant or record that caused it: participant-level
   * data that site-scoped tokens (other sites) and the DMC (blinded) may not see.
   */
  function participantFree (principal: Principal, trigger: Record<string, unknown>, snapshot: Record<string, unknown>) {
    if (seesEveryParticipant(principal)) return { trigger, snapshot }
    // an amendment's re-classified verdicts name AEs: participant-level records
    const { reclassified, ...recordFree } = trigger
    const { entityId, ...anonymousTrigger } = recordFree
    const status = snapshot.status as Record<string, unknown> | undefined
    const { participants, ...aggregate } = status ?? {}
    return {
      trigger: typeof trigger.entity === 'string' && PARTICIPANT_ENTITIES.has(trigger.entity) ? anonymousTrigger : recordFree,
      snapshot: status === undefined ? snapshot : { ...snapshot, status: aggregate }
    }
  }
}
