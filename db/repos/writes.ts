import type { Query } from 'drizzle-orm'
import type { Queryable, Tx } from '../client.js'
import { send, together } from '../statements.js'

/** A write statement a repository built, for the caller to send alone or together with others. */
export type Write = Query

/** Sends one write; it is issued before this returns, so statements issued later run after it. */
export const sendWrite = (db: Queryable, write: Write): Promise<unknown> => send(db, write)

/** Sends writes that touch distinct rows as one statement (see `together`). */
export const sendWrites = (db: Queryable, writes: Write[]): Promise<unknown> => send(db, together(writes))

// One write of a coalesced group runs between a savepoint and its release: rolling back to it undoes that write alone.
const SAVEPOINT = 'clinical_write'

export const savepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `savepoint ${SAVEPOINT}`, params: [] })

export const releaseSavepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `release savepoint ${SAVEPOINT}`, params: [] })

export const rollbackToSavepoint = (tx: Tx): Promise<unknown> => send(tx, { sql: `rollback to savepoint ${SAVEPOINT}`, params: [] })
