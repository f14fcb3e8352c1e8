import { loadConfigOrExit } from '../src/config.js'
import { openDatabase } from '../db/client.js'
import { migrate } from '../db/migrate.js'
import { loadSeeds } from './load.js'

// `npm run seed`: applies migrations, then creates the seed trials that are missing.
const config = loadConfigOrExit()

const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2 })
try {
  await migrate(database.db)
  const created = await loadSeeds(database.db)
  process.stdout.write(created.length === 0 ? 'seed trials already present\n' : `created seed trials: ${created.join(', ')}\n`)
} finally {
  await database.close()
}
