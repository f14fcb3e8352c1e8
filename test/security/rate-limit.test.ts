import t from 'tap'
import { bearer, buildWithoutDatabase } from '../helpers/build.js'

// Limits are counted per token subject (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS).
const { app } = await buildWithoutDatabase({ RATE_LIMIT_MAX: '3' })
const url = '/v1/ctcae/terms/10002272'

t.test('the 4th request of a subject in the window is 429 problem+json with retry-after; another subject is unaffected', async (t) => {
  const alice = bearer('safety_monitor', { sub: 'alice' })
  for (let i = 1; i <= 3; i++) {
    const res = await app.inject({ method: 'GET', url, headers: alice })
    t.equal(res.statusCode, 200, `request ${i}`)
    t.equal(res.headers['x-ratelimit-remaining'], String(3 - i))
  }
  const limited = await app.inject({ method: 'GET', url, headers: alice })
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, 'retry-after within the one-minute window')
  t.match(limited.json(), { type: 'about:blank', title: 'Too Many Requests', status: 429, instance: url })

  // Another token of the same subject (another role) shares the budget: the limit follows the subject.
  t.equal((await app.inject({ method: 'GET', url, headers: bearer('admin', { sub: 'alice' }) })).statusCode, 429)
  const bob = await app.inject({ method: 'GET', url, headers: bearer('safety_monitor', { sub: 'bob' }) })
  t.equal(bob.statusCode, 200, 'another subject is not limited')
  t.equal(bob.headers['x-ratelimit-remaining'], '2')
})
