import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveJwtSecret } from '../../src/auth/secret.js'
import { ConfigError, loadConfig } from '../../src/config.js'

t.test('embedded mode makes a secret once and keeps it in DATA_DIR', async (t) => {
  const dir = t.testdir({})
  const config = loadConfig({ DATA_DIR: join(dir, 'data') })
  const first = resolveJwtSecret(config)
  t.ok(first.length >= 48, 'a long random secret')
  t.equal(resolveJwtSecret(config), first, 'the server and the token command agree')
  t.equal(statSync(join(dir, 'data', 'jwt-secret')).mode & 0o777, 0o600, 'readable by its owner only')
  t.equal(readFileSync(join(dir, 'data', 'jwt-secret'), 'utf8').trim(), first)
})

t.test('an existing secret file is used as it is', async (t) => {
  const dir = t.testdir({})
  writeFileSync(join(dir, 'jwt-secret'), 'made-by-another-process-0123456789abcdef\n')
  t.equal(resolveJwtSecret(loadConfig({ DATA_DIR: dir })), 'made-by-another-process-0123456789abcdef')
})

t.test('JWT_SECRET wins; with DATABASE_URL it is required', async (t) => {
  t.equal(resolveJwtSecret(loadConfig({ JWT_SECRET: 'x'.repeat(32) })), 'x'.repeat(32))
  t.throws(() => resolveJwtSecret(loadConfig({ DATABASE_URL: 'postgres://db/x' })), { constructor: ConfigError, message: /JWT_SECRET/ })
})
