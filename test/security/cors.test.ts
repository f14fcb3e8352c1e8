import t from 'tap'
import { bearer, buildWithoutDatabase } from '../helpers/build.js'

// With CORS_ORIGINS set, those origins (and only those) may call the API from a browser.
const { app } = await buildWithoutDatabase({ CORS_ORIGINS: 'https://edc.example.org, https://dmc.example.org' })

t.test('configured origins are allowed, others are not', async (t) => {
  const preflight = await app.inject({
    method: 'OPTIONS', url: '/v1/trials', headers: { origin: 'https://edc.example.org', 'access-control-request-method': 'POST' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://edc.example.org')
  const simple = await app.inject({ method: 'GET', url: '/v1/ctcae/terms/10002272', headers: { ...bearer('admin'), origin: 'https://dmc.example.org' } })
  t.equal(simple.statusCode, 200)
  t.equal(simple.headers['access-control-allow-origin'], 'https://dmc.example.org')
  t.match(simple.headers.vary, /Origin/)
  const other = await app.inject({ method: 'GET', url: '/v1/ctcae/terms/10002272', headers: { ...bearer('admin'), origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined, 'an unlisted origin gets no allow-origin')
})
