import { and, eq } from 'drizzle-orm'
import { protocolVersions } from '../schema.js'
import type { Queryable } from '../client.js'

/** The stored document of one protocol version (undefined when there is none). */
export async function readProtocolDocument (db: Queryable, trialId: string, version: number): Promise<unknown> {
  const [row] = await db.select({ document: protocolVersions.document }).from(protocolVersions)
    .where(and(eq(protocolVersions.trialId, trialId), eq(protocolVersions.version, version)))
  return row?.document
}
