import { createHash } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { idempotencyKeys } from '../../db/schema.js'
import type { Tx } from '../../db/client.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { AppError } from '../http/problem.js'

export interface StoredResponse<T> { statusCode: number, body: T, replayed: boolean }

/**
 * Runs a create at most once per Idempotency-Key. Called inside the trial's
 * locked transaction, so two concurrent requests with one key serialise: the
 * second sees the first's stored response. Same key with another body is 422.
 */
export async function once<T> (
  tx: Tx,
  ids: { trialId: string, scope: string, key: string | undefined },
  requestBody: unknown,
  create: () => Promise<{ statusCode: number, body: T }>
): Promise<StoredResponse<T>> {
  if (ids.key === undefined) return { ...(await create()), replayed: false }
  const requestHash = createHash('sha256').update(canonicalJson(requestBody)).digest('hex')
  const where = and(eq(idempotencyKeys.trialId, ids.trialId), eq(idempotencyKeys.scope, ids.scope), eq(idempotencyKeys.key, ids.key))
  const [seen] = await tx.select().from(idempotencyKeys).where(where)
  if (seen !== undefined) {
    if (seen.requestHash !== requestHash) {
      throw new AppError(422, 'idempotency-key-reused', 'This Idempotency-Key was already used with a different request body', {
        errors: [{ path: '/headers/idempotency-key', message: 'already used with another body' }]
      })
    }
    return { statusCode: seen.statusCode, body: seen.response as T, replayed: true }
  }
  const result = await create()
  await tx.insert(idempotencyKeys).values({ ...ids, key: ids.key, requestHash, statusCode: result.statusCode, response: result.body as object })
  return { ...result, replayed: false }
}
