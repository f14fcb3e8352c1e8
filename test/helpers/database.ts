import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { openDatabase, type Database, type DatabaseOptions } from '../../db/client.js'

/**
 * A fresh, empty database for one test file: in-memory PGlite by default, or
 * a new PostgreSQL database when TEST_DATABASE_URL is set (an admin URL), so
 * test files run in parallel without seeing each other's rows.
 */
export async function freshDatabase (options: Pick<DatabaseOptions, 'logQuery'> = {}): Promise<{ database: Database, url: string | undefined, drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (adminUrl === undefined || adminUrl === '') {
    const database = await openDatabase({ dataDir: 'memory://', ...options })
    return { database, url: undefined, drop: async () => { await database.close() } }
  }
  const name = `dlt_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const database = await openDatabase({ url: url.toString(), dataDir: 'unused', poolMax: 10, ...options })
  return {
    database,
    url: url.toString(),
    drop: async () => {
      await database.close()
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  }
}
