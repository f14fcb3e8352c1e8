import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveAuditKey, resolveJwtSecret } from '../../src/auth/secret.js'
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

t.test('the audit key: AUDIT_HMAC_KEY; derived from the JWT secret when embedded; required with DATABASE_URL', async (t) => {
  t.same(resolveAuditKey(loadConfig({ AUDIT_HMAC_KEY: 'k'.repeat(32), DATABASE_URL: 'postgres://db/x', JWT_SECRET: 'x'.repeat(32) })), Buffer.from('k'.repeat(32)))
  // Refused with the other configuration problems, before anything is opened.
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db/x', JWT_SECRET: 'x'.repeat(32) }), { constructor: ConfigError, message: 'Invalid configuration: AUDIT_HMAC_KEY: required when DATABASE_URL is set' })
  t.throws(() => loadConfig({ AUDIT_HMAC_KEY: 'short' }), { message: 'Invalid configuration: AUDIT_HMAC_KEY: must be at least 32 characters' })
  const derived = resolveAuditKey(loadConfig({ JWT_SECRET: 'x'.repeat(32) }))
  t.equal(derived.length, 32)
  t.same(resolveAuditKey(loadConfig({ JWT_SECRET: 'x'.repeat(32) })), derived, 'the same secret derives the same key (a restart keeps verifying)')
  t.notSame(derived, Buffer.from('x'.repeat(32)), 'not the JWT secret itself')
  t.notSame(resolveAuditKey(loadConfig({ JWT_SECRET: 'y'.repeat(32) })), derived)
})
