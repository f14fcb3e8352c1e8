import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/**
 * Keyset pagination predicate `(a, b) > (x, y)`: a row comparison that
 * PostgreSQL turns into an index range condition, where the equivalent
 * `a > x or (a = x and b > y)` makes it read and discard rows.
 */
export function rowsAfter (columns: AnyPgColumn[], values: unknown[]): SQL {
  return sql`(${sql.join(columns, sql`, `)}) > (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`
}
