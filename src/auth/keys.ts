import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { resolveJwtSecret } from './secret.js'
import { jwksKeys } from './jwks.js'
import type { AuthOptions } from '../plugins/auth.js'

/**
 * How tokens are verified: RS256/ES256 against the identity provider's JWKS
 * when JWKS_URL is set (jwks.ts: refetched on an unknown kid at most every
 * 30 s, and after JWKS_CACHE_SECONDS), otherwise HS256 with the service's
 * own secret; the role and sites are read where JWT_ROLE_CLAIM and
 * JWT_SITES_CLAIM say.
 */
export function verificationKeys (config: Config, log: FastifyBaseLogger): AuthOptions {
  const common = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    claims: { role: config.JWT_ROLE_CLAIM, sites: config.JWT_SITES_CLAIM }
  }
  if (config.JWKS_URL === undefined) return { ...common, key: resolveJwtSecret(config), algorithms: ['HS256'] }
  return {
    ...common,
    algorithms: ['RS256', 'ES256'],
    key: jwksKeys({
      url: config.JWKS_URL,
      maxAgeMs: config.JWKS_CACHE_SECONDS * 1000,
      onError: (error) => { log.warn({ err: error }, 'JWKS_URL could not be fetched; the keys of the last fetch stay in use') }
    })
  }
}
