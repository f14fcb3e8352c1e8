import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { openDatabase, type Database, type Db } from '../../db/client.js'
import { migrate } from '../../db/migrate.js'
import { isFreshDataDir, migratedSnapshot } from '../../db/pglite-snapshot.js'
import { ping } from '../../db/repos/health.js'
import { DataDirLockedError } from '../../db/data-dir-lock.js'
import { loadSeeds } from '../../seeds/load.js'
import { ConfigError, type Config } from '../config.js'
import { resolveAuditKey } from '../auth/secret.js'
import { useAuditKey } from '../services/audit.js'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    db: Db
  }
}

export interface DatabaseOptions {
  /** an already open database (tests share one per file); otherwise opened from config and closed with the app */
  database?: Database | undefined
}

/** Opens the database (or takes the one given), applies the shipped migrations and, where configured, the seed trials. */
async function database (app: FastifyInstance, options: DatabaseOptions): Promise<void> {
  const { config } = app
  // Before opening: a missing key leaves nothing open behind.
  const auditKey = resolveAuditKey(config)
  const database = options.database ?? await open(config)
  app.decorate('database', database)
  app.decorate('db', database.db)
  useAuditKey(database.db, auditKey)
  if (options.database === undefined) app.addHook('onClose', async () => { await database.close() })

  if (config.MIGRATE_ON_START) {
    const state = await migrate(database.db)
    app.log.info({ applied: state.applied, latest: state.latest?.hash }, 'database migrations checked')
  }
  // Default: seed the embedded database (a local try-out), never a server database unless asked.
  if (config.SEED_ON_START ?? config.DATABASE_URL === undefined) {
    const { created, amended } = await loadSeeds(database.db)
    app.log.info({ created, amended }, 'seed trials checked')
  }
}

/** Opens and probes the configured database; a failure is one line naming the variable, not a driver's stack. */
async function open (config: Config): Promise<Database> {
  const url = config.DATABASE_URL
  let database: Database | undefined
  try {
    database = await openDatabase({
      url,
      dataDir: config.DATA_DIR,
      poolMax: config.DB_POOL_MAX,
      // A new embedded data directory starts from a migrated copy instead of PGlite's seconds-long initdb.
      loadDataDir: url === undefined && isFreshDataDir(config.DATA_DIR) ? await migratedSnapshot() : undefined
    })
    await ping(database.db)
    return database
  } catch (error) {
    await database?.close().catch(() => {})
    if (error instanceof DataDirLockedError) throw error
    throw startError(error, url, config.DATA_DIR)
  }
}

function startError (error: unknown, url: string | undefined, dataDir: string): ConfigError {
  // drizzle wraps the driver's error ("Failed query: ..."): the driver's says why.
  const cause = (error as { cause?: unknown }).cause ?? error
  const { code, message } = cause as { code?: string, message?: string }
  const reason = message ?? String(cause)
  if (url === undefined) return new ConfigError(`Cannot open the embedded database: DATA_DIR (${dataDir}): ${reason}`)
  // The line names host, port and database, never the password.
  const { hostname, port, pathname } = new URL(url)
  const target = `${hostname}:${port === '' ? '5432' : port}${pathname}`
  const why = code === 'ECONNREFUSED'
    ? 'connection refused (is PostgreSQL running and listening there?)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `host ${hostname} not found` : reason
  return new ConfigError(`Cannot connect to the database: DATABASE_URL (${target}): ${why}`)
}

export const databasePlugin = fp(database, { name: 'database', fastify: '5.x' })
