import type { FastifyReply } from 'fastify'
import { AppError } from '../lib/errors.js'

// Bulk routes are not counted per request but per item they carry, against a
// budget of their own per token subject and window: a sync is throttled by
// what it writes, not by how it packs it. Every answer carries the IETF
// draft's RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds)
// headers (draft-ietf-httpapi-ratelimit-headers); a refusal is 429 with
// Retry-After. Counts are per instance, like the request limit's.

// Bounds the memory a sweep of subjects can take; expired windows are dropped first.
const MAX_TRACKED_SUBJECTS = 100_000

export interface ItemLimit { max: number, windowMs: number }

/** Charges `items` to the subject's budget, or refuses the request (charging nothing) when they do not fit in it. */
export type ChargeItems = (reply: FastifyReply, subject: string, items: number) => void

export function itemLimiter ({ max, windowMs }: ItemLimit): ChargeItems {
  const windows = new Map<string, { used: number, resetAt: number }>()
  return (reply, subject, items) => {
    const now = Date.now()
    let w = windows.get(subject)
    if (w === undefined || w.resetAt <= now) {
      if (windows.size >= MAX_TRACKED_SUBJECTS) {
        for (const [key, old] of windows) if (old.resetAt <= now || windows.size >= MAX_TRACKED_SUBJECTS) windows.delete(key)
      }
      w = { used: 0, resetAt: now + windowMs }
      windows.set(subject, w)
    }
    const reset = Math.ceil((w.resetAt - now) / 1000)
    const fits = w.used + items <= max
    if (fits) w.used += items
    reply.header('ratelimit-limit', String(max))
    reply.header('ratelimit-remaining', String(max - w.used))
    reply.header('ratelimit-reset', String(reset))
    if (!fits) {
      reply.header('retry-after', String(reset))
      throw new AppError(429, 'too-many-items', `This request's ${items} items exceed the ${max - w.used} left of this subject's ${max} bulk items per window; try again after Retry-After seconds`)
    }
  }
}
