import type { Query } from 'drizzle-orm'
import type { Queryable, Tx } from '../client.js'
import { send, together } from '../statements.js'

/** A write statement a repository built, for the caller to send alone or together with others. */
export type Write = Query

/** Sends one write; it is issued before this returns, so statements issued later run after it. */
export const sendWrite = (db: Queryable, write: Write): Promise<unknown> => send(db, write)

// PostgreSQL's protocol numbers a statement's parameters with 16 bits.
const MAX_PARAMETERS = 65_535

/**
 * Sends writes that touch distinct rows as one statement (see `together`);
 * writes with more parameters than one statement may carry (a bulk write's)
 * are sent one after the other, each issued at once.
 */
export const sendWrites = (db: Queryable, writes: Write[]): Promise<unknown> =>
  writes.reduce((n, w) => n + w.params.length, 0) <= MAX_PARAMETERS
    ? send(db, together(writes))
    : Promise.all(writes.map((w) => send(db, w)))

// One write of a coalesced group runs between a savepoint and its release: rolling back to it undoes that write alone.
const SAVEPOINT = 'clinical_write'

export const savepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `savepoint ${SAVEPOINT}`, params: [] })

export const releaseSavepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `release savepoint ${SAVEPOINT}`, params: [] })

export const rollbackToSavepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `rollback to savepoint ${SAVEPOINT}`, params: [] })
