import buildGetJwks from 'get-jwks'
import type { Config } from '../config.js'
import { resolveJwtSecret } from './secret.js'
import type { AuthOptions } from '../plugins/auth.js'

/**
 * How tokens are verified: RS256/ES256 against the identity provider's JWKS
 * when JWKS_URL is set (keys cached, refetched on an unknown kid), otherwise
 * HS256 with the service's own secret.
 */
export function verificationKeys (config: Config): AuthOptions {
  const common = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }
  if (config.JWKS_URL === undefined) return { ...common, key: resolveJwtSecret(config), algorithms: ['HS256'] }
  const url = new URL(config.JWKS_URL)
  const jwks = buildGetJwks({ max: 100, ttl: 10 * 60_000, jwksPath: url.pathname + url.search })
  return {
    ...common,
    algorithms: ['RS256', 'ES256'],
    key: async ({ kid, alg }) => await jwks.getPublicKey({ domain: url.origin, ...(kid === undefined ? {} : { kid }), ...(alg === undefined ? {} : { alg }) })
  }
}
