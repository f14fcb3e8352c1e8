import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle } from 'drizzle-orm/pglite'
import type { Db } from './client.js'
import { migrate, migrationsFolder } from './migrate.js'
import * as schema from './schema.js'

// PGlite's initdb takes seconds (most of a fresh `npm start`, and most of an
// HTTP test file's time), so a migrated data directory is made once per set
// of migrations and PGlite version and every fresh database starts from a copy.
// The app still runs its migrations at start, which find nothing left to apply.

// The package does not export its package.json: read it beside its entry point (dist/).
const pgliteVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8')) as { version: string }).version

/** A short key for the shipped migrations (and anything else the caller's artefact depends on). */
export const migrationsKey = (extra: string): string => createHash('sha256')
  .update(readMigrationFiles({ migrationsFolder }).map(m => `${m.folderMillis}:${m.hash}`).join('\n') + extra)
  .digest('hex').slice(0, 16)

export const snapshotPath = (): string => join(tmpdir(), `dlt-pglite-${migrationsKey(pgliteVersion)}.tar`)

/**
 * The data directory of a migrated PGlite, as dumpDataDir writes it: read
 * from the temporary directory, or made there by the first caller (at
 * `npm install`, the first test file, or the first fresh start). Written then
 * renamed, so a process running in parallel never reads half of it (at worst
 * two build it).
 */
export async function migratedSnapshot (): Promise<Blob> {
  const path = snapshotPath()
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

/** An on-disk data directory PGlite has not initialised yet (initdb writes PG_VERSION). */
export const isFreshDataDir = (dataDir: string): boolean =>
  !dataDir.startsWith('memory://') && !existsSync(join(dataDir, 'PG_VERSION'))
