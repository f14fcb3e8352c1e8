import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { JWKS_MIN_REFETCH_MS, jwksKeys } from '../../src/auth/jwks.js'
import { authPlugin } from '../../src/plugins/auth.js'
import { OWN_CLAIMS } from '../../src/auth/claims.js'

// The identity provider's key set (RFC 7517) as the verifier uses it, on a
// clock the test moves: fetched at first use; an unknown kid refetches at most
// once per 30 s (forged tokens cost no fetches); a fetch replaces the set, so a
// key the provider no longer lists is refused, also for a token verified
// before (the verified-token cache follows the key set).

const MAX_AGE_MS = 300_000
const one = await generateKeyPair('RS256', { extractable: true })
const two = await generateKeyPair('ES256', { extractable: true })
const forger = await generateKeyPair('RS256', { extractable: true })
const jwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({ ...await exportJWK(key), kid, alg, use: 'sig' })

let served: JWK[] = [await jwk(one.publicKey, 'k1', 'RS256'), await jwk(two.publicKey, 'k2', 'ES256')]
let status = 200
let fetches = 0
const idp = createServer((_req, res) => {
  fetches++
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }))
})
await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
t.teardown(() => { idp.close() })
const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`

function clock () {
  let at = 1_000_000
  return { now: () => at, advance: (ms: number) => { at += ms } }
}

const sign = async (key: CryptoKey, kid: string, alg = 'RS256', claims: Record<string, unknown> = {}) =>
  await new SignJWT({ role: 'admin', ...claims }).setProtectedHeader({ alg, kid }).setSubject('idp-user').setIssuedAt().setExpirationTime('10m').sign(key)

const reset = async () => {
  served = [await jwk(one.publicKey, 'k1', 'RS256'), await jwk(two.publicKey, 'k2', 'ES256')]
  status = 200
  fetches = 0
}

t.test('50 unknown kids in a burst: one fetch at most, and each is refused', async (t) => {
  await reset()
  const c = clock()
  const keys = jwksKeys({ url, maxAgeMs: MAX_AGE_MS, now: c.now })
  t.match(await keys.resolve({ kid: 'k1', alg: 'RS256' }), /BEGIN PUBLIC KEY/)
  t.equal(fetches, 1, 'fetched at first use')
  const forged = await Promise.allSettled(Array.from({ length: 50 }, async (_, i) => await keys.resolve({ kid: `forged-${i}`, alg: 'RS256' })))
  t.ok(forged.every((r) => r.status === 'rejected'), 'every unknown kid refused')
  t.equal(fetches, 1, 'the burst came within 30 s of the first fetch: no fetch')
  c.advance(JWKS_MIN_REFETCH_MS)
  await Promise.allSettled(Array.from({ length: 50 }, async (_, i) => await keys.resolve({ kid: `forged-${i}`, alg: 'RS256' })))
  t.equal(fetches, 2, '30 s on, the next burst costs one fetch for all 50')
})

t.test('a rotation: the new kid is fetched on first sight, the removed key refused after the next fetch', async (t) => {
  await reset()
  const c = clock()
  const keys = jwksKeys({ url, maxAgeMs: MAX_AGE_MS, now: c.now })
  await keys.resolve({ kid: 'k1', alg: 'RS256' })
  const before = keys.generation()
  const three = await generateKeyPair('RS256', { extractable: true })
  served = [await jwk(three.publicKey, 'k3', 'RS256'), await jwk(two.publicKey, 'k2', 'ES256')]
  c.advance(JWKS_MIN_REFETCH_MS)
  t.match(await keys.resolve({ kid: 'k3', alg: 'RS256' }), /BEGIN PUBLIC KEY/, 'the new key')
  t.not(keys.generation(), before, 'a new key set')
  await t.rejects(keys.resolve({ kid: 'k1', alg: 'RS256' }), /no key/, 'the removed key is gone')
  t.equal(fetches, 2)
})

t.test('a key set past its age is fetched again (removed keys refused), at most every 30 s while the provider fails', async (t) => {
  await reset()
  const c = clock()
  const errors: unknown[] = []
  const keys = jwksKeys({ url, maxAgeMs: MAX_AGE_MS, now: c.now, onError: (e) => errors.push(e) })
  await keys.resolve({ kid: 'k1', alg: 'RS256' })
  t.ok(keys.generation() >= 0)
  c.advance(MAX_AGE_MS)
  t.equal(keys.generation(), -1, 'due for a fetch: what it verified before must be verified again')
  status = 503
  t.match(await keys.resolve({ kid: 'k1', alg: 'RS256' }), /BEGIN PUBLIC KEY/, 'the provider down: the last keys stay in use')
  t.equal(errors.length, 1, 'and the failure is told')
  for (let i = 0; i < 20; i++) await keys.resolve({ kid: 'k1', alg: 'RS256' })
  t.equal(fetches, 2, 'no fetch storm while it is down')
  status = 200
  served = [await jwk(two.publicKey, 'k2', 'ES256')]
  c.advance(JWKS_MIN_REFETCH_MS)
  await t.rejects(keys.resolve({ kid: 'k1', alg: 'RS256' }), /no key/, 'k1 no longer listed: refused')
  t.equal(fetches, 3)
})

t.test('a key is used for its own alg only; a header without kid names no key', async (t) => {
  await reset()
  const keys = jwksKeys({ url, maxAgeMs: MAX_AGE_MS })
  await t.rejects(keys.resolve({ kid: 'k2', alg: 'RS256' }), /is for ES256/)
  await t.rejects(keys.resolve({ alg: 'RS256' }), /no key/)
})

t.test('through the auth plugin: a token verified (and kept) before its key is removed is refused once the set is fetched again', async (t) => {
  await reset()
  const c = clock()
  const app = Fastify()
  // The plugin reads the database only for the DMC's blinding; this test's role is admin.
  await app.register(fp(async () => {}, { name: 'database' }))
  await app.register(authPlugin, { key: jwksKeys({ url, maxAgeMs: MAX_AGE_MS, now: c.now }), algorithms: ['RS256', 'ES256'], claims: OWN_CLAIMS })
  app.get('/who', { config: { access: { roles: ['admin'] } } }, async (request) => ({ sub: request.principal!.sub }))
  await app.ready()
  t.teardown(async () => { await app.close() })
  const token = await sign(one.privateKey, 'k1')
  const call = async () => await app.inject({ method: 'GET', url: '/who', headers: { authorization: `Bearer ${token}` } })
  t.equal((await call()).statusCode, 200)
  t.equal((await call()).statusCode, 200, 'kept: no fetch')
  t.equal(fetches, 1)
  served = [await jwk(two.publicKey, 'k2', 'ES256')]
  c.advance(MAX_AGE_MS)
  const refused = await call()
  t.equal(refused.statusCode, 401, 'refused after the fetch that no longer lists k1')
  t.match(refused.headers['www-authenticate'], /^Bearer realm="dlt-safety", error="invalid_token"/)
  t.equal(fetches, 2)
  t.equal((await app.inject({ method: 'GET', url: '/who', headers: { authorization: `Bearer ${await sign(two.privateKey, 'k2', 'ES256')}` } })).statusCode, 200, 'k2 still works')
  const forged = await Promise.all(Array.from({ length: 50 }, async (_, i) => await app.inject({
    method: 'GET', url: '/who', headers: { authorization: `Bearer ${await sign(forger.privateKey, `forged-${i}`)}` }
  })))
  t.ok(forged.every((r) => r.statusCode === 401), '50 forged kids: 401')
  t.equal(fetches, 2, 'and no fetch')
})
