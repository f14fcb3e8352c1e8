import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres, { type Sql } from 'postgres'
import * as schema from './schema.js'
import { lockDataDir } from './data-dir-lock.js'

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
  close: () => Promise<void>
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite is used */
  url?: string | undefined
  /** PGlite data directory; 'memory://' keeps it in memory (tests) */
  dataDir: string
  /** PGlite only: start from this data directory, as PGlite's dumpDataDir wrote it (tests start from a migrated one) */
  loadDataDir?: Blob | undefined
  poolMax?: number
  /** called with every statement drizzle sends (text and parameters): SQL tracing, and the tests' plan checks */
  logQuery?: (query: string, params: unknown[]) => void
}

export async function openDatabase (options: DatabaseOptions): Promise<Database> {
  if (options.url !== undefined) {
    const client = postgres(options.url, {
      max: options.poolMax ?? 10,
      onnotice: () => {}
    })
    const db = drizzlePostgres({ client: preparing(client), schema, ...logger(options) }) as unknown as Db
    return {
      db,
      kind: 'postgres',
      async listen (channel, onPayload) {
        const { unlisten } = await client.listen(channel, onPayload)
        return unlisten
      },
      close: () => client.end({ timeout: 5 })
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

// Bulk statements (a multi-row insert) have one-off shapes: preparing them would only fill the cache.
const PREPARE_MAX_PARAMETERS = 100

/**
 * The client as drizzle's postgres-js session uses it, with two changes.
 *
 * drizzle sends a statement unnamed unless it was built with .prepare(), and
 * postgres-js then describes every parameterised statement in a round trip
 * of its own before binding it, which also stops the statements of a
 * transaction from being pipelined. Named statements are parsed and described
 * once per connection and then sent as Bind/Execute only, so every statement
 * drizzle issues, inside transactions too, is named.
 *
 * postgres-js's begin() waits for BEGIN's answer before the body runs: a
 * round trip and a socket write of its own. Transactions here send BEGIN on a
 * reserved connection, where it goes out with the body's first statements.
 * (drizzle's nested transactions, savepoints, are not used.)
 */
function preparing<T extends Sql> (sql: T): T {
  return new Proxy(sql, {
    get (target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters: unknown[] = [], options: object = {}) =>
          target.unsafe(query, parameters as never, { ...options, prepare: parameters.length <= PREPARE_MAX_PARAMETERS })
      }
      if (property === 'begin') return async (body: (tx: Sql) => Promise<unknown>) => await transaction(target, body)
      return Reflect.get(target, property, receiver)
    }
  })
}

async function transaction (sql: Sql, body: (tx: Sql) => Promise<unknown>): Promise<unknown> {
  const connection = await sql.reserve()
  try {
    const begun = connection.unsafe('begin').execute()
    // Awaited after the body; until then a rejection is not unhandled.
    begun.catch(() => {})
    let result: unknown
    try {
      result = await body(preparing(connection))
      await begun
    } catch (error) {
      await connection.unsafe('rollback').catch(() => {})
      throw error
    }
    // PostgreSQL answers COMMIT in a transaction that a failed statement aborted with a ROLLBACK.
    const committed = await connection.unsafe('commit')
    if (committed.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${committed.command}): one of its statements failed`)
    return result
  } finally {
    connection.release()
  }
}

/** db.execute returns an array (postgres-js) or {rows} (PGlite): one shape for callers. */
export function rows<T> (result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}
