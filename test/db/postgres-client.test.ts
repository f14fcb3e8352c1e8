// Liveness and outage classification of the PostgreSQL client (issue #17):
// an instance whose statements wait with none completing must fail /health
// (so it is restarted) instead of answering 200 while every request hangs;
// an unreachable database is 503 Retry-After, a failed statement is not.
import t from 'tap'
import { connectionSplit, statementMonitor } from '../../db/postgres-client.js'
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../db/unavailable.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

t.test('the pool counts as wedged only while statements wait and none settles within the bound', async (t) => {
  const monitor = statementMonitor()
  await tick()
  t.notOk(monitor.wedged(1), 'idle for longer than the bound: not wedged')
  let settle = () => {}
  const waiting = monitor.track(new Promise<void>((resolve) => { settle = resolve }))
  await tick()
  t.ok(monitor.wedged(1), 'a statement waited past the bound with none completing')
  t.notOk(monitor.wedged(60_000), 'within the bound')
  settle()
  await waiting
  t.notOk(monitor.wedged(1), 'settled: not wedged')
})

t.test('connection failures are outages; statement failures are not', async (t) => {
  const postgresError = (code: string) => Object.assign(new Error('x'), { name: 'PostgresError', code })
  const cases: Array<[string, unknown, boolean]> = [
    ['terminated backend (57P01)', postgresError('57P01'), true],
    ['server starting up (57P03)', postgresError('57P03'), true],
    ['connection exception (08006)', postgresError('08006'), true],
    ['too many connections (53300)', postgresError('53300'), true],
    ['driver: connection closed', Object.assign(new Error('x'), { code: 'CONNECTION_CLOSED' }), true],
    ['socket: refused', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), true],
    ['wrapped by drizzle (cause)', new Error('Failed query', { cause: postgresError('57P01') }), true],
    ['transaction connection lost', new DatabaseUnavailableError('lost'), true],
    ['unique violation (23505)', postgresError('23505'), false],
    ['division by zero (22012)', postgresError('22012'), false],
    ['a plain error with code 08006 that is not from PostgreSQL', Object.assign(new Error('x'), { code: '08006' }), false],
    ['not an error', 'ECONNREFUSED', false]
  ]
  for (const [what, error, expected] of cases) t.equal(isDatabaseUnavailable(error), expected, what)
})

t.test('a quarter of the connections serve reads, the rest one transaction each', async (t) => {
  t.same(connectionSplit(10), { reads: 2, transactions: 8 })
  t.same(connectionSplit(4), { reads: 1, transactions: 3 })
  t.same(connectionSplit(1), { reads: 1, transactions: 1 }, 'one of each at least')
})
