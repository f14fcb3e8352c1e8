import { desc, eq, sql } from 'drizzle-orm'
import { auditLog } from '../schema.js'
import type { Db, Queryable } from '../client.js'
import { insertRows, selectRows, statement } from '../statements.js'
import type { Write } from './writes.js'

/** The head of a trial's audit chain, as `seq hash` (null for an empty chain). */
export async function readChainHead (db: Queryable, trialId: string): Promise<string | null> {
  const [row] = await selectRows<{ head: string | null }>(db,
    statement`select (select seq || ' ' || hash from audit_log where trial_id = ${trialId} order by seq desc limit 1) as head`)
  return row?.head ?? null
}

/** Appends a row to a trial's audit chain. */
export const insertAuditRow = (row: typeof auditLog.$inferInsert): Write => insertRows(auditLog, [row])

const preparedHeads = new WeakMap<Db, ReturnType<typeof auditSeqQuery>>()
const auditSeqQuery = (db: Db) => db.select({ seq: auditLog.seq }).from(auditLog)
  .where(eq(auditLog.trialId, sql.placeholder('trialId'))).orderBy(desc(auditLog.seq)).limit(1).prepare('audit_seq')

/** The length of a trial's audit chain (0 when empty), by a statement prepared once per database. */
export async function readAuditSeq (db: Db, trialId: string): Promise<number> {
  let head = preparedHeads.get(db)
  if (head === undefined) preparedHeads.set(db, head = auditSeqQuery(db))
  return (await head.execute({ trialId }))[0]?.seq ?? 0
}
