import { createHash } from 'node:crypto'
import { and, desc, eq, isNull, lte, or, sql } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import { adverseEvents, decisions, outbox, participants, trials, trialStatus, webhooks } from '../../db/schema.js'
import type { Db, Queryable, Tx } from '../../db/client.js'
import { evaluateStatus, type TrialStatus } from '../domain/status.js'
import type { Attribution } from '../domain/protocol.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { SERVICE_VERSION } from '../version.js'
import { loadProtocol } from './protocols.js'
import { reclassifyParticipant } from './classification.js'

/** What caused a re-evaluation: recorded with every decision. */
export interface Trigger {
  type: string
  entity?: string
  entityId?: string
  change?: string
  actor?: string
}

export type StatusDocument = TrialStatus & { trialId: string, asOf: string, protocolVersion: number, decisionId: string }

export const STATUS_CHANNEL = 'dlt_status'

type TrialRow = typeof trials.$inferSelect

/** Everything the status engine needs, read without scanning the trial's AEs. */
async function statusInput (db: Queryable, trial: TrialRow) {
  const [people, signals] = await Promise.all([
    db.select({
      participantId: participants.participantId,
      doseLevel: participants.doseLevel,
      armId: participants.armId,
      status: participants.status,
      withdrawnAt: participants.withdrawnAt,
      firstAdministrationAt: participants.firstAdministrationAt,
      lastAdministrationAt: participants.lastAdministrationAt,
      dltCount: participants.dltCount,
      pendingDltCount: participants.pendingDltCount,
      pendingDltUntil: participants.pendingDltUntil,
      seq: participants.seq
    }).from(participants).where(eq(participants.trialId, trial.trialId)),
    // Served by the partial index adverse_events_signals: only serious or fatal AEs.
    db.select({
      aeId: adverseEvents.aeId,
      participantId: adverseEvents.participantId,
      doseLevel: adverseEvents.doseLevel,
      grade: adverseEvents.grade,
      serious: adverseEvents.serious,
      attribution: adverseEvents.attribution
    }).from(adverseEvents).where(and(
      eq(adverseEvents.trialId, trial.trialId),
      isNull(adverseEvents.nullifiedAt),
      or(eq(adverseEvents.serious, true), eq(adverseEvents.grade, 5))
    ))
  ])
  const latest = people.reduce<(typeof people)[number] | undefined>((a, p) => a === undefined || p.seq > a.seq ? p : a, undefined)
  return {
    participants: people.map((p) => ({ ...p, status: p.status as 'enrolled' | 'withdrawn' | 'completed' })),
    signals: signals.map((s) => ({ ...s, attribution: s.attribution as Attribution })),
    currentDoseLevel: latest?.doseLevel ?? null,
    dmc: trial.dmcHold as 'pause' | 'terminate' | null
  }
}

async function compute (db: Queryable, trial: TrialRow, asOf: string): Promise<TrialStatus> {
  const protocol = await loadProtocol(db, trial.trialId, trial.protocolVersion)
  return evaluateStatus(protocol, await statusInput(db, trial), asOf)
}

/** The part of a status whose change makes a new decision record. */
const decisionKey = (s: TrialStatus) => canonicalJson({
  state: s.state,
  decision: s.decision,
  doseLevels: s.doseLevels.map((d) => [d.doseLevel, d.armId ?? null, d.enrolled, d.evaluable, d.pending, d.dlts, d.open, d.eliminated])
})

/**
 * Re-evaluates the trial inside a clinical write's transaction (the trial row
 * is locked by the caller), persists the status, and appends a decision when
 * it changed. Every decision is computed from a state that includes every
 * earlier committed write, because all writes of a trial serialise on its lock.
 */
export async function reevaluateStatus (tx: Tx, trialId: string, trigger: Trigger, asOf: string): Promise<StatusDocument> {
  const [trial] = await tx.select().from(trials).where(eq(trials.trialId, trialId))
  if (trial === undefined) throw new Error(`trial ${trialId} vanished inside its own transaction`)
  const protocol = await loadProtocol(tx, trialId, trial.protocolVersion)
  // Pending classifications that elapsed time has settled are settled first.
  const due = await tx.select({ participantId: participants.participantId }).from(participants)
    .where(and(eq(participants.trialId, trialId), lte(participants.pendingDltUntil, asOf)))
  for (const { participantId } of due) await reclassifyParticipant(tx, trialId, participantId, protocol, trial.protocolVersion, asOf)

  const status = evaluateStatus(protocol, await statusInput(tx, trial), asOf)
  const [stored] = await tx.select().from(trialStatus).where(eq(trialStatus.trialId, trialId))
  let decisionId = stored?.decisionId
  if (stored === undefined || decisionKey(stored.status as TrialStatus) !== decisionKey(status)) {
    decisionId = uuidv7()
    const snapshot = {
      status,
      protocolVersion: trial.protocolVersion,
      design: protocol.design,
      stoppingRules: protocol.stoppingRules,
      dmcHold: trial.dmcHold
    }
    await tx.insert(decisions).values({
      trialId,
      decisionId,
      at: asOf,
      trigger,
      protocolVersion: trial.protocolVersion,
      state: status.state,
      action: status.decision.action,
      nextDoseLevel: status.decision.nextDoseLevel,
      snapshot,
      serviceVersion: SERVICE_VERSION
    })
    await enqueueWebhooks(tx, trialId, { event: 'decision', trialId, decisionId, at: asOf, trigger, state: status.state, decision: status.decision })
    // Delivered to every instance's SSE subscribers when the transaction commits.
    await tx.execute(sql`select pg_notify(${STATUS_CHANNEL}, ${`${trialId} ${decisionId}`})`)
  }
  const row = { trialId, status, decisionId: decisionId!, evaluatedAt: asOf, nextChangeAt: status.nextChangeAt }
  await tx.insert(trialStatus).values(row).onConflictDoUpdate({ target: trialStatus.trialId, set: row })
  return { trialId, asOf, protocolVersion: trial.protocolVersion, decisionId: decisionId!, ...status }
}

async function enqueueWebhooks (tx: Tx, trialId: string, payload: Record<string, unknown>): Promise<void> {
  const hooks = await tx.select({ webhookId: webhooks.webhookId }).from(webhooks)
    .where(and(eq(webhooks.trialId, trialId), eq(webhooks.active, true)))
  if (hooks.length === 0) return
  await tx.insert(outbox).values(hooks.map((h) => ({ trialId, outboxId: uuidv7(), webhookId: h.webhookId, payload })))
}

/**
 * The status as of now. The stored status holds until its nextChangeAt (the
 * next DLT window to close); after that it is re-evaluated under the trial's
 * lock, so a change made by time alone is also recorded as a decision.
 */
export async function currentStatus (db: Db, trialId: string, asOf = new Date().toISOString()): Promise<StatusDocument | null> {
  const [row] = await db.select({
    status: trialStatus.status,
    decisionId: trialStatus.decisionId,
    nextChangeAt: trialStatus.nextChangeAt,
    protocolVersion: trials.protocolVersion
  }).from(trialStatus).innerJoin(trials, eq(trials.trialId, trialStatus.trialId)).where(eq(trialStatus.trialId, trialId))
  if (row === undefined) return null
  if (row.nextChangeAt === null || Date.parse(row.nextChangeAt) > Date.parse(asOf)) {
    return { trialId, asOf, protocolVersion: row.protocolVersion, decisionId: row.decisionId, ...(row.status as TrialStatus) }
  }
  return await db.transaction(async (tx) => {
    await tx.select({ trialId: trials.trialId }).from(trials).where(eq(trials.trialId, trialId)).for('update')
    return await reevaluateStatus(tx, trialId, { type: 'time', change: 'a DLT window or pending classification closed' }, asOf)
  })
}

/** The status as the engine computes it at any instant, without persisting (what-if and past views). */
export async function statusAt (db: Queryable, trial: TrialRow, asOf: string): Promise<TrialStatus> {
  return await compute(db, trial, asOf)
}

/** SHA-256 of a status document: what a DMC signature signs. */
export const statusHash = (status: unknown): string => createHash('sha256').update(canonicalJson(status)).digest('hex')

/** The newest decision id of a trial. */
export async function latestDecisionId (db: Queryable, trialId: string): Promise<string | null> {
  const [row] = await db.select({ decisionId: decisions.decisionId }).from(decisions)
    .where(eq(decisions.trialId, trialId)).orderBy(desc(decisions.decisionId)).limit(1)
  return row?.decisionId ?? null
}
