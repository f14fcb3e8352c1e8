import postgres, { type Sql } from 'postgres'
import { DatabaseUnavailableError } from './unavailable.js'

// The postgres-js client as drizzle uses it, made to survive the database
// going away. postgres-js 3.4.9 mishandles a transaction's connection that
// closes under it (terminated backend, server restart): a statement issued
// afterwards is written to the dead socket (an uncaught TypeError that kills
// the process), statements it had queued never settle (requests hang for
// ever), and a closed connection given back to the pool poisons it. So every
// transaction runs on a client of its own with one connection, whose close is
// known the moment it happens; from then on the transaction's statements are
// refused here, its pending ones fail, and the connection is not given back.

// Bulk statements (a multi-row insert) have one-off shapes: preparing them would only fill the cache.
const PREPARE_MAX_PARAMETERS = 100
/** Default liveness bound: statements waiting and none completed for this long. */
export const WEDGED_AFTER_MS = 60_000

/** Of poolMax connections, a quarter (at least one) serve statements outside transactions, the rest one transaction each. */
export const connectionSplit = (poolMax: number): { reads: number, transactions: number } => {
  const reads = Math.max(1, Math.floor(poolMax / 4))
  return { reads, transactions: Math.max(1, poolMax - reads) }
}

export interface StatementMonitor {
  track: <T>(statement: PromiseLike<T>) => Promise<T>
  wedged: (afterMs: number) => boolean
}

/** Counts statements in flight and when one last settled: a pool where they wait and none settles is wedged. */
export function statementMonitor (): StatementMonitor {
  let waiting = 0
  let lastSettled = performance.now()
  return {
    track (statement) {
      // Time spent idle does not count against the bound.
      if (waiting === 0) lastSettled = performance.now()
      waiting++
      return Promise.resolve(statement).finally(() => {
        waiting--
        lastSettled = performance.now()
      })
    },
    wedged: (afterMs) => waiting > 0 && performance.now() - lastSettled > afterMs
  }
}

type Statement = PromiseLike<unknown> & { values: () => Promise<unknown>, execute: () => Promise<unknown> }

/**
 * A statement as drizzle and the code here use it (awaited, `.values()` or
 * `.execute()`), sent once on first use. `guard` may refuse it before it is
 * sent or fail it while it waits.
 */
function statement (monitor: StatementMonitor, send: (values: boolean) => PromiseLike<unknown>, guard?: TransactionGuard): Statement {
  let sent: Promise<unknown> | undefined
  const start = (values: boolean) => {
    sent ??= monitor.track(guard === undefined ? send(values) : guard.run(() => send(values)))
    return sent
  }
  return {
    then: (onFulfilled, onRejected) => start(false).then(onFulfilled, onRejected),
    values: () => start(true),
    execute: () => start(false)
  }
}

/**
 * drizzle sends a statement unnamed unless it was built with .prepare(), and
 * postgres-js then describes every parameterised statement in a round trip
 * of its own before binding it, which also stops the statements of a
 * transaction from being pipelined. Named statements are parsed and described
 * once per connection and then sent as Bind/Execute only, so every statement
 * drizzle issues, inside transactions too, is named.
 */
export function preparing (sql: Sql, monitor: StatementMonitor, sessions: SessionPool | null, guard?: TransactionGuard): Sql {
  return new Proxy(sql, {
    get (target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters: unknown[] = [], options: object = {}) => statement(monitor, (values) => {
          const q = target.unsafe(query, parameters as never, { ...options, prepare: parameters.length <= PREPARE_MAX_PARAMETERS })
          return values ? q.values() : q.execute()
        }, guard)
      }
      if (property === 'begin' && sessions !== null) {
        return async (body: (tx: Sql) => Promise<unknown>) => await transaction(sessions, monitor, body)
      }
      return Reflect.get(target, property, receiver)
    }
  })
}

/** One connection's client, and how many times its connection has closed so far. */
interface Session { sql: Sql, closes: number, broken: boolean, onClose: Set<() => void> }

export interface SessionPool {
  /** takes the type parsers and serializers drizzle installed on the main client (drizzle changes them in place) */
  adopt: (template: Sql) => void
  /** an idle session, its client renewed if its connection closed or failed */
  acquire: () => Promise<Session>
  release: (session: Session) => void
  end: () => Promise<void>
}

// How long a transaction may wait for its connection (connecting included) before the session is given up.
const RESERVE_TIMEOUT_MS = 10_000

/**
 * One client of one connection per concurrent transaction. postgres-js
 * reconnects a closed connection by itself, but a reserve() that failed while
 * connecting stays queued and is later handed the new connection, which is
 * then reserved for nobody: so a session whose connection closed, or whose
 * reserve failed, gets a new client before its next transaction.
 */
export function sessionPool (url: string, size: number): SessionPool {
  const types: Pick<Sql['options'], 'parsers' | 'serializers'> = { parsers: {}, serializers: {} }
  const connect = (session: Session) => {
    const client = postgres(url, {
      max: 1,
      onnotice: () => {},
      // Called as the socket closes, after its pending statements were failed and before anything else is sent.
      onclose: () => {
        if (session.sql !== client) return
        session.closes++
        session.broken = true
        for (const listener of session.onClose) listener()
      }
    })
    Object.assign(client.options.parsers, types.parsers)
    Object.assign(client.options.serializers, types.serializers)
    session.sql = client
  }
  const sessions = Array.from({ length: size }, (): Session => {
    const session: Session = { sql: undefined as unknown as Sql, closes: 0, broken: false, onClose: new Set() }
    connect(session)
    return session
  })
  const renew = (session: Session) => {
    if (!session.broken) return
    // Ends the old client gracefully: a forced end (a timeout) terminates its connection and rejects
    // postgres-js's own internal queries on it (CONNECTION_DESTROYED), which nothing can catch.
    session.sql.end().catch(() => {})
    session.broken = false
    connect(session)
  }
  const idle = [...sessions]
  const waiting: Array<(session: Session) => void> = []
  return {
    adopt: (template) => {
      Object.assign(types.parsers, template.options.parsers)
      Object.assign(types.serializers, template.options.serializers)
      for (const session of sessions) {
        Object.assign(session.sql.options.parsers, types.parsers)
        Object.assign(session.sql.options.serializers, types.serializers)
      }
    },
    acquire: async () => {
      const session = idle.pop() ?? await new Promise<Session>((resolve) => waiting.push(resolve))
      renew(session)
      return session
    },
    release: (session) => {
      const next = waiting.shift()
      if (next === undefined) idle.push(session)
      else next(session)
    },
    end: async () => { await Promise.all(sessions.map(async (s) => { await s.sql.end({ timeout: 5 }) })) }
  }
}

async function reserve (session: Session): Promise<Awaited<ReturnType<Sql['reserve']>>> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      session.sql.reserve(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new DatabaseUnavailableError(`no database connection within ${RESERVE_TIMEOUT_MS} ms`)), RESERVE_TIMEOUT_MS)
      })
    ])
  } catch (error) {
    session.broken = true
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** Refuses a transaction's statements once its connection has closed, and fails the ones still waiting. */
interface TransactionGuard {
  alive: () => boolean
  run: <T>(send: () => PromiseLike<T>) => Promise<T>
}

const connectionLost = () => new DatabaseUnavailableError('The database connection closed during the transaction; it was not committed')

function transactionGuard (session: Session): TransactionGuard & { lost: Promise<never>, dispose: () => void } {
  const closes = session.closes
  let onLost = (_: Error) => {}
  const lost = new Promise<never>((_resolve, reject) => { onLost = reject })
  lost.catch(() => {})
  const listener = () => { onLost(connectionLost()) }
  session.onClose.add(listener)
  const alive = () => session.closes === closes
  return {
    alive,
    lost,
    run: async (send) => {
      if (!alive()) throw connectionLost()
      return await Promise.race([send(), lost])
    },
    dispose: () => { session.onClose.delete(listener) }
  }
}

/**
 * postgres-js's begin() waits for BEGIN's answer before the body runs: a
 * round trip and a socket write of its own. Here BEGIN goes out with the
 * body's first statements, on the session's reserved connection.
 * (drizzle's nested transactions, savepoints, are not used.)
 */
async function transaction (sessions: SessionPool, monitor: StatementMonitor, body: (tx: Sql) => Promise<unknown>): Promise<unknown> {
  const session = await sessions.acquire()
  let connection: Awaited<ReturnType<Sql['reserve']>> | undefined
  let guard: ReturnType<typeof transactionGuard> | undefined
  try {
    connection = await reserve(session)
    guard = transactionGuard(session)
    const tx = preparing(connection, monitor, null, guard)
    const begun = tx.unsafe('begin').execute()
    // Awaited after the body; until then a rejection is not unhandled.
    begun.catch(() => {})
    let result: unknown
    try {
      result = await Promise.race([body(tx), guard.lost])
      await begun
    } catch (error) {
      if (guard.alive()) await tx.unsafe('rollback').execute().catch(() => {})
      throw error
    }
    // PostgreSQL answers COMMIT in a transaction that a failed statement aborted with a ROLLBACK.
    const committed = await tx.unsafe('commit').execute() as { command: string }
    if (committed.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${committed.command}): one of its statements failed`)
    return result
  } finally {
    guard?.dispose()
    // A closed connection is not given back: the client reconnects on its next use.
    if (connection !== undefined && guard?.alive() === true) connection.release()
    sessions.release(session)
  }
}
