import { getTableColumns, getTableName, sql, type InferInsertModel, type SQL } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { rows, type Queryable } from './client.js'

// drizzle's query builder spends up to a tenth of a millisecond building one
// wide statement (it checks the type of every chunk, column and parameter),
// and a clinical write issues a dozen. On that path statements are written
// as SQL templates instead, with these helpers deriving their column lists
// from the schema once, and encoding values by their columns as the builder
// would. Rows come back in the schema's shape, unmapped (see `rows`).

/**
 * The rows a query returns, as `T`. The statement is sent before the first
 * await, so statements issued after this call run after it.
 */
export async function selectRows<T> (db: Queryable, query: SQL): Promise<T[]> {
  return rows<T>(await db.execute(query).execute())
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

const columnLists = new WeakMap<PgTable, SQL>()

/** `"column_name" as "key", …` for every column: a row in the shape of `table.$inferSelect`. */
export function columnsOf (table: PgTable): SQL {
  let list = columnLists.get(table)
  if (list === undefined) {
    list = sql.raw(Object.entries(getTableColumns(table)).map(([key, column]) => `${quote(column.name)} as ${quote(key)}`).join(', '))
    columnLists.set(table, list)
  }
  return list
}

/** The value as drizzle's builder would send it for this column (JSON columns as text). */
const encode = (column: PgColumn, value: unknown) => value === null ? null : column.mapToDriverValue(value)

type Row<T extends PgTable> = InferInsertModel<T>

/** The table's columns that `row` gives (is not undefined for), in the table's order. */
const fieldsOf = (table: PgTable, row: object) =>
  Object.entries(getTableColumns(table)).filter(([key]) => (row as Record<string, unknown>)[key] !== undefined)

const valueOf = (row: object, key: string, column: PgColumn) => sql.param(encode(column, (row as Record<string, unknown>)[key]))

const comma = sql.raw(', ')

/**
 * `insert into table (…) values (…), (…)`: every row gives the fields the
 * first row gives; the columns none gives take their defaults.
 */
export function insertRows<T extends PgTable> (table: T, rows: Array<Row<T>>): SQL {
  const fields = fieldsOf(table, rows[0]!)
  const names = sql.raw(fields.map(([, column]) => quote(column.name)).join(', '))
  const tuples = rows.map((row) => sql`(${sql.join(fields.map(([key, column]) => valueOf(row, key, column)), comma)})`)
  return sql`insert into ${sql.raw(quote(getTableName(table)))} (${names}) values ${sql.join(tuples, comma)}`
}

/** `"column" = $n, …` for the fields given: the SET list of an update. */
export function assignments<T extends PgTable> (table: T, values: Partial<Row<T>>): SQL {
  return sql.join(fieldsOf(table, values).map(([key, column]) => sql`${sql.raw(quote(column.name))} = ${valueOf(values, key, column)}`), comma)
}
