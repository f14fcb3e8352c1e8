import { createSigner } from 'fast-jwt'
import tap from 'tap'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { Role } from '../../src/auth/roles.js'
import type { Database, DatabaseOptions, Db } from '../../db/client.js'
import { freshDatabase } from './database.js'

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export interface TokenOptions { sub?: string, sites?: string[], trials?: string[], ttlSeconds?: number, issuedAt?: number }

export function signToken (role: Role | string, options: TokenOptions = {}, secret = TEST_SECRET): string {
  const now = options.issuedAt ?? Math.floor(Date.now() / 1000)
  // The signer sets iat from clockTimestamp (it drops an iat given in the payload).
  const sign = createSigner({ key: secret, algorithm: 'HS256', clockTimestamp: now * 1000 })
  return sign({
    sub: options.sub ?? `${role}-user`,
    role,
    ...(options.sites === undefined ? {} : { sites: options.sites }),
    ...(options.trials === undefined ? {} : { trials: options.trials }),
    exp: now + (options.ttlSeconds ?? 3600)
  })
}

export const bearer = (role: Role, options?: TokenOptions) => ({ authorization: `Bearer ${signToken(role, options)}` })

export interface TestContext {
  app: App
  config: Config
  /** the PostgreSQL URL of this file's database; undefined on PGlite */
  databaseUrl: string | undefined
}

let shared: Promise<TestContext> | undefined

/**
 * The app on a fresh database for this test file (tap runs each file in its
 * own process), built once and closed when the file's tests end: starting an
 * embedded database costs seconds, so subtests share it and keep apart by
 * using their own trial ids.
 */
export async function build (env: Record<string, string> = {}, options: Pick<DatabaseOptions, 'logQuery'> = {}): Promise<TestContext> {
  shared ??= (async () => {
    const { database, url, drop } = await freshDatabase(options)
    const config = loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', RATE_LIMIT_MAX: '100000', REFUSAL_LIMIT_MAX: '100000', ...env })
    const app = await buildApp(config, { database, logLevel: 'silent' })
    await app.ready()
    tap.teardown(async () => {
      await app.close()
      await drop()
    })
    return { app, config, databaseUrl: url }
  })()
  return await shared
}

// Every method of its db records the call and throws: a request that queries
// needs build(). (Fastify's decorate looks for getter/setter on the value, so
// reading a property must not throw.)
const noDatabase = (calls: string[]): Database => ({
  db: new Proxy({}, {
    get: (_, property) => typeof property === 'string' && !['getter', 'setter', 'then'].includes(property)
      ? () => {
          calls.push(property)
          throw new Error(`this test app has no database (db.${property}): use build()`)
        }
      : undefined
  }) as Db,
  kind: 'pglite',
  listen: async () => async () => {},
  wedged: () => false,
  close: async () => {}
})

/**
 * The app with no database behind it, for tests of the HTTP plumbing (CORS,
 * security headers, input guards, limits, errors) on requests that are
 * answered or refused before any query: it starts in a fraction of the time
 * of build(), and a request that does reach the database fails loudly
 * (databaseCalls lists what it tried).
 */
export async function buildWithoutDatabase (env: Record<string, string> = {}): Promise<{ app: App, config: Config, databaseCalls: readonly string[] }> {
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', MIGRATE_ON_START: 'false', RATE_LIMIT_MAX: '100000', REFUSAL_LIMIT_MAX: '100000', ...env })
  const databaseCalls: string[] = []
  const app = await buildApp(config, { database: noDatabase(databaseCalls), logLevel: 'silent' })
  await app.ready()
  tap.teardown(async () => { await app.close() })
  return { app, config, databaseCalls }
}
