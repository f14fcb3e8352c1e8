import { createHash } from 'node:crypto'
import type { Queryable } from '../../db/client.js'
import { insertKey, readKey, type KeyRow } from '../../db/repos/idempotency.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { AppError } from '../lib/errors.js'
import type { Principal } from '../auth/roles.js'
import type { Pipeline } from './pipeline.js'

export interface StoredResponse<T> { statusCode: number, body: T, replayed: boolean }

export interface IdempotencyIds { trialId: string, scope: string, key: string | undefined }

/**
 * Whose keys a create's are: the caller's, per route, and for a site-scoped
 * token per set of sites, so that a stored response (another site's AE, say)
 * never replays to a token of the same subject that no longer reaches it.
 */
export const keyScope = (principal: Principal, route: string): string =>
  principal.sites === null ? `${principal.sub} ${route}` : `${principal.sub} sites=${[...principal.sites].sort().join(',')} ${route}`

/** The stored response of a key, if it was used; read with the write's other reads, under its lock. */
export async function findKey (db: Queryable, ids: IdempotencyIds): Promise<KeyRow | undefined> {
  if (ids.key === undefined) return undefined
  return await readKey(db, { ...ids, key: ids.key })
}

/**
 * Runs a create at most once per Idempotency-Key. Called inside the trial's
 * locked transaction, so two concurrent requests with one key serialise: the
 * second sees the first's stored response. Same key with another body is 422.
 * `seen` is the key's row when the caller read it already (findKey).
 */
export async function once<T> (
  { tx, defer, keepStatus }: Pipeline & { keepStatus?: () => void },
  ids: IdempotencyIds,
  requestBody: unknown,
  create: () => Promise<{ statusCode: number, body: T }>,
  seen?: KeyRow
): Promise<StoredResponse<T>> {
  if (ids.key === undefined) return { ...(await create()), replayed: false }
  const requestHash = createHash('sha256').update(canonicalJson(requestBody)).digest('hex')
  const prior = seen ?? await findKey(tx, ids)
  if (prior !== undefined) {
    if (prior.requestHash !== requestHash) {
      throw new AppError(422, 'idempotency-key-reused', 'This Idempotency-Key was already used with a different request body', {
        errors: [{ path: '/headers/idempotency-key', message: 'already used with another body' }]
      })
    }
    // A replay writes nothing: the status it would re-evaluate is the one stored.
    keepStatus?.()
    return { statusCode: prior.statusCode, body: prior.response as T, replayed: true }
  }
  const result = await create()
  defer(insertKey(tx, { ...ids, key: ids.key, requestHash, statusCode: result.statusCode, response: result.body as object }))
  return { ...result, replayed: false }
}
