import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { openDatabase, type Database, type Db } from '../../db/client.js'
import { migrate } from '../../db/migrate.js'
import { loadSeeds } from '../../seeds/load.js'
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
  const database = options.database ?? await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DB_POOL_MAX
  })
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

export const databasePlugin = fp(database, { name: 'database', fastify: '5.x' })
