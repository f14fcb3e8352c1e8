import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle } from 'drizzle-orm/pglite'
import postgres from 'postgres'
import { openDatabase, type Database, type DatabaseOptions, type Db } from '../../db/client.js'
import { migrate, migrationsFolder } from '../../db/migrate.js'
import * as schema from '../../db/schema.js'

// Starting an empty database and migrating it costs most of an HTTP test
// file's time (PGlite's initdb alone takes seconds), so it is done once per
// set of migrations: every file then starts from a copy of a migrated one.
// The app still runs its migrations at start (MIGRATE_ON_START), which find
// nothing left to apply, as on any restart.

// The package does not export its package.json: read it beside its entry point (dist/).
const pgliteVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8')) as { version: string }).version
const migrationsKey = (extra: string) => createHash('sha256')
  .update(readMigrationFiles({ migrationsFolder }).map(m => `${m.folderMillis}:${m.hash}`).join('\n') + extra)
  .digest('hex').slice(0, 16)

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default,
 * or a new PostgreSQL database when TEST_DATABASE_URL is set (an admin URL),
 * so test files run in parallel without seeing each other's rows.
 */
export async function freshDatabase (options: Pick<DatabaseOptions, 'logQuery'> = {}): Promise<{ database: Database, url: string | undefined, drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (adminUrl === undefined || adminUrl === '') {
    const database = await openDatabase({ dataDir: 'memory://', loadDataDir: await pgliteSnapshot(), ...options })
    return { database, url: undefined, drop: async () => { await database.close() } }
  }
  const name = `dlt_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  const template = await postgresTemplate(admin, adminUrl)
  await admin.unsafe(`create database ${name} template ${template}`)
  const url = withDatabase(adminUrl, name)
  const database = await openDatabase({ url, dataDir: 'unused', poolMax: 10, ...options })
  return {
    database,
    url,
    drop: async () => {
      await database.close()
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  }
}

const withDatabase = (adminUrl: string, name: string): string => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * The data directory of a migrated PGlite, as dumpDataDir writes it: made by
 * the first file that needs it and kept in the temporary directory under a
 * name keyed by the migrations and the PGlite version. Written then renamed,
 * so a file running in parallel never reads half of it (at worst two build it).
 */
async function pgliteSnapshot (): Promise<Blob> {
  const path = join(tmpdir(), `dlt-test-pglite-${migrationsKey(pgliteVersion)}.tar`)
  try {
    return new Blob([await readFile(path)])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const client = await PGlite.create('memory://')
  try {
    await migrate(drizzle({ client, schema }) as unknown as Db)
    const dump = await client.dumpDataDir('none')
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
    await rename(partial, path)
    return dump
  } finally {
    await client.close()
  }
}

// Any session-level advisory lock key, distinct from the migrations' own.
const TEMPLATE_LOCK = 7_295_068

/**
 * The name of a migrated template database on the cluster, made once under an
 * advisory lock, so that parallel files wait for the first one instead of
 * racing it. It is built under another name and renamed when complete.
 * Templates of other migrations are left alone: other checkouts may share
 * the cluster.
 */
async function postgresTemplate (admin: postgres.Sql, adminUrl: string): Promise<string> {
  const template = `dlt_template_${migrationsKey('')}`
  const [found] = await admin`select 1 from pg_database where datname = ${template}`
  if (found !== undefined) return template
  const lock = await admin.reserve()
  try {
    await lock`select pg_advisory_lock(${TEMPLATE_LOCK})`
    const [made] = await lock`select 1 from pg_database where datname = ${template}`
    if (made !== undefined) return template
    const building = `${template}_partial`
    // Left by a run that stopped half way.
    await lock.unsafe(`drop database if exists ${building} with (force)`)
    await lock.unsafe(`create database ${building}`)
    const database = await openDatabase({ url: withDatabase(adminUrl, building), dataDir: 'unused', poolMax: 1 })
    try {
      await migrate(database.db)
    } finally {
      await database.close()
    }
    await lock.unsafe(`alter database ${building} rename to ${template}`)
    return template
  } finally {
    await lock`select pg_advisory_unlock(${TEMPLATE_LOCK})`
    lock.release()
  }
}
