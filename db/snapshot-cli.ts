import { migratedSnapshot, snapshotPath } from './pglite-snapshot.js'

// Run at `npm install` (postinstall; skipped where db/ is not there yet, as in the
// Docker image's install layers): makes the migrated PGlite data directory
// that a fresh embedded database and every PGlite test file start from, so
// the first `npm start` and `npm test` skip PGlite's initdb. Failing here only
// costs that time later, so it warns instead of failing the install.
try {
  await migratedSnapshot()
  process.stdout.write(`embedded database snapshot ready: ${snapshotPath()}\n`)
} catch (error) {
  process.stderr.write(`warning: embedded database snapshot not made (${(error as Error).message}); a fresh DATA_DIR will start slower\n`)
}
