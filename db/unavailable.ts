// Failures that mean the database cannot be reached right now, as opposed to
// a statement that failed: the request may be sent again (503 Retry-After).

/** The transaction's connection closed before it ended: nothing after the last acknowledged COMMIT was kept. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

// postgres-js's own connection errors, and the socket's.
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'
])
// SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// terminated backend, shutdown, starting up), and too many connections.
const UNAVAILABLE_SQLSTATE = /^(08|57P)|^53300$/

/** Whether an error (or one of its causes: drizzle wraps driver errors) says the database is unreachable. */
export function isDatabaseUnavailable (error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return true
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || ((e.name === 'PostgresError') && UNAVAILABLE_SQLSTATE.test(code)))) return true
  }
  return false
}
