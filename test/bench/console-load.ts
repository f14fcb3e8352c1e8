// One-off measurement of the console's load time on a trial of 100,000 AEs
// (issue #20): the bench dataset (test/bench/dataset.ts, --size 125,000 puts
// 100,000 AEs on BENCH-000) in a fresh database of TEST_DATABASE_URL, the
// service on it, and the system Chromium opening /console/ on BENCH-000.
// Prints the time to the stop/go banner and DLT chart (status document) and to
// the complete swimmer plot (every participant, administration and AE).
//   TEST_DATABASE_URL=postgres://… TAP_TIMEOUT=0 npx tsx test/bench/console-load.ts
import type { AddressInfo } from 'node:net'
import postgres from 'postgres'
import { chromium } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { freshDatabase } from '../helpers/database.js'
import { signToken, TEST_SECRET } from '../helpers/build.js'
import { Api } from './api.js'
import { generateDataset } from './dataset.js'

const { database, url, drop } = await freshDatabase()
if (url === undefined) throw new Error('set TEST_DATABASE_URL: the dataset is bulk-loaded with COPY into PostgreSQL')
const app = await buildApp(loadConfig({ JWT_SECRET: TEST_SECRET, SEED_ON_START: 'false', RATE_LIMIT_MAX: '1000000', DATABASE_URL: url }), { database, logLevel: 'error' })
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const sql = postgres(url, { max: 1, onnotice: () => {} })
const dataset = await generateDataset(sql, new Api(origin, signToken('admin')), 125_000, (line) => console.log(line))
await sql.end()
console.log(`dataset: ${dataset.big.trialId} has ${dataset.big.aes} AEs and ${dataset.big.participants} participants (${dataset.seconds.toFixed(0)} s to load)`)

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
for (const role of ['dmc', 'safety_monitor'] as const) {
  for (let run = 1; run <= 2; run++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${origin}/console/#token=${signToken(role)}&trial=${dataset.big.trialId}`)
    await page.locator('#banner').waitFor({ timeout: 600_000 })
    if (role === 'safety_monitor') await page.locator('#swimmer-state').filter({ hasText: /adverse events\.$/ }).waitFor({ timeout: 600_000 })
    await page.locator('#history ul, #history .notice').first().waitFor({ timeout: 600_000 })
    const marks = await page.evaluate('Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, Math.round(m.startTime)]))') as Record<string, number>
    console.log(`${role} run ${run}: banner and DLT chart ${marks['console:status']} ms after navigation; summary, toxicity, history, decision table ${marks['console:details']} ms; ` +
      `swimmer complete ${marks['console:swimmer'] ?? 'n/a (blinded)'} ms; ${await page.locator('#swimmer-state').textContent().catch(() => '')}`)
    await page.close()
  }
}
await browser.close()
await app.close()
await drop()
process.exit(0)
