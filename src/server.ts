import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfigOrExit } from './config.js'
import { buildApp } from './app.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { sealUnkeyedChains } from './services/audit.js'

const config = loadConfigOrExit()

const app = await buildApp(config).catch((error: unknown) => {
  // Another process owns the embedded data directory, or a setting is missing: one line, not a stack trace.
  if (!(error instanceof DataDirLockedError || error instanceof ConfigError)) throw error
  process.stderr.write(error.message + '\n')
  process.exit(1)
})

// SIGINT/SIGTERM: stop accepting, let in-flight requests finish, then close the database (onClose).
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

// Chains from before the audit key get their keyed seal before the first write can key them otherwise
// (services/audit.ts). Not a reason to stay down: while the database is away the service answers 503 as
// usual, and the next start seals what is left.
await sealUnkeyedChains(app.db).then(
  (sealed) => { if (sealed.length > 0) app.log.info({ trials: sealed }, 'unkeyed audit chains sealed') },
  (error: unknown) => { app.log.warn({ err: error }, 'unkeyed audit chains not sealed: the next start seals them') }
)

try {
  await app.listen({ port: config.PORT, host: config.HOST })
} catch (error) {
  app.log.fatal({ err: error }, 'could not start listening')
  process.exit(1)
}
