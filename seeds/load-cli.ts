import { loadConfigOrExit } from '../src/config.js'
import { openDatabase } from '../db/client.js'
import { migrate } from '../db/migrate.js'
import { loadSeeds } from './load.js'

// `npm run seed`: applies migrations, then creates the seed trials that are missing.
const config = loadConfigOrExit()

const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2 })
try {
  await migrate(database.db)
  const { created, amended } = await loadSeeds(database.db)
  process.stdout.write(created.length + amended.length === 0
    ? 'seed trials already present and current\n'
    : `created seed trials: ${created.join(', ') || 'none'}; amended: ${amended.join(', ') || 'none'}\n`)
} finally {
  await database.close()
}
