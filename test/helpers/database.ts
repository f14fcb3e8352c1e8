import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { openDatabase, type Database, type DatabaseOptions } from '../../db/client.js'
import { migrate } from '../../db/migrate.js'
import { migratedSnapshot, migrationsKey } from '../../db/pglite-snapshot.js'

// Every PGlite test database starts from a copy of a migrated data directory
// (db/pglite-snapshot.ts), every PostgreSQL one from a migrated template.

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default,
 * or a new PostgreSQL database when TEST_DATABASE_URL is set (an admin URL),
 * so test files run in parallel without seeing each other's rows.
 */
export async function freshDatabase (options: Pick<DatabaseOptions, 'logQuery'> = {}): Promise<{ database: Database, url: string | undefined, drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (adminUrl === undefined || adminUrl === '') {
    const database = await openDatabase({ dataDir: 'memory://', loadDataDir: await migratedSnapshot(), ...options })
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
