import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { sql } from 'drizzle-orm'
import { rows, type Db } from './client.js'

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url))

// Same bookkeeping table as drizzle-kit's migrator, so its tooling keeps
// working, but applied under an advisory lock with the last-applied row read
// inside the transaction: several instances starting at once apply each
// migration exactly once.
const MIGRATION_LOCK = 7_295_067

export interface MigrationState {
  applied: number
  latest: { hash: string, createdAt: number } | null
}

export async function migrate (db: Db): Promise<MigrationState> {
  const migrations = readMigrationFiles({ migrationsFolder })
  return await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    // The append-only tables' triggers let their owner through in a migration only (a backfill).
    await tx.execute(sql`select set_config('dlt.migrating', 'on', true)`)
    await tx.execute(sql`create schema if not exists drizzle`)
    await tx.execute(sql`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`)
    const last = await latestMigration(tx as unknown as Db)
    let applied = 0
    for (const migration of migrations) {
      if (last !== null && last.createdAt >= migration.folderMillis) continue
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement))
      }
      await tx.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`)
      applied++
    }
    return { applied, latest: await latestMigration(tx as unknown as Db) }
  })
}

/** The newest applied migration, or null when none is (or the table is missing). */
export async function latestMigration (db: Db): Promise<MigrationState['latest']> {
  const exists = rows<{ t: string | null }>(await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`))
  if (exists[0]?.t == null) return null
  const last = rows<{ hash: string, created_at: string | number }>(
    await db.execute(sql`select hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`)
  )
  return last[0] === undefined ? null : { hash: last[0].hash, createdAt: Number(last[0].created_at) }
}

/** Number of migrations shipped with this build. */
export const shippedMigrations = (): number => readMigrationFiles({ migrationsFolder }).length
