import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfigOrExit } from './config.js'
import { ROLES } from './auth/roles.js'
import { buildApp } from './app.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { sealUnkeyedChains } from './services/audit.js'

const config = loadConfigOrExit()

const app = await buildApp(config).catch((error: unknown) => {
  // A database that cannot be opened, or another process owning the embedded data directory: one line, not a stack trace.
  if (!(error instanceof DataDirLockedError) && !(error instanceof ConfigError)) throw error
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
// The first things a newcomer needs: where the API and its documentation are, and how to get a token.
const address = app.server.address()
const base = typeof address === 'object' && address !== null
  ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  : String(address)
app.log.info({ api: `${base}/v1`, docs: `${base}/docs`, openapi: `${base}/openapi.json` }, `API at ${base}/v1, documentation at ${base}/docs`)
app.log.info(config.JWKS_URL === undefined
  ? `a token for the API: npm run --silent token -- --role ROLE (${ROLES.join(', ')}; see README)`
  : `tokens: from the identity provider whose keys are at ${config.JWKS_URL}`)
