// Abuse limits (issue #17). Refused requests are counted per client address,
// so guessing tokens is throttled like any other traffic; a body trickled in
// to hold a connection is cut at the request timeout; a token with claims
// the service does not know, or issued in the future (which would pass the
// DMC's fresh-signature check), is refused; If-Match compares strongly.
import { connect } from 'node:net'
import { createSigner } from 'fast-jwt'
import type { FastifyRequest } from 'fastify'
import t from 'tap'
import { ifMatchVersion } from '../../src/http/concurrency.js'
import { bearer, buildWithoutDatabase, signToken, TEST_SECRET } from '../helpers/build.js'

const url = '/v1/ctcae/terms/10002272'
const PROBLEM = 'application/problem+json; charset=utf-8'
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

t.test('failed authentications are limited per client address: 429 with Retry-After', async (t) => {
  const { app } = await buildWithoutDatabase({ REFUSAL_LIMIT_MAX: '3' })
  for (let i = 1; i <= 3; i++) t.equal((await app.inject({ method: 'GET', url, headers: auth('not-a-token') })).statusCode, 401, `guess ${i}`)
  const limited = await app.inject({ method: 'GET', url, headers: auth('not-a-token') })
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['content-type'], PROBLEM)
  t.match(limited.json(), { type: 'urn:dlt-safety:problem:too-many-refusals', status: 429 })
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, 'retry-after within the window')
  t.equal((await app.inject({ method: 'GET', url, headers: bearer('admin') })).statusCode, 429, 'the address is held back, whatever token it sends next')
  const elsewhere = await app.inject({ method: 'GET', url, headers: bearer('admin'), remoteAddress: '192.0.2.7' })
  t.equal(elsewhere.statusCode, 200, 'another address is not')
})

t.test('403 and 400 count too; successes do not', async (t) => {
  const { app } = await buildWithoutDatabase({ REFUSAL_LIMIT_MAX: '2' })
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ method: 'GET', url, headers: bearer('admin') })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/trials?limit=nope', headers: bearer('admin') })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/v1/audit?trialId=NCT1', headers: bearer('admin', { trials: ['NCT2'] }) })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url, headers: bearer('admin') })).statusCode, 429)
})

t.test('a token with a claim the service does not know is refused, naming it; registered claims pass', async (t) => {
  const { app } = await buildWithoutDatabase()
  const now = Math.floor(Date.now() / 1000)
  const sign = createSigner({ key: TEST_SECRET, algorithm: 'HS256' })
  const unknown = await app.inject({ method: 'GET', url, headers: auth(sign({ sub: 'x', role: 'admin', exp: now + 600, scope: 'read' })) })
  t.equal(unknown.statusCode, 401)
  t.match(unknown.json(), { detail: /unknown claim scope/ })
  const registered = await app.inject({ method: 'GET', url, headers: auth(sign({ sub: 'x', role: 'admin', exp: now + 600, jti: 'abc', nbf: now - 5 })) })
  t.equal(registered.statusCode, 200, 'jti and nbf are RFC 7519 claims')
})

t.test('a token issued in the future, beyond the 30 s clock tolerance, is refused', async (t) => {
  const { app } = await buildWithoutDatabase()
  const now = Math.floor(Date.now() / 1000)
  const future = await app.inject({ method: 'GET', url, headers: auth(signToken('admin', { issuedAt: now + 120 })) })
  t.equal(future.statusCode, 401)
  t.match(future.json(), { detail: 'The token was issued in the future (iat)' })
  const skewed = await app.inject({ method: 'GET', url, headers: auth(signToken('admin', { issuedAt: now + 10 })) })
  t.equal(skewed.statusCode, 200, '10 s ahead: clock skew')
  const dmc = await app.inject({ method: 'POST', url: '/v1/trials/NCT1/dmc-decisions', headers: auth(signToken('dmc', { issuedAt: now + 3600 })), payload: {} })
  t.equal(dmc.statusCode, 401, 'a future iat does not make a DMC signature fresh')
})

t.test('If-Match compares strongly: a weak tag never matches (412); missing or unreadable is 428', async (t) => {
  const ask = (value?: string) => { try { return ifMatchVersion({ headers: value === undefined ? {} : { 'if-match': value } } as FastifyRequest) } catch (e) { return (e as { statusCode: number }).statusCode } }
  t.equal(ask('"3"'), 3)
  t.equal(ask(' "3" '), 3)
  t.equal(ask('W/"3"'), 412)
  t.equal(ask(undefined), 428)
  t.equal(ask('3'), 428)
  t.equal(ask('*'), 428)
})

t.test('a body trickled in is cut at the request timeout', async (t) => {
  const { app } = await buildWithoutDatabase({ REQUEST_TIMEOUT_MS: '1000' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const started = Date.now()
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.on('data', (chunk) => { answer += chunk.toString() })
  socket.on('error', () => {})
  socket.write(`POST /v1/trials HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n${Object.entries(bearer('admin')).map(([k, v]) => `${k}: ${v}`).join('')}\r\n\r\n{`)
  const trickle = setInterval(() => { if (!socket.destroyed) socket.write(' ') }, 100)
  await new Promise((resolve) => socket.on('close', resolve))
  clearInterval(trickle)
  const lived = Date.now() - started
  t.ok(lived < 3000, `the connection was closed after ${lived} ms (timeout 1000 ms)`)
  t.match(answer, /^HTTP\/1\.1 408/, 'answered 408 Request Timeout')
})
