import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { readDecisionStatusesAfter } from '../../db/repos/decisions.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import type { FastifyReply } from 'fastify'
import { AppError, notFound } from '../lib/errors.js'
import { currentStatus } from '../services/status.js'
import { issueTicket, redeemTicket } from '../services/stream-tickets.js'
import { SHUTDOWN } from '../plugins/decision-bus.js'
import { unauthorized } from '../plugins/auth.js'
import { trialParams } from '../schemas/params.js'
import { statusSchema } from '../schemas/status.js'
import { eventsQuery, streamTicketSchema } from '../schemas/events.js'

// An open stream holds a socket and a bus listener for as long as the client
// wants: streams are capped per token subject and per instance.
const STREAMS_RETRY_AFTER_SECONDS = 30
/** Decisions read per query when a stream catches up (a client back after a long absence). */
const REPLAY_PAGE = 100
const READERS = { roles: ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] } as const

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
  app.post('/v1/trials/:trialId/events/tickets', {
    config: { access: READERS },
    schema: {
      operationId: 'createStreamTicket',
      summary: 'A one-time ticket that opens the trial\'s event stream without an Authorization header',
      description: 'For browsers, whose EventSource cannot send a bearer token: `new EventSource(\'/v1/trials/{trialId}/events?ticket=\' + ticket)`. The ticket opens one stream of this trial only, as this token (its role, sites and trials), once, within 60 seconds. An EventSource whose stream dropped cannot reconnect with a used ticket: ask for a new one and open the stream with it and `lastEventId` (the id of the last event received), to receive what was missed.',
      tags: ['Status'],
      params: trialParams,
      response: { 201: streamTicketSchema, ...problems(...AUTHENTICATED, 404) }
    }
  }, async (request, reply) => {
    reply.code(201)
    return await issueTicket(app.db, request.params.trialId, request.principal!)
  })

  // Made at the first stream: the module is also registered on its own (the OpenAPI checks), without config.
  let streams: ReturnType<typeof streamLimits> | undefined
  app.get('/v1/trials/:trialId/events', {
    sse: { kind: 'only', heartbeat: true },
    config: { access: READERS },
    // Before authentication: a ticket stands for the token it was issued to (auth then checks its role and scope).
    onRequest: async (request) => {
      const { ticket } = request.query as { ticket?: unknown }
      if (typeof ticket !== 'string') return
      const principal = await redeemTicket(app.db, (request.params as { trialId: string }).trialId, ticket)
      if (principal === undefined) throw unauthorized('The stream ticket is not valid for this trial, has expired, or was used')
      request.principal = principal
    },
    schema: {
      operationId: 'streamTrialEvents',
      summary: 'Server-sent events: every new decision and the status it leads to',
      description: [
        'A `text/event-stream`. Each event is `event: status`, `id:` the decision id, and as data the status document (as GET .../status) the decision led to. The first event is the current status; then one event per new decision, in order, as they commit (decisions that time alone makes, when a DLT window or a sentinel wait ends, included). Comment heartbeats every 15 s keep proxies from closing the stream.',
        'Reconnecting with `Last-Event-ID` (as every EventSource does) replays each decision made since that id, in order, as the same `status` events, then streams; when none was missed the stream just stays open. A new EventSource can resume with the `lastEventId` query parameter instead.',
        'Browsers, whose EventSource cannot send headers, authenticate with `?ticket=` (POST .../events/tickets) instead of the Authorization header.',
        'At most SSE_MAX_PER_SUBJECT streams per token subject and SSE_MAX_PER_INSTANCE per instance: beyond, 429 with Retry-After.'
      ].join('\n\n'),
      tags: ['Status'],
      params: trialParams,
      querystring: eventsQuery,
      headers: z.object({ 'last-event-id': z.uuid().optional() }),
      response: {
        200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string().describe('server-sent events: `event: status`, `id:` the decision id, `data:` a TrialStatus document') } } },
        ...problems(...AUTHENTICATED, 404)
      }
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

    let lastSent = request.headers['last-event-id'] ?? request.query.lastEventId ?? null
    let sending = Promise.resolve()
    // Sends every decision after the last one sent, oldest first, each as the status it led to:
    // a reconnecting client receives what it missed as the events a connected one received.
    const catchUp = () => {
      sending = sending.then(async () => {
        if (!reply.sse.isConnected) return
        if (lastSent === null) {
          const latest = await currentStatus(app.db, trialId)
          if (latest === null) return
          // The contract's status document: the engine's per-participant rows stay on the server.
          await reply.sse.send({ id: latest.decisionId, event: 'status', data: statusSchema.parse(latest) })
          lastSent = latest.decisionId
          return
        }
        for (;;) {
          const missed = await readDecisionStatusesAfter(app.db, trialId, lastSent, REPLAY_PAGE)
          for (const d of missed) {
            if (!reply.sse.isConnected) return
            const data = statusSchema.parse({ ...(d.status as object), trialId, asOf: new Date(d.at).toISOString(), protocolVersion: d.protocolVersion, decisionId: d.decisionId })
            await reply.sse.send({ id: d.decisionId, event: 'status', data })
            lastSent = d.decisionId
          }
          if (missed.length < REPLAY_PAGE) return
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
    // Committed as an event stream at once, even when nothing was missed: an EventSource given any other answer stops for good.
    reply.sse.sendHeaders()
    // Node holds a head without body until the first write: a client waiting for it would wait for the first event.
    reply.raw.flushHeaders()
    catchUp()
    await sending
  })
}
