import type { Db } from '../../db/client.js'
import { readAuditSeq } from '../../db/repos/audit.js'
import { readDecisionAt } from '../../db/repos/decisions.js'
import { readEngineParticipants } from '../../db/repos/participants.js'
import { readSummaryTables, type GroupRow, type Tables } from '../../db/repos/summary.js'
import { groupExposure, scheduleFor, type GroupExposure } from '../domain/schedule.js'
import type { StatusDoseLevel, TrialStatus } from '../domain/status.js'
import { notFound } from '../lib/errors.js'
import { scheduleOf } from './participants.js'
import { loadProtocol } from './protocols.js'
import { currentStatus } from './status.js'
import { requireTrial } from './trials.js'

/** The status now (DLT windows closed by time included). */
async function statusNow (db: Db, trialId: string): Promise<{ protocolVersion: number, status: Pick<TrialStatus, 'doseLevels'> }> {
  const current = await currentStatus(db, trialId)
  if (current === null) throw notFound('Trial')
  return { protocolVersion: current.protocolVersion, status: current }
}

/** The status as it stood at `asOf`: the latest decision taken by then. */
async function statusAsOf (db: Db, trialId: string, asOf: string): Promise<{ protocolVersion: number, status: Pick<TrialStatus, 'doseLevels'> }> {
  await requireTrial(db, trialId)
  const decision = await readDecisionAt(db, trialId, asOf)
  if (decision === undefined) throw notFound('Trial status at that instant')
  return { protocolVersion: decision.protocolVersion, status: (decision.snapshot as { status: TrialStatus }).status }
}

/**
 * The safety monitor's toxicity tables: group counts from the status engine
 * (or the decision in force at `asOf`), participants by worst grade, and AE
 * counts by SOC, term and grade with each participant counted once per term at
 * their worst grade (the standard toxicity table).
 */
export async function trialSummary (db: Db, trialId: string, asOf?: string) {
  const { protocolVersion, status } = asOf === undefined ? await statusNow(db, trialId) : await statusAsOf(db, trialId, asOf)
  const [{ toxicity, byWorstGrade, saes }, exposure] = await Promise.all([
    asOf === undefined ? currentTables(db, trialId) : readSummaryTables(db, trialId, asOf),
    asOf === undefined ? exposureNow(db, trialId, protocolVersion) : () => null
  ])

  const groups = status.doseLevels.map((g) => {
    const mine = (r: GroupRow) => g.armId !== undefined ? r.arm_id === g.armId : Number(r.dose_level) === g.doseLevel
    const worst: Record<string, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }
    for (const r of byWorstGrade.filter(mine)) worst[String(r.grade)] = (worst[String(r.grade)] ?? 0) + Number(r.participants)
    return {
      doseLevel: g.doseLevel,
      ...(g.armId !== undefined ? { armId: g.armId } : {}),
      enrolled: g.enrolled,
      evaluable: g.evaluable,
      pending: g.pending,
      dlts: g.dlts,
      dltRate: g.dltRate,
      ci95: g.ci95,
      participantsByWorstGrade: worst,
      saes: saes.filter(mine).reduce((n, r) => n + Number(r.saes), 0),
      exposure: exposure(g)
    }
  })
  return {
    trialId,
    asOf: asOf ?? new Date().toISOString(),
    protocolVersion,
    groups,
    toxicity
  }
}

/**
 * Each group's exposure now: its participants' schedules (derived from their
 * first administrations, in their sites' calendars) added up; null for a
 * group the protocol plans no schedule for.
 */
async function exposureNow (db: Db, trialId: string, protocolVersion: number): Promise<(g: Pick<StatusDoseLevel, 'doseLevel' | 'armId'>) => GroupExposure | null> {
  const protocol = await loadProtocol(db, trialId, protocolVersion)
  const planned = protocol.schedule !== undefined || protocol.doseLevels.some((d) => d.schedule !== undefined) || (protocol.arms ?? []).some((a) => a.schedule !== undefined)
  // A protocol without schedules costs the summary no read.
  if (!planned) return () => null
  const people = await readEngineParticipants(db, trialId)
  const asOf = new Date().toISOString()
  return (g) => {
    if (scheduleFor(protocol, { doseLevel: g.doseLevel, armId: g.armId ?? null }) === undefined) return null
    const members = people.filter((p) => g.armId !== undefined ? p.armId === g.armId : p.doseLevel === g.doseLevel)
    // a member's own schedule exists: the group's is theirs, or the level's or protocol's under their arm's
    return groupExposure(members.map((p) => scheduleOf(protocol, p, asOf)!))
  }
}

// Today's tables change only with a clinical write, and every clinical write
// extends the trial's audit chain: the chain's length is their version. Any
// instance answers from its cache while the chain has not grown.
const cache = new Map<string, { auditSeq: number, tables: Tables }>()
const CACHE_LIMIT = 200
async function currentTables (db: Db, trialId: string): Promise<Tables> {
  const auditSeq = await readAuditSeq(db, trialId)
  const hit = cache.get(trialId)
  if (hit?.auditSeq === auditSeq) return hit.tables
  const tables = await readSummaryTables(db, trialId, undefined)
  cache.delete(trialId)
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
  cache.set(trialId, { auditSeq, tables })
  return tables
}
