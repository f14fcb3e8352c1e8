import { ConfigError, loadConfig } from '../src/config.js'
import { openDatabase } from './client.js'
import { migrate } from './migrate.js'

// `npm run db:migrate`: applies pending migrations and exits. For deployments
// where the service's own database user has no DDL rights (MIGRATE_ON_START=false).
try {
  const config = loadConfig()
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1 })
  try {
    const state = await migrate(database.db)
    process.stdout.write(`applied ${state.applied} migration(s); latest ${state.latest?.hash ?? 'none'}\n`)
  } finally {
    await database.close()
  }
} catch (error) {
  process.stderr.write((error instanceof ConfigError ? error.message : String(error)) + '\n')
  process.exit(1)
}
