import fp from 'fastify-plugin'
import { createVerifier, TokenError } from 'fast-jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../http/problem.js'
import { claimsSchema, toPrincipal, type Principal, type Role } from './roles.js'

/**
 * What a route allows, stated where the route is declared:
 * 'public' (no token), or the roles that may call it. Trial scope (the
 * token's `trials` claim) is enforced here for every `:trialId` route;
 * site scope is applied by the queries, which see `request.principal.sites`.
 */
export type Access = 'public' | { roles: readonly Role[] }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

export interface AuthOptions {
  /** HS256 secret, or an async key resolver (JWKS) with its algorithms */
  key: string | ((header: { kid?: string, alg?: string }) => Promise<string>)
  algorithms: Array<'HS256' | 'RS256' | 'ES256'>
  issuer?: string | undefined
  audience?: string | undefined
}

const CLOCK_TOLERANCE_MS = 30_000
// Routes registered by plugins we do not own (the docs UI) are public documentation.
const DOCUMENTATION_ROUTE = /^\/docs(\/|$)/

export const unauthorized = (detail: string, slug = 'unauthorized') => new AppError(401, slug, detail)
export const forbidden = (detail = 'This token does not allow this request') => new AppError(403, 'forbidden', detail)

async function auth (app: FastifyInstance, options: AuthOptions): Promise<void> {
  const verify = createVerifier({
    // One async resolver for both modes keeps a single verification path.
    key: async (decoded: { header: { kid?: string, alg?: string } }) =>
      typeof options.key === 'string' ? options.key : await options.key(decoded.header),
    algorithms: options.algorithms,
    clockTolerance: CLOCK_TOLERANCE_MS,
    requiredClaims: ['exp', 'sub', 'role'],
    cache: 10_000,
    ...(options.issuer === undefined ? {} : { allowedIss: options.issuer }),
    ...(options.audience === undefined ? {} : { allowedAud: options.audience })
  })

  app.decorateRequest('principal', null)

  app.addHook('onRoute', (route) => {
    if (route.config?.access !== undefined) return
    if (DOCUMENTATION_ROUTE.test(route.url)) {
      route.config = { ...route.config, access: 'public' }
      return
    }
    throw new Error(`route ${route.method} ${route.url} does not declare its access`)
  })

  // After body parsing, so that a malformed, oversized or mistyped body is
  // refused as such (400/413/415) whether or not a token came with it.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    request.principal = await authenticate(request.headers.authorization)
    if (!access.roles.includes(request.principal.role)) throw forbidden(`The role ${request.principal.role} may not do this`)
    const trialId = (request.params as { trialId?: string } | undefined)?.trialId ?? (request.query as { trialId?: string } | undefined)?.trialId
    const trials = request.principal.trials
    if (trials !== null && typeof trialId === 'string' && !trials.includes(trialId)) throw forbidden('This token does not cover that trial')
  })

  async function authenticate (header: string | undefined): Promise<Principal> {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw unauthorized('A bearer token is required')
    let payload: unknown
    try {
      payload = await verify(match[1]!)
    } catch (error) {
      if (error instanceof TokenError) {
        const expired = error.code === TokenError.codes.expired
        throw unauthorized(expired ? 'The token has expired' : 'The token is not valid', expired ? 'token-expired' : 'unauthorized')
      }
      throw error
    }
    const claims = claimsSchema.safeParse(payload)
    if (!claims.success) throw unauthorized('The token claims are not valid: ' + claims.error.issues.map((i) => i.path.join('.')).join(', '))
    return toPrincipal(claims.data)
  }
}

export const authPlugin = fp(auth, { name: 'auth', fastify: '5.x' })
