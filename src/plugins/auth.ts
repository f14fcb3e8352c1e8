import fp from 'fastify-plugin'
import { createVerifier, TokenError } from 'fast-jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../lib/errors.js'
import { ID_PATTERN, toPrincipal, type Principal, type Role } from '../auth/roles.js'
import { dmcUnblinded } from '../auth/blinding.js'
import { readClaims, type ClaimMapping } from '../auth/claims.js'
import type { JwksKeys } from '../auth/jwks.js'
import { verifiedTokens } from '../auth/verified-tokens.js'

/**
 * What a route allows, stated where the route is declared and enforced here
 * for every request, before the handler runs:
 * - 'public' (no token), or the roles that may call it;
 * - trial scope: a trialId named in the path, query or body must be one of
 *   the token's `trials` (403);
 * - site scope, for site-scoped roles: a siteId named in the path, query or
 *   body must be one of the token's `sites` (403); rows of other sites are
 *   left out by the queries, which see `request.principal.sites`, and another
 *   site's participant or AE is answered as one that does not exist (404, or
 *   an AE's 422 naming an unknown participant: test/security/site-scope.test.ts);
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
  /** HS256 secret, or the identity provider's key set (JWKS) with its algorithms */
  key: string | JwksKeys
  algorithms: Array<'HS256' | 'RS256' | 'ES256'>
  /** when set, a token must carry this `iss` (a token without one is refused: RFC 8725 3.8) */
  issuer?: string | undefined
  /** when set, a token must carry this `aud` (RFC 8725 3.9) */
  audience?: string | undefined
  /** where the token carries the role and the sites */
  claims: ClaimMapping
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

// The RFC 6750 challenge of every 401; the realm names what the token is for.
const REALM = 'dlt-safety'
const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`

/**
 * A refused authentication, with its WWW-Authenticate challenge (RFC 6750 3):
 * no error code when no token came, invalid_token for a bad one, and RFC
 * 9470's insufficient_user_authentication with max_age when a fresher token
 * is needed.
 */
export class AuthenticationError extends AppError {
  readonly challenge: string
  constructor (detail: string, slug: string, error?: { code: string, maxAge?: number }) {
    super(401, slug, detail)
    const params = [`realm=${quoted(REALM)}`]
    if (error !== undefined) params.push(`error=${quoted(error.code)}`, `error_description=${quoted(detail)}`)
    if (error?.maxAge !== undefined) params.push(`max_age=${quoted(String(error.maxAge))}`)
    this.challenge = `Bearer ${params.join(', ')}`
  }
}

export const unauthorized = (detail: string, slug = 'unauthorized') => new AuthenticationError(detail, slug, { code: 'invalid_token' })
export const forbidden = (detail = 'This token does not allow this request') => new AppError(403, 'forbidden', detail)

async function auth (app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { key } = options
  const verify = createVerifier({
    // One async resolver for both modes keeps a single verification path.
    key: async (decoded: { header: { kid?: string, alg?: string } }) => typeof key === 'string' ? key : await key.resolve(decoded.header),
    algorithms: options.algorithms,
    clockTolerance: CLOCK_TOLERANCE_MS,
    // fast-jwt checks allowedIss/allowedAud only on tokens that carry the claim: a configured one is required.
    requiredClaims: ['exp', 'sub', ...(options.issuer === undefined ? [] : ['iss']), ...(options.audience === undefined ? [] : ['aud'])],
    // Verified tokens are kept below (verifiedTokens): fast-jwt's own cache would need a custom key to be as
    // cheap (its default, a SHA-256 of the token, cost 4% of a status read's CPU) and outlives a removed key.
    cache: false,
    ...(options.issuer === undefined ? {} : { allowedIss: options.issuer }),
    ...(options.audience === undefined ? {} : { allowedAud: options.audience })
  })
  const verified = verifiedTokens<Principal>(10_000)
  const keySet = () => typeof key === 'string' ? 0 : key.generation()

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
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    let principal: Principal
    try {
      // A route's onRequest hook may have authenticated the request already (an event stream's ticket, src/routes/events.ts).
      principal = request.principal ??= await authenticate(request.headers.authorization)
      if (!access.roles.includes(principal.role)) throw forbidden(`The role ${principal.role} may not do this`)
      const fresh = access.freshAuthSeconds
      if (fresh !== undefined && (principal.issuedAt === null || Date.now() / 1000 - principal.issuedAt > fresh)) {
        throw new AuthenticationError(`This needs a token issued in the last ${fresh / 60} minutes; authenticate again`, 'fresh-authentication-required', {
          code: 'insufficient_user_authentication', maxAge: fresh
        })
      }
    } catch (error) {
      if (error instanceof AuthenticationError) reply.header('www-authenticate', error.challenge)
      throw error
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
    // No credentials: the challenge carries no error code (RFC 6750 3.1).
    if (match === null) throw new AuthenticationError('A bearer token is required', 'unauthorized')
    const token = match[1]!
    const generation = keySet()
    const known = verified.get(token, generation)
    if (known !== undefined) return known
    let payload: Record<string, unknown>
    try {
      payload = await verify(token)
    } catch (error) {
      if (error instanceof TokenError) {
        const expired = error.code === TokenError.codes.expired
        throw unauthorized(expired ? 'The token has expired' : 'The token is not valid', expired ? 'token-expired' : 'unauthorized')
      }
      throw error
    }
    const claims = readClaims(payload, options.claims)
    if (!claims.ok) throw unauthorized('The token claims are not valid: ' + claims.problems.join(', '))
    // A token issued in the future (beyond the clock tolerance) would pass any fresh-authentication check.
    const iat = claims.claims.iat
    if (iat !== undefined && iat * 1000 > Date.now() + CLOCK_TOLERANCE_MS) throw unauthorized('The token was issued in the future (iat)')
    const principal = toPrincipal(claims.claims)
    // Kept under the key set it was verified with, read before the verification (a fetch during it makes a new one).
    verified.set(token, principal, claims.claims.exp * 1000 + CLOCK_TOLERANCE_MS, generation)
    return principal
  }
}

export const authPlugin = fp(auth, { name: 'auth', fastify: '5.x', dependencies: ['database'] })
