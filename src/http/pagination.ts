import { z } from 'zod'
import { AppError } from '../lib/errors.js'

// Lists: ?limit= (default 50, max 500) and an opaque ?cursor= carrying the
// sort key of the last item returned (keyset pagination: stable under inserts).

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Items per page (1-500, default 50)'),
  cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]+$/).optional().describe('Opaque cursor from the previous page\'s nextCursor')
}

export const pageOf = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  nextCursor: z.string().nullable()
})

export function encodeCursor (key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodeCursor<T extends z.ZodType> (cursor: string | undefined, shape: T): z.output<T> | undefined {
  if (cursor === undefined) return undefined
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
    if (parsed.success) return parsed.data
  } catch {}
  throw new AppError(400, 'invalid-cursor', 'The cursor is not one this service issued', { errors: [{ path: '/querystring/cursor', message: 'invalid cursor' }] })
}

/** Cuts one extra row fetched to learn whether another page exists. */
export function page<R, T> (rows: R[], limit: number, toItem: (row: R) => T, keyOf: (row: R) => readonly (string | number)[]): { items: T[], nextCursor: string | null } {
  const more = rows.length > limit
  const kept = more ? rows.slice(0, limit) : rows
  return { items: kept.map(toItem), nextCursor: more ? encodeCursor(keyOf(kept[kept.length - 1]!)) : null }
}
