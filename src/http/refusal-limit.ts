import type { FastifyInstance } from 'fastify'
import { AppError } from '../lib/errors.js'

// The per-subject rate limit runs after authentication, so requests refused
// before it (a bad or missing token, a forbidden scope, a malformed request)
// were never counted: a client could guess tokens or hammer the parsers
// without limit. Those refusals are counted here per client address; past the
// limit, the address gets 429 until its window ends. Counts are per instance.

const REFUSED = new Set([400, 401, 403])
// Bounds the memory an address sweep can take; expired windows are dropped first.
const MAX_TRACKED_ADDRESSES = 100_000

export interface RefusalLimit { max: number, windowMs: number }

export function registerRefusalLimit (app: FastifyInstance, { max, windowMs }: RefusalLimit): void {
  const windows = new Map<string, { refused: number, resetAt: number }>()

  const forget = (now: number) => {
    for (const [address, w] of windows) if (w.resetAt <= now) windows.delete(address)
    // Still full: the oldest windows go.
    for (const address of windows.keys()) {
      if (windows.size < MAX_TRACKED_ADDRESSES) break
      windows.delete(address)
    }
  }

  app.addHook('onRequest', (request, reply, done) => {
    const now = Date.now()
    const w = windows.get(request.ip)
    if (w === undefined || w.resetAt <= now || w.refused < max) return done()
    reply.header('retry-after', String(Math.ceil((w.resetAt - now) / 1000)))
    done(new AppError(429, 'too-many-refusals', `This address had ${w.refused} requests refused (400, 401, 403) in the window; try again after Retry-After seconds`))
  })

  app.addHook('onResponse', (request, reply, done) => {
    if (REFUSED.has(reply.statusCode)) {
      const now = Date.now()
      let w = windows.get(request.ip)
      if (w === undefined || w.resetAt <= now) {
        if (windows.size >= MAX_TRACKED_ADDRESSES) forget(now)
        w = { refused: 0, resetAt: now + windowMs }
        windows.set(request.ip, w)
      }
      w.refused++
    }
    done()
  })
}
