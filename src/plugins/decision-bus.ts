import { EventEmitter } from 'node:events'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CHANNEL } from '../services/status.js'

/** emitted on the bus when the instance shuts down, so that open event streams end */
export const SHUTDOWN = Symbol('shutdown')

declare module 'fastify' {
  interface FastifyInstance {
    /** emits `trialId` events with the new decision id, from every instance on the database */
    decisionBus: EventEmitter
  }
}

/**
 * Fans PostgreSQL NOTIFYs of new decisions out to this instance's SSE
 * subscribers. Every decision is notified inside its transaction, so every
 * instance on the database hears of it once it commits.
 */
async function decisionBus (app: FastifyInstance): Promise<void> {
  const bus = new EventEmitter()
  bus.setMaxListeners(0)
  const unlisten = await app.database.listen(STATUS_CHANNEL, (payload) => {
    const [trialId, decisionId] = payload.split(' ')
    if (trialId !== undefined && decisionId !== undefined) bus.emit(trialId, decisionId)
  })
  app.decorate('decisionBus', bus)
  app.addHook('preClose', async () => {
    bus.emit(SHUTDOWN)
    await unlisten()
  })
}

export const decisionBusPlugin = fp(decisionBus, { name: 'decision-bus', fastify: '5.x', dependencies: ['database'] })
