// `npm start` as a newcomer and an operator meet it (issue #18/#19): a fresh
// embedded data directory starts from the migrated snapshot and says where the
// API, the docs and the token command are; a database that cannot be reached
// or a missing secret is one line naming the variable, exit 1, nothing written.
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import t from 'tap'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const START = join(ROOT, 'src/start.mjs')

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs `npm start`'s entry point until it exits, or until `until` matches its output (then stops it). */
async function start (env: Record<string, string>, until?: RegExp): Promise<Run> {
  const child = spawn(process.execPath, [START], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (until?.test(stdout) === true) child.kill('SIGTERM')
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, stdout, stderr }
}

t.test('a fresh embedded data directory: seeded, and the first lines say where everything is', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dlt-start-'))
  const run = await start({ DATA_DIR: join(dir, 'data') }, /a token for the API/)
  t.equal(run.stderr.match(/Error/), null, run.stderr)
  const lines = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string, created?: string[], api?: string, docs?: string })
  t.same(lines.find((l) => l.msg === 'seed trials checked')?.created?.length, 5, 'the five seed trials are there')
  const where = lines.find((l) => l.api !== undefined)
  t.match(where, { api: /^http:\/\/127\.0\.0\.1:\d+\/v1$/, docs: /^http:\/\/127\.0\.0\.1:\d+\/docs$/ })
  t.ok(lines.some((l) => /^a token for the API: npm run --silent token -- --role ROLE \(edc, investigator, safety_monitor, dmc, admin;/.test(l.msg)), 'how to get a token')
  t.notMatch(run.stderr, /Error/, 'no error on stderr')
})

t.test('an unreachable database is one line naming DATABASE_URL, never its password', async (t) => {
  const run = await start({ DATABASE_URL: 'postgres://svc:s3cret@127.0.0.1:1/trials', JWT_SECRET: 'x'.repeat(32), AUDIT_HMAC_KEY: 'k'.repeat(32) })
  t.equal(run.code, 1)
  t.equal(run.stderr, 'Cannot connect to the database: DATABASE_URL (127.0.0.1:1/trials): connection refused (is PostgreSQL running and listening there?)\n')
  t.notMatch(run.stdout + run.stderr, /s3cret/)
})

const adminUrl = process.env.TEST_DATABASE_URL
t.test('a configuration problem is found before the database is touched', { skip: adminUrl === undefined || adminUrl === '' ? 'needs TEST_DATABASE_URL' : false }, async (t) => {
  const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} })
  const name = `dlt_start_${process.pid}`
  await admin.unsafe(`create database ${name}`)
  t.teardown(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end()
  })
  const url = new URL(adminUrl!)
  url.pathname = `/${name}`
  const run = await start({ DATABASE_URL: url.toString() })
  t.equal(run.code, 1)
  t.equal(run.stderr, 'Invalid configuration: JWT_SECRET: required when DATABASE_URL is set (or set JWKS_URL)\nInvalid configuration: AUDIT_HMAC_KEY: required when DATABASE_URL is set\n', 'every problem, one line each')
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} })
  const [schema] = await db`select to_regnamespace('drizzle') as s`
  await db.end()
  t.equal(schema?.s, null, 'no migration ran')
})
