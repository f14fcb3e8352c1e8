import type { Query } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { send, together } from '../statements.js'

/** A write statement a repository built, for the caller to send alone or together with others. */
export type Write = Query

/** Sends one write; it is issued before this returns, so statements issued later run after it. */
export const sendWrite = (db: Queryable, write: Write): Promise<unknown> => send(db, write)

/** Sends writes that touch distinct rows as one statement (see `together`). */
export const sendWrites = (db: Queryable, writes: Write[]): Promise<unknown> => send(db, together(writes))
