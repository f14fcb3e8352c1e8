import { createHmac } from 'node:crypto'
import type { Db } from '../../db/client.js'
import { claimDueDeliveries, updateOutbox } from '../../db/repos/webhooks.js'

const BATCH = 20
const MAX_ATTEMPTS = 12
const TIMEOUT_MS = 5_000

/** Exponential backoff from 5 s, capped at one hour. */
export const retryDelayMs = (attempts: number): number => Math.min(5_000 * 2 ** (attempts - 1), 3_600_000)

/** HMAC-SHA256 over `${timestamp}.${body}`: the receiver checks it and rejects replays by timestamp. */
export const signature = (secret: string, timestamp: string, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

/**
 * Delivers due outbox rows. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * several instances share the work and each row is sent by one of them; the
 * row is written in the same transaction as its decision, so a crash between
 * commit and delivery loses nothing (it is retried).
 */
export async function deliverDue (db: Db, now = new Date()): Promise<number> {
  return await db.transaction(async (tx) => {
    const due = await claimDueDeliveries(tx, now.toISOString(), BATCH)
    for (const { row, url, secret } of due) {
      const body = JSON.stringify(row.payload)
      const timestamp = String(Math.floor(now.getTime() / 1000))
      let error: string | null = null
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-dlt-timestamp': timestamp,
            'x-dlt-signature': `sha256=${signature(secret, timestamp, body)}`,
            'x-dlt-delivery': row.outboxId
          },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
          redirect: 'error'
        })
        if (!res.ok) error = `HTTP ${res.status}`
      } catch (e) {
        error = (e as Error).message
      }
      const attempts = row.attempts + 1
      await updateOutbox(tx, row.trialId, row.outboxId, error === null
        ? { attempts, deliveredAt: new Date().toISOString(), lastError: null }
        : {
            attempts,
            lastError: error.slice(0, 500),
            // After the last attempt the row stays undelivered with its error, visible to operators.
            nextAttemptAt: new Date(now.getTime() + (attempts >= MAX_ATTEMPTS ? 3_153_600_000_000 : retryDelayMs(attempts))).toISOString()
          })
    }
    return due.length
  })
}
