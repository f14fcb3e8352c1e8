import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hkdfSync, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ConfigError, isEmbedded, type Config } from '../config.js'

/**
 * The HS256 signing secret: JWT_SECRET when set; in embedded mode a random
 * secret made once and kept in DATA_DIR, so that `npm start` and
 * `npm run token` agree without any setup.
 */
export function resolveJwtSecret (config: Config): string {
  if (config.JWT_SECRET !== undefined) return config.JWT_SECRET
  if (!isEmbedded(config)) throw new ConfigError('Invalid configuration: JWT_SECRET: required when DATABASE_URL is set')
  const file = join(config.DATA_DIR, 'jwt-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(config.DATA_DIR, { recursive: true })
  const secret = randomBytes(48).toString('base64url')
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process (the server, `npm run token`) made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return readFileSync(file, 'utf8').trim()
  }
  return secret
}

/**
 * The key of the audit chain's HMAC: AUDIT_HMAC_KEY when set; in embedded
 * mode, when unset, derived from the JWT secret (made once in DATA_DIR), so a
 * local try-out needs no setup. Required with DATABASE_URL, like JWT_SECRET:
 * a server's chain must not depend on a secret rotated for other reasons (a
 * new key would break every chain) or on none at all (JWKS deployments).
 * Keep it out of the database's reach: whoever holds it can re-chain a rewrite.
 */
export function resolveAuditKey (config: Config): Buffer {
  if (config.AUDIT_HMAC_KEY !== undefined) return Buffer.from(config.AUDIT_HMAC_KEY, 'utf8')
  if (!isEmbedded(config)) throw new ConfigError('Invalid configuration: AUDIT_HMAC_KEY: required when DATABASE_URL is set')
  return Buffer.from(hkdfSync('sha256', resolveJwtSecret(config), 'dlt-safety-backend', 'audit chain', 32))
}
