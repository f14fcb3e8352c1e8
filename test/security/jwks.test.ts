import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { build, signToken, TEST_SECRET } from '../helpers/build.js'

// Deployments with an identity provider: RS256 and ES256 tokens verified
// against the provider's JWKS (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE), served
// here by a local HTTP server with keys made for this test.

const ISSUER = 'https://idp.example.test/'
const AUDIENCE = 'dlt-safety'
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })

const jwk = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' })
const jwks = { keys: [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')] }
let fetches = 0
const idp = createServer((req, res) => {
  if (req.url !== '/.well-known/jwks.json') {
    res.writeHead(404).end()
    return
  }
  fetches++
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
})
await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
t.teardown(() => { idp.close() })
const { port } = idp.address() as AddressInfo

const { app } = await build({ JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE })

interface Claims { iss?: string, aud?: string, exp?: number }
function token (key: KeyObject, algorithm: 'RS256' | 'ES256', kid: string, claims: Claims = {}): string {
  const now = Math.floor(Date.now() / 1000)
  const sign = createSigner({ key: key.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm, kid, noTimestamp: true })
  return sign({ sub: 'idp-user', role: 'admin', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...claims })
}

const call = (bearerToken: string) => app.inject({ method: 'GET', url: '/v1/trials', headers: { authorization: `Bearer ${bearerToken}` } })

t.test('RS256 and ES256 tokens from the identity provider are accepted', async (t) => {
  for (const [name, signed] of [['RS256', token(rsa.privateKey, 'RS256', 'rsa-1')], ['ES256', token(ec.privateKey, 'ES256', 'ec-1')]] as const) {
    const res = await call(signed)
    t.equal(res.statusCode, 200, name)
    t.match(res.json(), { items: Array, nextCursor: null }, name)
  }
  t.ok(fetches >= 1, 'the key set was fetched from JWKS_URL')
})

t.test('wrong issuer, wrong audience, expired, unknown kid, another key, HS256: 401 problem', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()
  const cases: [string, string, string][] = [
    ['wrong issuer', token(rsa.privateKey, 'RS256', 'rsa-1', { iss: 'https://evil.example.test/' }), 'unauthorized'],
    ['wrong audience', token(rsa.privateKey, 'RS256', 'rsa-1', { aud: 'another-service' }), 'unauthorized'],
    ['expired', token(ec.privateKey, 'ES256', 'ec-1', { exp: now - 3600 }), 'token-expired'],
    ['unknown kid', token(stranger.privateKey, 'RS256', 'rsa-unknown'), 'unauthorized'],
    ['known kid, another key', token(stranger.privateKey, 'RS256', 'rsa-1'), 'unauthorized'],
    ['HS256 with the service secret', signToken('admin', {}, TEST_SECRET), 'unauthorized'],
    // Algorithm confusion: the RSA public key used as an HMAC secret.
    ['HS256 keyed with the public key', createSigner({ key: pem, algorithm: 'HS256', kid: 'rsa-1' })({ sub: 'x', role: 'admin', iss: ISSUER, aud: AUDIENCE, exp: now + 600 }), 'unauthorized']
  ]
  for (const [name, signed, slug] of cases) {
    const res = await call(signed)
    t.equal(res.statusCode, 401, name)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', name)
    t.match(res.json(), { type: `urn:dlt-safety:problem:${slug}`, status: 401 }, name)
  }
})
