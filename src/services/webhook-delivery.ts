import { createHmac, randomBytes } from 'node:crypto'
import { lookup as dnsLookup } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../db/client.js'
import { claimDeliveries, updateDelivery, type ClaimedDelivery } from '../../db/repos/webhooks.js'
import { isPublicAddress, targetRefusal } from '../lib/webhook-target.js'

/** A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

/**
 * The `webhook-signature` header (Standard Webhooks v1): for each secret,
 * `v1,` and the base64 HMAC-SHA256, keyed with the secret's bytes, of
 * `{id}.{timestamp}.{body}`; space-separated, so that during a rotation a
 * receiver holding either secret verifies it.
 */
export const signatureHeader = (secrets: readonly string[], id: string, timestamp: number, body: string): string =>
  secrets.map((secret) => `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ')

/** Resolves like dns.lookup, and fails when any address of the name is not public: checked on the connection's own lookup, so a name cannot change its answer between check and use (DNS rebinding). */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, '', 0)
    const refused = addresses.find((a) => !isPublicAddress(a.address))
    if (refused !== undefined || addresses.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`), { code: 'EWEBHOOKTARGET' }), '', 0)
    }
    if (options.all === true) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}

export interface DelivererOptions {
  /** attempts in flight at once */
  concurrency: number
  /** per attempt, connection to answer */
  timeoutMs: number
  /** waits before each retry; after the last retry fails the delivery is dead-lettered */
  retryDelaysMs: readonly number[]
  allowPrivateTargets: boolean
  /** how often to look for due rows (retries, and rows other instances queued) */
  pollMs: number
  log: FastifyBaseLogger
}

export interface Deliverer {
  /** looks for due deliveries now (after a commit that queued some) */
  wake: () => void
  /** stops claiming and abandons the attempts in flight (their lease expires and they are retried) */
  close: () => Promise<void>
}

/** What an attempt got: null when acknowledged (2xx), else why not. */
function post (url: string, headers: Record<string, string>, body: string, signal: AbortSignal, allowPrivate: boolean, timeoutMs: number): Promise<string | null> {
  const refusal = targetRefusal(url, allowPrivate)
  if (refusal !== null) return Promise.resolve(`target refused: ${refusal}`)
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const request = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'dlt-safety-backend-webhooks' },
      signal,
      ...(allowPrivate ? {} : { lookup: publicLookup })
    }, (response) => {
      // The answer's body is not read: only its status counts.
      response.resume()
      const status = response.statusCode ?? 0
      resolve(status >= 200 && status < 300 ? null : `HTTP ${status}`)
    })
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.name === 'AbortError' || error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${error.code ?? error.name}: ${error.message}`)
    })
    request.end(body)
  })
}

/** How much longer than an attempt's timeout its claim lasts before another instance may retry it. */
const LEASE_MARGIN_MS = 30_000

/**
 * Sends queued deliveries outside every transaction: claims due rows in one
 * short statement, sends up to `concurrency` at once, each bounded by its
 * timeout, and records each outcome in another short statement. A slow or
 * dead receiver holds one slot for at most the timeout and delays only its
 * own subscription's later events (which wait for it, in order).
 */
export function startDeliverer (db: Db, options: DelivererOptions): Deliverer {
  const { log } = options
  const stopping = new AbortController()
  const inFlight = new Set<Promise<void>>()
  let claiming = false
  let again = false

  const attempt = async (d: ClaimedDelivery): Promise<void> => {
    const body = typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload)
    const timestamp = Math.floor(Date.now() / 1000)
    const secrets = d.previousSecret === null ? [d.secret] : [d.secret, d.previousSecret]
    const headers = { 'webhook-id': d.outboxId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, d.outboxId, timestamp, body) }
    const error = await post(d.url, headers, body, AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs)]), options.allowPrivateTargets, options.timeoutMs)
    // Shutting down: the attempt is abandoned, not failed; its lease expires and it is sent again.
    if (stopping.signal.aborted) return
    const at = new Date()
    const context = { trialId: d.trialId, webhookId: d.webhookId, deliveryId: d.outboxId, attempt: d.attempts, error }
    if (error === null) {
      await updateDelivery(db, d.trialId, d.outboxId, { deliveredAt: at.toISOString(), lastError: null })
    } else if (d.attempts > options.retryDelaysMs.length) {
      log.error(context, 'webhook delivery dead-lettered after its last attempt')
      await updateDelivery(db, d.trialId, d.outboxId, { deadAt: at.toISOString(), lastError: error.slice(0, 500) })
    } else {
      const nextAttemptAt = new Date(at.getTime() + options.retryDelaysMs[d.attempts - 1]!).toISOString()
      log.warn({ ...context, nextAttemptAt }, 'webhook delivery attempt failed')
      await updateDelivery(db, d.trialId, d.outboxId, { nextAttemptAt, lastError: error.slice(0, 500) })
    }
  }

  const claim = async (): Promise<void> => {
    const free = options.concurrency - inFlight.size
    if (free <= 0) return
    const now = new Date()
    const due = await claimDeliveries(db, now.toISOString(), new Date(now.getTime() + options.timeoutMs + LEASE_MARGIN_MS).toISOString(), free)
    for (const d of due) {
      const sent: Promise<void> = attempt(d)
        .catch((err: unknown) => { log.warn({ err, deliveryId: d.outboxId }, 'webhook delivery outcome not recorded; retried after its lease') })
        .finally(() => {
          inFlight.delete(sent)
          wake()
        })
      inFlight.add(sent)
    }
  }

  // One claim at a time; a wake during a claim claims again after it.
  function wake (): void {
    if (stopping.signal.aborted) return
    if (claiming) {
      again = true
      return
    }
    claiming = true
    claim()
      .catch((err: unknown) => { log.warn({ err }, 'webhook deliveries not claimed') })
      .finally(() => {
        claiming = false
        if (again) {
          again = false
          wake()
        }
      })
  }

  const timer = setInterval(wake, options.pollMs)
  timer.unref()
  return {
    wake,
    close: async () => {
      clearInterval(timer)
      stopping.abort()
      await Promise.allSettled([...inFlight])
    }
  }
}
