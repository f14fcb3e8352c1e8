import fp from 'fastify-plugin'
import { createVerifier, TokenError } from 'fast-jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../lib/errors.js'
import { claimsSchema, ID_PATTERN, toPrincipal, type Principal, type Role } from '../auth/roles.js'
import { dmcUnblinded } from '../auth/blinding.js'

/**
 * What a route allows, stated where the route is declared and enforced here
 * for every request, before the handler runs:
 * - 'public' (no token), or the roles that may call it;
 * - trial scope: a trialId named in the path, query or body must be one of
 *   the token's `trials` (403);
 * - site scope, for site-scoped roles: a siteId named in the path, query or
 *   body must be one of the token's `sites` (403); rows of other sites are
 *   left out by the queries, which see `request.principal.sites`, and another
 *   site's participant or AE is answered 404, as if it did not exist;
 * - `records: 'participants'`: the route shows or changes participant-level
 *   records, which the DMC reaches only where the protocol in force sets
 *   dmcUnblinded (403). Without it a route shows trial-level data only;
 * - `fields`: top-level body fields that only some of the roles may send
 *   (e.g. an enrolment's `override`, admin only): 403 for the others;
 * - `freshAuthSeconds`: the token must have been issued at most this long
 *   ago (21 CFR 11.200: a signature needs fresh authentication), else 401.
 */
export type Access = 'public' | {
  roles: readonly Role[]
  records?: 'participants'
  fields?: Readonly<Record<string, readonly Role[]>>
  freshAuthSeconds?: number
}

/** One row of the route table: what each route allows (for the access matrix and reviews). */
export interface RouteAccess { method: string, url: string, access: Access }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    routeAccess: RouteAccess[]
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

/** Every value the request gives a field in its path, query string or (top-level) body, before schema validation. */
function named (request: FastifyRequest, field: string): string[] {
  return [request.params, request.query, request.body].flatMap((part) => {
    const value = typeof part === 'object' && part !== null && !Array.isArray(part) ? (part as Record<string, unknown>)[field] : undefined
    return [value].flat().filter((v): v is string => typeof v === 'string')
  })
}

const sends = (body: unknown, field: string): boolean =>
  typeof body === 'object' && body !== null && Object.hasOwn(body, field) && (body as Record<string, unknown>)[field] !== undefined

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
    // The token itself is the cache key: fast-jwt's default key, a SHA-256 of the token, cost
    // more than the rest of a cached verification (4% of a status read's CPU).
    cacheKeyBuilder: (token: string) => token,
    ...(options.issuer === undefined ? {} : { allowedIss: options.issuer }),
    ...(options.audience === undefined ? {} : { allowedAud: options.audience })
  })

  app.decorateRequest('principal', null)
  app.decorate('routeAccess', [])

  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) {
      if (!DOCUMENTATION_ROUTE.test(route.url)) throw new Error(`route ${route.method} ${route.url} does not declare its access`)
      route.config = { ...route.config, access: 'public' }
    }
    const access = route.config.access!
    for (const method of [route.method].flat()) app.routeAccess.push({ method, url: route.url, access })
  })

  // After body parsing, so that a malformed, oversized or mistyped body is
  // refused as such (400/413/415) whether or not a token came with it.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    // A route's onRequest hook may have authenticated the request already (an event stream's ticket, src/routes/events.ts).
    request.principal ??= await authenticate(request.headers.authorization)
    const principal = request.principal
    if (!access.roles.includes(principal.role)) throw forbidden(`The role ${principal.role} may not do this`)
    const fresh = access.freshAuthSeconds
    if (fresh !== undefined && (principal.issuedAt === null || Date.now() / 1000 - principal.issuedAt > fresh)) {
      throw unauthorized(`This needs a token issued in the last ${fresh / 60} minutes; authenticate again`, 'fresh-authentication-required')
    }
    const trialIds = named(request, 'trialId')
    if (principal.trials !== null && trialIds.some((id) => !principal.trials!.includes(id))) throw forbidden('This token does not cover that trial')
    if (principal.sites !== null && named(request, 'siteId').some((id) => !principal.sites!.includes(id))) throw forbidden('This token does not cover that site')
    for (const [field, roles] of Object.entries(access.fields ?? {})) {
      if (sends(request.body, field) && !roles.includes(principal.role)) throw forbidden(`Only ${roles.join(', ')} may send ${field}`)
    }
    // A malformed trialId is left to the schema (400); a well-formed one is looked up (404 when absent).
    const trialId = trialIds.find((id) => ID_PATTERN.test(id))
    if (access.records === 'participants' && principal.role === 'dmc' && trialId !== undefined && !await dmcUnblinded(app.db, trialId)) {
      throw forbidden('Participant-level records are blinded to the DMC in this trial')
    }
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
    if (!claims.success) {
      const named = claims.error.issues.flatMap((i) => i.code === 'unrecognized_keys' ? i.keys.map((k) => `unknown claim ${k}`) : [i.path.join('.')])
      throw unauthorized('The token claims are not valid: ' + named.join(', '))
    }
    // A token issued in the future (beyond the clock tolerance) would pass any fresh-authentication check.
    const iat = claims.data.iat
    if (iat !== undefined && iat * 1000 > Date.now() + CLOCK_TOLERANCE_MS) throw unauthorized('The token was issued in the future (iat)')
    return toPrincipal(claims.data)
  }
}

export const authPlugin = fp(auth, { name: 'auth', fastify: '5.x', dependencies: ['database'] })
