import { getTableColumns, getTableName, type InferInsertModel, type Query } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { rows, type Queryable } from './client.js'

// drizzle's query builder spends up to a tenth of a millisecond building one
// wide statement (it checks the type of every chunk, column and parameter),
// and a clinical write issues a dozen. On that path statements are built here
// as text and parameters instead, with their column lists derived from the
// schema and values encoded by their columns as the builder would, and sent
// through drizzle's session as they are (its logger and both drivers, without
// the builder). Rows come back in the schema's shape, unmapped (see `rows`).

/** Sends a statement built here as it is; resolves to what the driver returns (see `rows`). */
export async function send (db: Queryable, statement: Query): Promise<unknown> {
  return await db._.session.prepareQuery(statement, undefined, undefined, false).execute()
}

/**
 * The rows a query returns, as `T`. The statement is sent before the first
 * await, so statements issued after this call run after it.
 */
export async function selectRows<T> (db: Queryable, query: Query): Promise<T[]> {
  return rows<T>(await send(db, query))
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Statement text that `statement` inserts as it is (a column list), not as a parameter. */
class Raw {
  constructor (readonly text: string) {}
}

/** Values that `statement` inserts as a list of parameters (`$1, $2, …`), for `in (…)`. */
class List {
  constructor (readonly values: readonly unknown[]) {}
}

/** A list for `in (${listOf(values)})`; an empty one is `null`, which matches nothing. */
export const listOf = (values: readonly unknown[]): List => new List(values)

/** A statement from a template: every `${value}` is a parameter ($1, $2, …), every `${Raw}` text, every `${List}` parameters. */
export function statement (strings: TemplateStringsArray, ...values: unknown[]): Query {
  const params: unknown[] = []
  let text = strings[0]!
  values.forEach((value, i) => {
    const chunk = value instanceof Raw
      ? value.text
      : value instanceof List
        ? (value.values.length === 0 ? 'null' : value.values.map((v) => `$${params.push(v)}`).join(', '))
        : `$${params.push(value)}`
    text += chunk + strings[i + 1]!
  })
  return { sql: text, params }
}

/** SQL text made from code constants (never from input), for `statement` to insert as it is. */
export const constantText = (text: string): Raw => new Raw(text)

const columnLists = new WeakMap<PgTable, Raw>()

/** `"column_name" as "key", …` for every column: a row in the shape of `table.$inferSelect`. */
export function columnsOf (table: PgTable): Raw {
  let list = columnLists.get(table)
  if (list === undefined) {
    list = new Raw(Object.entries(getTableColumns(table)).map(([key, column]) => `${quote(column.name)} as ${quote(key)}`).join(', '))
    columnLists.set(table, list)
  }
  return list
}

/** The value as drizzle's builder would send it for this column (JSON columns as text). */
const encode = (column: PgColumn, value: unknown) => value === null ? null : column.mapToDriverValue(value)

type Row<T extends PgTable> = InferInsertModel<T>

const valueAt = (row: object, key: string) => (row as Record<string, unknown>)[key]

/** The table's columns that `row` gives (is not undefined for), in the table's order. */
const fieldsOf = (table: PgTable, row: object) => Object.entries(getTableColumns(table)).filter(([key]) => valueAt(row, key) !== undefined)

/**
 * `insert into table (…) values (…), (…)` and then `tail` (an ON CONFLICT
 * clause): every row gives the fields the first row gives; the columns none
 * gives take their defaults.
 */
export function insertRows<T extends PgTable> (table: T, rows: Array<Row<T>>, tail = ''): Query {
  const fields = fieldsOf(table, rows[0]!)
  const params: unknown[] = []
  const tuples = rows.map((row) => `(${fields.map(([key, column]) => `$${params.push(encode(column, valueAt(row, key)))}`).join(', ')})`)
  const names = fields.map(([, column]) => quote(column.name)).join(', ')
  return { sql: `insert into ${quote(getTableName(table))} (${names}) values ${tuples.join(', ')}${tail === '' ? '' : ` ${tail}`}`, params }
}

/** `update table set … where …`: the fields `values` gives, on the rows whose `key` fields equal its (non-null) values. */
export function updateRows<T extends PgTable> (table: T, values: Partial<Row<T>>, key: Partial<Row<T>>): Query {
  const params: unknown[] = []
  const equal = (row: object, separator: string) => fieldsOf(table, row)
    .map(([name, column]) => `${quote(column.name)} = $${params.push(encode(column, valueAt(row, name)))}`).join(separator)
  return { sql: `update ${quote(getTableName(table))} set ${equal(values, ', ')} where ${equal(key, ' and ')}`, params }
}

/**
 * The writes as one statement, each but the last a data-modifying CTE: one
 * message and one execution instead of one each. They run on one snapshot,
 * so none may touch a row another touches or depend on another's effect.
 * Only for statements built here: their parameters are renumbered in the
 * text, which holds no other `$`.
 */
export function together (writes: Query[]): Query {
  if (writes.length === 1) return writes[0]!
  const params: unknown[] = []
  const texts = writes.map((write) => {
    const offset = params.length
    params.push(...write.params)
    return write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)
  })
  const last = texts.pop()!
  return { sql: `with ${texts.map((text, i) => `w${i} as (${text})`).join(', ')} ${last}`, params }
}
