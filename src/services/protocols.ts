import type { Queryable } from '../../db/client.js'
import { readProtocolDocument } from '../../db/repos/protocols.js'
import { parseProtocol, type Protocol } from '../domain/protocol.js'

// Protocol versions never change once committed, so their parsed form is cached
// by (trial, version): the hot write path does not re-parse the document. A
// version read inside a transaction that then rolls back was never committed:
// clinicalWrite calls forgetProtocols for the trial when its transaction fails.
const cache = new Map<string, Protocol>()
const CACHE_LIMIT = 1000

export async function loadProtocol (db: Queryable, trialId: string, version: number): Promise<Protocol> {
  const key = `${trialId}\u0000${version}`
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const document = await readProtocolDocument(db, trialId, version)
  if (document === undefined) throw new Error(`protocol version ${version} of ${trialId} is missing`)
  const parsed = parseProtocol(document)
  // Stored documents were validated on the way in; failing here means the data was altered.
  if (!parsed.ok) throw new Error(`stored protocol version ${version} of ${trialId} no longer validates`)
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
  cache.set(key, parsed.protocol)
  return parsed.protocol
}

/** Drops a trial's cached versions (after a rolled-back write that may have read an uncommitted one). */
export function forgetProtocols (trialId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${trialId}\u0000`)) cache.delete(key)
}
