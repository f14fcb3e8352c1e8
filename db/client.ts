import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import * as schema from './schema.js'
import { lockDataDir } from './data-dir-lock.js'
import { connectionSplit, preparing, sessionPool, statementMonitor, WEDGED_AFTER_MS } from './postgres-client.js'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** Either the database or an open transaction: repository functions accept both. */
export type Queryable = Db | Tx

export interface Database {
  db: Db
  kind: 'pglite' | 'postgres'
  /** Subscribes to a PostgreSQL NOTIFY channel; resolves to an unsubscribe function. */
  listen: (channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>
  /** statements are waiting and none has completed for wedgedAfterMs: the process needs a restart (liveness) */
  wedged: () => boolean
  close: () => Promise<void>
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite is used */
  url?: string | undefined
  /** PGlite data directory; 'memory://' keeps it in memory (tests) */
  dataDir: string
  /** PGlite only: start from this data directory, as PGlite's dumpDataDir wrote it (tests start from a migrated one) */
  loadDataDir?: Blob | undefined
  /** PostgreSQL connections in all (at least 2): a quarter for statements outside transactions, the rest one transaction each */
  poolMax?: number
  /** PostgreSQL: how long statements may wait with none completing before the pool counts as wedged */
  wedgedAfterMs?: number
  /** called with every statement drizzle sends (text and parameters): SQL tracing, and the tests' plan checks */
  logQuery?: (query: string, params: unknown[]) => void
}

export async function openDatabase (options: DatabaseOptions): Promise<Database> {
  if (options.url !== undefined) {
    const poolMax = options.poolMax ?? 10
    const monitor = statementMonitor()
    const split = connectionSplit(poolMax)
    const client = postgres(options.url, { max: split.reads, onnotice: () => {} })
    const sessions = sessionPool(options.url, split.transactions)
    const db = drizzlePostgres({ client: preparing(client, monitor, sessions), schema, ...logger(options) }) as unknown as Db
    sessions.adopt(client)
    return {
      db,
      kind: 'postgres',
      async listen (channel, onPayload) {
        const { unlisten } = await client.listen(channel, onPayload)
        return unlisten
      },
      wedged: () => monitor.wedged(options.wedgedAfterMs ?? WEDGED_AFTER_MS),
      close: async () => { await Promise.all([client.end({ timeout: 5 }), sessions.end()]) }
    }
  }
  let unlock = () => {}
  if (!options.dataDir.startsWith('memory://')) {
    mkdirSync(options.dataDir, { recursive: true })
    unlock = lockDataDir(options.dataDir)
  }
  let client: PGlite
  try {
    client = await PGlite.create(options.dataDir, options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir })
  } catch (error) {
    unlock()
    throw error
  }
  const db = drizzlePglite({ client, schema, ...logger(options) }) as unknown as Db
  return {
    db,
    kind: 'pglite',
    async listen (channel, onPayload) {
      return await client.listen(channel, onPayload)
    },
    wedged: () => false,
    async close () {
      try {
        await client.close()
      } finally {
        unlock()
      }
    }
  }
}

const logger = ({ logQuery }: DatabaseOptions) => logQuery === undefined ? {} : { logger: { logQuery } }

/** db.execute returns an array (postgres-js) or {rows} (PGlite): one shape for callers. */
export function rows<T> (result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}
