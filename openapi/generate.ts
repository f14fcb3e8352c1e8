import { writeFileSync } from 'node:fs'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../db/client.js'

// Writes the OpenAPI document the code generates to openapi/openapi.json; CI
// fails when the committed file differs. Runs on a throwaway in-memory database.
const database = await openDatabase({ dataDir: 'memory://' })
const app = await buildApp(loadConfig({ JWT_SECRET: 'openapi-generation-only-secret-0123456789', SEED_ON_START: 'false' }), { database, logLevel: 'silent' })
await app.ready()
const target = new URL('./openapi.json', import.meta.url)
writeFileSync(target, JSON.stringify(app.swagger(), null, 2) + '\n')
await app.close()
await database.close()
process.stdout.write(`wrote ${target.pathname}\n`)
