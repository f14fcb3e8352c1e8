import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { readDecisionIdsAfter } from '../../db/repos/decisions.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { notFound } from '../lib/errors.js'
import { currentStatus } from '../services/status.js'
import { SHUTDOWN } from '../plugins/decision-bus.js'
import { trialParams } from '../schemas/params.js'
import { statusSchema } from '../schemas/status.js'

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/trials/:trialId/events', {
    sse: { kind: 'only', heartbeat: true },
    config: { access: { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] } },
    schema: {
      operationId: 'streamTrialEvents',
      summary: 'Server-sent events: every new decision and the status it leads to',
      description: 'text/event-stream. Each event has `id:` (the decision id), `event: status`, and the status document as data. Reconnect with Last-Event-ID to receive the decisions missed meanwhile. Comment heartbeats keep proxies from closing the stream.',
      tags: ['Status'],
      params: trialParams,
      headers: z.object({ 'last-event-id': z.uuid().optional() }),
      response: { 200: z.string().describe('text/event-stream'), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    const { trialId } = request.params
    const status = await currentStatus(app.db, trialId)
    if (status === null) throw notFound('Trial')

    let lastSent = request.headers['last-event-id'] ?? null
    let sending = Promise.resolve()
    // Sends every decision after the last one sent, then the status: the stream
    // never skips a decision, even when several commit between two notifications.
    const catchUp = () => {
      sending = sending.then(async () => {
        if (!reply.sse.isConnected) return
        const missed = lastSent === null
          ? []
          : await readDecisionIdsAfter(app.db, trialId, lastSent)
        const latest = await currentStatus(app.db, trialId)
        if (latest === null) return
        for (const { decisionId } of missed.slice(0, -1)) {
          await reply.sse.send({ id: decisionId, event: 'decision', data: { trialId, decisionId } })
        }
        if (latest.decisionId !== lastSent) {
          // The contract's status document: the engine's per-participant rows stay on the server.
          await reply.sse.send({ id: latest.decisionId, event: 'status', data: statusSchema.parse(latest) })
          lastSent = latest.decisionId
        }
      }).catch((error: unknown) => { request.log.warn({ err: error }, 'event stream update failed') })
    }

    const onDecision = () => catchUp()
    const onShutdown = () => { reply.sse.close() }
    app.decisionBus.on(trialId, onDecision)
    app.decisionBus.once(SHUTDOWN, onShutdown)
    reply.sse.onClose(() => {
      app.decisionBus.off(trialId, onDecision)
      app.decisionBus.off(SHUTDOWN, onShutdown)
    })
    reply.sse.keepAlive()
    catchUp()
    await sending
  })
}
