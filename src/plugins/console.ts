import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { notFound } from '../lib/errors.js'

/** The console's assets: console/ at the repository root (dist/console once built). */
const ROOT = fileURLToPath(new URL('../../console/', import.meta.url))

/**
 * The console's own policy, stricter than the API's: its scripts and styles are
 * its own files (no inline script or style, no eval), it talks to this origin
 * only, draws PNG exports from blob: images, and may not be framed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

/** Every file under ROOT, by its path relative to it: only these are served (no path from the URL reaches the disk). */
function assets (): Set<string> {
  return new Set(readdirSync(ROOT, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${entry.parentPath.slice(ROOT.length)}/${entry.name}`.replace(/^\/+/, '')))
}

/**
 * The DMC and safety-monitor console at /console/: static files only. It signs
 * in with the token the user gives it and calls the same API, so it shows only
 * what that token may see. Registered in its own context: the CSP hook applies
 * to these routes alone.
 */
export async function consolePlugin (app: FastifyInstance): Promise<void> {
  const files = assets()
  await app.register(fastifyStatic, { root: ROOT, serve: false, cacheControl: false })
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('content-security-policy', CONSOLE_CSP)
    // The page reads its token from the fragment: no address of it leaves the browser in a Referer.
    reply.header('referrer-policy', 'no-referrer')
    done()
  })
  app.get('/console', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => await reply.redirect('/console/', 301))
  app.get('/console/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'] || 'index.html'
    if (!files.has(path)) throw notFound('Console file')
    // Revalidated on every load (ETag), so a new release is picked up at once.
    return await reply.header('cache-control', 'no-cache').sendFile(path)
  })
}
