import { and, eq, inArray } from 'drizzle-orm'
import { protocolVersions, trials as trialTable } from '../db/schema.js'
import type { Db } from '../db/client.js'
import type { Principal } from '../src/auth/roles.js'
import { AppError } from '../src/lib/errors.js'
import { canonicalJson } from '../src/lib/canonical-json.js'
import { amendProtocol, createTrial, getTrial } from '../src/services/trials.js'
import { trials, type TrialSeed } from './trials/index.js'

/** Seeds are created as an admin named 'seed', so their audit rows say where they came from. */
export const SEED_PRINCIPAL: Principal = { sub: 'seed', role: 'admin', sites: null, trials: null, issuedAt: null }

export interface SeedResult { created: string[], amended: string[] }

/** Top-level protocol keys whose value differs: the summary in the amendment's reason. */
function changedKeys (stored: Record<string, unknown>, seed: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(seed)])].sort()
  return keys.filter((k) => canonicalJson(stored[k] ?? null) !== canonicalJson(seed[k] ?? null))
}

/**
 * Brings an existing seed trial to the seed's protocol by an amendment (version
 * N+1 with its reason; earlier versions stay as they were), when its protocol
 * in force differs and was itself written by the seeds: a protocol an admin
 * amended is theirs and left alone. Returns whether it amended.
 */
async function reviseSeed (db: Db, seed: TrialSeed): Promise<boolean> {
  const trial = await getTrial(db, seed.trialId)
  if (trial === null) return false
  const changed = changedKeys(trial.protocol, seed.protocol as Record<string, unknown>)
  if (changed.length === 0) return false
  const [author] = await db.select({ createdBy: protocolVersions.createdBy }).from(protocolVersions)
    .where(and(eq(protocolVersions.trialId, seed.trialId), eq(protocolVersions.version, trial.protocolVersion)))
  if (author?.createdBy !== SEED_PRINCIPAL.sub) return false
  const reason = `seed configuration revised: ${changed.join(', ')}${seed.revision === undefined ? '' : ` (${seed.revision})`}`
  try {
    await amendProtocol(db, seed.trialId, SEED_PRINCIPAL, { expectedVersion: trial.version, protocol: seed.protocol, reason })
    return true
  } catch (error) {
    // Another instance amended (or changed) the trial since it was read: that instance's revision stands.
    if (error instanceof AppError && error.slug === 'precondition-failed') return false
    throw error
  }
}

/**
 * Creates every seed trial that does not exist yet, through the same service
 * code as POST /v1/trials (protocol validation, version 1, audit, status), and
 * amends an existing one whose seed protocol changed since (see reviseSeed).
 * Idempotent: loading the same seeds again creates and amends nothing, also
 * when another instance loaded them a moment ago.
 */
export async function loadSeeds (db: Db, seeds: TrialSeed[] = trials): Promise<SeedResult> {
  const existing = await db.select({ trialId: trialTable.trialId }).from(trialTable)
    .where(inArray(trialTable.trialId, seeds.map((s) => s.trialId)))
  const present = new Set(existing.map((e) => e.trialId))
  const result: SeedResult = { created: [], amended: [] }
  for (const seed of seeds) {
    if (present.has(seed.trialId)) {
      if (await reviseSeed(db, seed)) result.amended.push(seed.trialId)
      continue
    }
    try {
      await createTrial(db, SEED_PRINCIPAL, { trialId: seed.trialId, title: seed.title, phase: seed.phase, sites: seed.sites, protocol: seed.protocol })
      result.created.push(seed.trialId)
    } catch (error) {
      if (!(error instanceof AppError && error.slug === 'trial-exists')) throw error
    }
  }
  return result
}
