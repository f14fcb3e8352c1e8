import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * The headers helmet sets for these options. With no per-request directive
 * (no nonce) they are the same on every response, so they are computed once:
 * running helmet on every request (its CSP string above all) took a tenth of
 * the CPU of a status read.
 */
function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { Reflect.deleteProperty(headers, name.toLowerCase()) }
  }
  let failure: unknown
  helmet(options)({} as never, response as never, (error?: unknown) => { failure = error })
  if (failure !== undefined) throw failure
  return headers
}

/** Sets helmet's headers on every response, errors and 404s included. */
export function registerSecurityHeaders (app: FastifyInstance, options: HelmetOptions): void {
  const headers = helmetHeaders(options)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}
