import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { readDecisionIdsAfter } from '../../db/repos/decisions.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import type { FastifyReply } from 'fastify'
import { AppError, notFound } from '../lib/errors.js'
import { currentStatus } from '../services/status.js'
import { SHUTDOWN } from '../plugins/decision-bus.js'
import { trialParams } from '../schemas/params.js'
import { statusSchema } from '../schemas/status.js'

// An open stream holds a socket and a bus listener for as long as the client
// wants: streams are capped per token subject and per instance.
const STREAMS_RETRY_AFTER_SECONDS = 30

function streamLimits (perSubject: number, perInstance: number) {
  const bySubject = new Map<string, number>()
  let total = 0
  return {
    /** counts a new stream of `sub`, or throws 429; the returned function ends it (once) */
    open (sub: string, reply: FastifyReply): () => void {
      const mine = bySubject.get(sub) ?? 0
      if (mine >= perSubject || total >= perInstance) {
        reply.header('retry-after', String(STREAMS_RETRY_AFTER_SECONDS))
        throw new AppError(429, 'too-many-streams', mine >= perSubject
          ? `This token's subject already has ${mine} event streams open (at most ${perSubject}); close one first`
          : `This instance already serves ${total} event streams (at most ${perInstance}); try again later`)
      }
      bySubject.set(sub, mine + 1)
      total++
      let open = true
      return () => {
        if (!open) return
        open = false
        total--
        const left = (bySubject.get(sub) ?? 1) - 1
        if (left === 0) bySubject.delete(sub)
        else bySubject.set(sub, left)
      }
    }
  }
}

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  // Made at the first stream: the module is also registered on its own (the OpenAPI checks), without config.
  let streams: ReturnType<typeof streamLimits> | undefined
  app.get('/v1/trials/:trialId/events', {
    sse: { kind: 'only', heartbeat: true },
    config: { access: { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] } },
    schema: {
      operationId: 'streamTrialEvents',
      summary: 'Server-sent events: every new decision and the status it leads to',
      description: 'text/event-stream. Each event has `id:` (the decision id), `event: status`, and the status document as data. Reconnect with Last-Event-ID to receive the decisions missed meanwhile. Comment heartbeats keep proxies from closing the stream. At most SSE_MAX_PER_SUBJECT streams per token subject and SSE_MAX_PER_INSTANCE per instance: beyond, 429 with Retry-After.',
      tags: ['Status'],
      params: trialParams,
      headers: z.object({ 'last-event-id': z.uuid().optional() }),
      response: { 200: z.string().describe('text/event-stream'), ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    const { trialId } = request.params
    streams ??= streamLimits(app.config.SSE_MAX_PER_SUBJECT, app.config.SSE_MAX_PER_INSTANCE)
    const release = streams.open(request.principal!.sub, reply)
    let status
    try {
      status = await currentStatus(app.db, trialId)
    } catch (error) {
      release()
      throw error
    }
    if (status === null) {
      release()
      throw notFound('Trial')
    }

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
      release()
      app.decisionBus.off(trialId, onDecision)
      app.decisionBus.off(SHUTDOWN, onShutdown)
    })
    reply.sse.keepAlive()
    catchUp()
    await sending
  })
}
