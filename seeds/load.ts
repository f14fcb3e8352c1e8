import { inArray } from 'drizzle-orm'
import { trials as trialTable } from '../db/schema.js'
import type { Db } from '../db/client.js'
import type { Principal } from '../src/auth/roles.js'
import { AppError } from '../src/lib/errors.js'
import { createTrial } from '../src/services/trials.js'
import { trials, type TrialSeed } from './trials/index.js'

/** Seeds are created as an admin named 'seed', so their audit rows say where they came from. */
export const SEED_PRINCIPAL: Principal = { sub: 'seed', role: 'admin', sites: null, trials: null, issuedAt: null }

/**
 * Creates every seed trial that does not exist yet, through the same service
 * code as POST /v1/trials (protocol validation, version 1, audit, status).
 * Idempotent: an existing trialId is skipped, also when another instance
 * created it a moment ago. Returns the trialIds it created.
 */
export async function loadSeeds (db: Db, seeds: TrialSeed[] = trials): Promise<string[]> {
  const existing = await db.select({ trialId: trialTable.trialId }).from(trialTable)
    .where(inArray(trialTable.trialId, seeds.map((s) => s.trialId)))
  const skip = new Set(existing.map((e) => e.trialId))
  const created: string[] = []
  for (const seed of seeds.filter((s) => !skip.has(s.trialId))) {
    try {
      await createTrial(db, SEED_PRINCIPAL, seed)
      created.push(seed.trialId)
    } catch (error) {
      if (!(error instanceof AppError && error.slug === 'trial-exists')) throw error
    }
  }
  return created
}
