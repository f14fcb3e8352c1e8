import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { makeDueChanges } from '../services/status-scheduler.js'

/** The longest wait between two scans: a nextChangeAt that a write moved earlier is seen within it. */
const POLL_MS = 1_000
/** Trials re-evaluated per scan; a full scan is followed by another at once. */
const BATCH = 50
/** After a trial's re-evaluation failed, it is tried again this much later (not at every scan). */
const RETRY_FAILED_MS = 30_000

/**
 * Makes the changes of status that time alone brings (a DLT window or a
 * sentinel wait that ends), when they are due, with nobody calling the API:
 * subscribers and webhooks hear of them as of a write's decisions. The due
 * instants are the trials' nextChangeAt in the database, so an instance that
 * starts makes the changes that fell due while none ran; several instances
 * share the work, each trial's change claimed by one (SKIP LOCKED on the
 * trial row, then re-checked under its lock). Between scans the scheduler
 * sleeps until the soonest nextChangeAt, at most a second.
 */
async function statusScheduler (app: FastifyInstance): Promise<void> {
  const failedUntil = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let closing = false

  const scan = async (): Promise<number> => {
    const now = Date.now()
    for (const [trialId, until] of failedUntil) if (until <= now) failedUntil.delete(trialId)
    const round = await makeDueChanges(app.db, new Date(now).toISOString(), BATCH, [...failedUntil.keys()])
    for (const { trialId, error } of round.failed) {
      failedUntil.set(trialId, now + RETRY_FAILED_MS)
      app.log.error({ err: error, trialId }, 'scheduled status change failed')
    }
    // A full batch of trials that were all locked (writes in progress) waits a poll, rather than spinning.
    if (round.full && round.evaluated.length > 0) return 0
    return round.nextAt === null ? POLL_MS : Math.min(POLL_MS, Math.max(0, Date.parse(round.nextAt) - Date.now()))
  }

  const arm = (delayMs: number) => {
    if (closing) return
    timer = setTimeout(() => {
      running = scan()
        .catch((err: unknown) => {
          app.log.warn({ err }, 'status scheduler scan failed')
          return POLL_MS
        })
        .then(arm)
    }, delayMs)
    timer.unref()
  }

  // The first scan at start: changes that fell due while no instance ran are made at once.
  app.addHook('onReady', async () => { arm(0) })
  app.addHook('preClose', async () => {
    closing = true
    clearTimeout(timer)
    await running
  })
}

export const statusSchedulerPlugin = fp(statusScheduler, { name: 'status-scheduler', fastify: '5.x', dependencies: ['database'] })
