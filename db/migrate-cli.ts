import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { ConfigError, loadConfig } from '../src/config.js'
import { openDatabase } from './client.js'
import { migrate } from './migrate.js'

// `npm run db:migrate`: applies pending migrations and exits. For deployments
// where the service's own database user has no DDL rights (MIGRATE_ON_START=false).
// With --grants it then applies db/roles.sql (the runtime role's grants), as the
// schema's owner: what the Docker image's entry script runs with MIGRATION_DATABASE_URL.
const ROLES_SQL = new URL('./roles.sql', import.meta.url)

try {
  const config = loadConfig()
  const grants = process.argv.includes('--grants')
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1 })
  try {
    const state = await migrate(database.db)
    process.stdout.write(`applied ${state.applied} migration(s); latest ${state.latest?.hash ?? 'none'}\n`)
    if (grants) {
      for (const statement of readFileSync(ROLES_SQL, 'utf8').split('--> statement-breakpoint')) await database.db.execute(sql.raw(statement))
      process.stdout.write('granted the runtime role dlt_runtime (db/roles.sql)\n')
    }
  } finally {
    await database.close()
  }
} catch (error) {
  process.stderr.write((error instanceof ConfigError ? error.message : String(error)) + '\n')
  process.exit(1)
}
