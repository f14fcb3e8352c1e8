import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults: embedded database, port 3000, logs at info', async (t) => {
  t.match(loadConfig({}), { DATABASE_URL: undefined, DATA_DIR: './data', PORT: 3000, HOST: '127.0.0.1', LOG_LEVEL: 'info', MIGRATE_ON_START: true })
})

t.test('a bad value is one line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^Invalid configuration: PORT: must be a whole number from 0 to 65535$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT: /],
    [{ DATABASE_URL: 'mysql://db/x' }, /^Invalid configuration: DATABASE_URL: /],
    [{ JWT_SECRET: 'short' }, /^Invalid configuration: JWT_SECRET: must be at least 32 characters$/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL: /],
    [{ MIGRATE_ON_START: 'maybe' }, /^Invalid configuration: MIGRATE_ON_START: /],
    [{ JWKS_URL: 'not a url' }, /^Invalid configuration: JWKS_URL: /],
    [{ JWT_ROLE_CLAIM: 'roles' }, /^Invalid configuration: JWT_ROLE_CLAIM: only with JWKS_URL/],
    [{ JWT_SITES_CLAIM: 'site_ids' }, /^Invalid configuration: JWT_SITES_CLAIM: only with JWKS_URL/],
    [{ JWKS_URL: 'https://idp.example.test/jwks', JWKS_CACHE_SECONDS: '10' }, /^Invalid configuration: JWKS_CACHE_SECONDS: must be a whole number from 30 to 86400$/]
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { constructor: ConfigError, message }, JSON.stringify(env))
  }
})

t.test('empty variables count as unset', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT, 3000)
})

t.test('a server database without a way to verify tokens is refused before anything is opened', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db/x', AUDIT_HMAC_KEY: 'k'.repeat(32) }), {
    constructor: ConfigError,
    message: 'Invalid configuration: JWT_SECRET: required when DATABASE_URL is set (or set JWKS_URL)'
  })
  t.ok(loadConfig({ DATABASE_URL: 'postgres://db/x', AUDIT_HMAC_KEY: 'k'.repeat(32), JWKS_URL: 'https://idp.example/jwks' }), 'an identity provider verifies them')
})

t.test('every bad variable is reported, one line each', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }), {
    message: /^Invalid configuration: PORT: .*\nInvalid configuration: LOG_LEVEL: .*$/
  })
})

t.test('claim mapping and JWKS age: defaults, and set with an identity provider', async (t) => {
  t.match(loadConfig({}), { JWT_ROLE_CLAIM: 'role', JWT_SITES_CLAIM: 'sites', JWKS_CACHE_SECONDS: 300 })
  t.match(loadConfig({ JWKS_URL: 'https://idp.example.test/jwks', JWT_ROLE_CLAIM: 'realm_access.roles', JWT_SITES_CLAIM: 'https://example.org/sites', JWKS_CACHE_SECONDS: '60' }), {
    JWT_ROLE_CLAIM: 'realm_access.roles', JWT_SITES_CLAIM: 'https://example.org/sites', JWKS_CACHE_SECONDS: 60
  })
})
