import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { nct07295067 } from '../helpers/reference-trials.js'
import { build } from '../helpers/build.js'

// Strict tokens (issue 18), with an identity provider as hospitals run one:
// RS256 keys in a JWKS served over HTTP, Keycloak-shaped tokens (realm roles
// among the provider's own, sites in a namespaced claim, claims of the
// provider's we do not read). Configured issuer and audience are required
// (RFC 8725 3.8-3.9); forged kids cost no JWKS fetches; every 401 carries an
// RFC 6750 challenge; fast-jwt prints no warning at start.

const warnings: Error[] = []
process.on('warning', (w) => warnings.push(w))

const ISSUER = 'https://keycloak.example.test/realms/hospital'
const AUDIENCE = 'dlt-safety'
const SITES_CLAIM = 'https://example.org/sites'
const provider = await generateKeyPair('RS256', { extractable: true })
const forger = await generateKeyPair('RS256', { extractable: true })
const keys = [{ ...await exportJWK(provider.publicKey), kid: 'realm-key-1', alg: 'RS256', use: 'sig' }]
let fetches = 0
const idp = createServer((_req, res) => {
  fetches++
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }))
})
await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
t.teardown(() => { idp.close() })

const { app } = await build({
  JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/realms/hospital/protocol/openid-connect/certs`,
  JWT_ISSUER: ISSUER,
  JWT_AUDIENCE: AUDIENCE,
  JWT_ROLE_CLAIM: 'realm_access.roles',
  JWT_SITES_CLAIM: SITES_CLAIM
})

interface Options { roles?: string[], sites?: string[], iss?: string | null, aud?: string[] | null, key?: CryptoKey, kid?: string, iat?: number }
async function token (o: Options = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    realm_access: { roles: ['offline_access', 'uma_authorization', ...(o.roles ?? ['admin'])] },
    ...(o.sites === undefined ? {} : { [SITES_CLAIM]: o.sites }),
    azp: 'edc-gateway',
    scope: 'openid profile',
    email: 'dr.li@example.test',
    preferred_username: 'dr.li',
    typ: 'Bearer'
  }
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'realm-key-1' })
    .setSubject('dr.li').setIssuedAt(o.iat).setExpirationTime('10m')
  if (o.iss !== null) jwt.setIssuer(o.iss ?? ISSUER)
  if (o.aud !== null) jwt.setAudience(o.aud ?? [AUDIENCE, 'account'])
  return await jwt.sign(o.key ?? provider.privateKey)
}
const auth = async (o?: Options) => ({ authorization: `Bearer ${await token(o)}` })

t.test('Keycloak-shaped tokens: the realm role and the namespaced sites claim give the role and the site scope', async (t) => {
  const admin = await auth()
  const trial = await app.inject({
    method: 'POST',
    url: '/v1/trials',
    headers: admin,
    payload: { trialId: 'IDP-1', title: 'Identity provider test', sites: [{ siteId: 'site-a', name: 'A' }, { siteId: 'site-b', name: 'B' }], protocol: nct07295067.protocol }
  })
  t.equal(trial.statusCode, 201, trial.body)
  for (const [participantId, siteId] of [['A-1', 'site-a'], ['B-1', 'site-b']]) {
    const res = await app.inject({ method: 'POST', url: '/v1/trials/IDP-1/participants', headers: admin, payload: { participantId, siteId, doseLevel: 1, enrolledOn: '2025-01-06' } })
    t.equal(res.statusCode, 201, res.body)
  }
  const edc = await auth({ roles: ['edc'], sites: ['site-a'] })
  const list = await app.inject({ method: 'GET', url: '/v1/trials/IDP-1/participants', headers: edc })
  t.equal(list.statusCode, 200)
  t.same(list.json().items.map((p: { participantId: string }) => p.participantId), ['A-1'], 'site A only')
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials/IDP-1/participants?siteId=site-b', headers: edc })).statusCode, 403)
  const noSites = await app.inject({ method: 'GET', url: '/v1/trials/IDP-1/participants', headers: await auth({ roles: ['edc'] }) })
  t.same(noSites.json().items, [], 'a site-scoped role without the sites claim reaches no site')
  const two = await app.inject({ method: 'GET', url: '/v1/trials', headers: await auth({ roles: ['edc', 'admin'] }) })
  t.equal(two.statusCode, 401, 'two of this service\'s roles: ambiguous, refused')
  t.match(two.json(), { detail: 'The token claims are not valid: realm_access.roles: more than one role of this service (edc, admin)' })
  const none = await app.inject({ method: 'GET', url: '/v1/trials', headers: await auth({ roles: [] }) })
  t.match(none.json(), { status: 401, detail: /no role of this service/ })
})

t.test('configured issuer and audience are required: a token without iss or aud is refused', async (t) => {
  const cases: Array<[string, Options]> = [
    ['no iss', { iss: null }],
    ['no aud', { aud: null }],
    ['neither', { iss: null, aud: null }],
    ['another audience only', { aud: ['account'] }],
    ['another issuer', { iss: 'https://keycloak.example.test/realms/other' }]
  ]
  for (const [name, o] of cases) {
    const res = await app.inject({ method: 'GET', url: '/v1/trials', headers: await auth(o) })
    t.equal(res.statusCode, 401, name)
    t.match(res.json(), { type: 'urn:dlt-safety:problem:unauthorized', status: 401 }, name)
    t.match(res.headers['www-authenticate'], /^Bearer realm="dlt-safety", error="invalid_token", error_description="The token is not valid"$/, name)
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials', headers: await auth() })).statusCode, 200, 'with both: accepted')
})

t.test('50 tokens with forged kids: every one 401, at most one JWKS fetch', async (t) => {
  await app.inject({ method: 'GET', url: '/v1/trials', headers: await auth() })
  const before = fetches
  const forged = await Promise.all(Array.from({ length: 50 }, async (_, i) => await app.inject({
    method: 'GET', url: '/v1/trials', headers: await auth({ key: forger.privateKey, kid: `forged-${i}` })
  })))
  t.ok(forged.every((r) => r.statusCode === 401), 'all refused')
  t.ok(fetches - before <= 1, `${fetches - before} fetches for 50 forged kids`)
})

t.test('every 401 carries WWW-Authenticate (RFC 6750): no error code without a token, invalid_token for a bad one', async (t) => {
  const secured = app.routeAccess.filter((r) => r.access !== 'public' && r.method !== 'HEAD')
  const path = (url: string) => url.replace(/:trialId/g, 'IDP-1').replace(/:aeId|:webhookId/g, '0196a9a4-0000-7000-8000-000000000000')
    .replace(/:participantId/g, 'A-1').replace(/:siteId/g, 'site-a').replace(/:version/g, '1').replace(/:meddraCode/g, '10002272')
  for (const route of secured) {
    const method = route.method as 'GET'
    const none = await app.inject({ method, url: path(route.url) })
    t.equal(none.statusCode, 401, `${route.method} ${route.url}`)
    t.equal(none.headers['www-authenticate'], 'Bearer realm="dlt-safety"', `${route.method} ${route.url}: no token`)
    const bad = await app.inject({ method, url: path(route.url), headers: { authorization: 'Bearer not.a.token' } })
    t.match(bad.headers['www-authenticate'], /^Bearer realm="dlt-safety", error="invalid_token"/, `${route.method} ${route.url}: bad token`)
  }
  const stale = await app.inject({
    method: 'POST', url: '/v1/trials/IDP-1/dmc-decisions', headers: await auth({ roles: ['dmc'], iat: Math.floor(Date.now() / 1000) - 3600 }), payload: {}
  })
  t.equal(stale.statusCode, 401)
  t.match(stale.json(), { type: 'urn:dlt-safety:problem:fresh-authentication-required' })
  t.match(stale.headers['www-authenticate'], /^Bearer realm="dlt-safety", error="insufficient_user_authentication", error_description="[^"]+", max_age="\d+"$/,
    'RFC 9470: a fresher authentication, and how fresh')
})

t.test('no fast-jwt warning at start', async (t) => {
  t.same(warnings.filter((w) => /fast.?jwt|cacheKeyBuilder/i.test(`${w.name} ${w.message} ${(w as { code?: string }).code ?? ''}`)).map((w) => w.message), [])
})
