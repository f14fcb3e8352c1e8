import { createHash } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import { decisions, outbox, trials, trialStatus, type TrialRow, type TrialStatusRow as StatusRow } from '../../db/schema.js'
import type { Db, Queryable } from '../../db/client.js'
import { columnsOf, insertRows, selectRows, send, statement } from '../../db/statements.js'
import { evaluateStatus, type TrialStatus } from '../domain/status.js'
import type { ParticipantSummary } from '../domain/evaluability.js'
import type { SafetySignal } from '../domain/stopping-rules.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { SERVICE_VERSION } from '../version.js'
import { loadProtocol } from './protocols.js'
import { reclassifyParticipant } from './classification.js'
import { pipelinedTransaction, type Pipeline } from './pipeline.js'

/** What caused a re-evaluation: recorded with every decision. */
export interface Trigger {
  type: string
  entity?: string
  entityId?: string
  change?: string
  actor?: string
  /** an admin's reason for dosing against the decision */
  override?: string
}

export type StatusDocument = Omit<TrialStatus, 'participants'> & { trialId: string, asOf: string, protocolVersion: number, decisionId: string }

export const STATUS_CHANNEL = 'dlt_status'

/** A participant as the engine reads it: every field present, as stored. */
type EngineParticipant = Required<ParticipantSummary> & { seq: number }

/** Everything the status engine needs, read without scanning the trial's AEs. */
async function statusInput (db: Queryable, trialId: string) {
  const [people, signals] = await Promise.all([
    selectRows<EngineParticipant>(db, statement`select participant_id as "participantId", dose_level as "doseLevel", arm_id as "armId", status,
        withdrawn_at as "withdrawnAt", first_administration_at as "firstAdministrationAt", last_administration_at as "lastAdministrationAt",
        dlt_count as "dltCount", pending_dlt_count as "pendingDltCount", pending_dlt_until as "pendingDltUntil", seq
      from participants where trial_id = ${trialId}`),
    // Served by the partial index adverse_events_signals: only serious or fatal AEs (isSafetySignal).
    selectRows<SafetySignal>(db, statement`select ae_id as "aeId", participant_id as "participantId", dose_level as "doseLevel", grade, serious, attribution
      from adverse_events where trial_id = ${trialId} and nullified_at is null and (serious or grade = 5)`)
  ])
  const latest = people.reduce<EngineParticipant | undefined>((a, p) => a === undefined || p.seq > a.seq ? p : a, undefined)
  return { participants: people, signals, currentDoseLevel: latest?.doseLevel ?? null }
}

/** The status as stored and served: the participant-level rows live only in the decision snapshots. */
type StoredStatus = Omit<TrialStatus, 'participants'>

/** The part of a status whose change makes a new decision record: everything but the clock. */
const decisionKey = (s: Pick<StoredStatus, 'state' | 'decision' | 'doseLevels'>) => canonicalJson({ state: s.state, decision: s.decision, doseLevels: s.doseLevels })

/**
 * Re-evaluates the trial inside a clinical write's transaction (the trial row
 * is locked by the caller), persists the status, and appends a decision when
 * it changed. Every decision is computed from a state that includes every
 * earlier committed write, because all writes of a trial serialise on its lock.
 */
export async function reevaluateStatus (pipeline: Pipeline, trialId: string, trigger: Trigger, asOf: string): Promise<StatusDocument> {
  const { tx, defer } = pipeline
  // The write may have changed the trial row (an amendment, a DMC hold): read it with the stored
  // status, the engine's inputs and the webhooks, all in one round trip.
  const [[trial], [stored], firstInput, hooks] = await Promise.all([
    selectRows<TrialRow>(tx, statement`select ${columnsOf(trials)} from trials where trial_id = ${trialId}`),
    selectRows<StatusRow>(tx, statement`select ${columnsOf(trialStatus)} from trial_status where trial_id = ${trialId}`),
    statusInput(tx, trialId),
    selectRows<{ webhookId: string }>(tx, statement`select webhook_id as "webhookId" from webhooks where trial_id = ${trialId} and active`)
  ])
  if (trial === undefined) throw new Error(`trial ${trialId} vanished inside its own transaction`)
  const protocol = await loadProtocol(tx, trialId, trial.protocolVersion)
  let input = firstInput
  // Pending classifications that elapsed time has settled are settled first.
  const due = input.participants.filter((p) => p.pendingDltUntil !== null && Date.parse(p.pendingDltUntil) <= Date.parse(asOf))
  if (due.length > 0) {
    for (const { participantId } of due) await reclassifyParticipant(pipeline, trialId, participantId, protocol, trial.protocolVersion, asOf)
    input = await statusInput(tx, trialId)
  }

  const status = evaluateStatus(protocol, { ...input, dmc: trial.dmcHold as 'pause' | 'terminate' | null }, asOf)
  const { participants: _, ...served } = status
  const changed = stored === undefined || decisionKey(stored.status as StoredStatus) !== decisionKey(served)
  const decisionId = changed ? uuidv7() : stored.decisionId
  if (changed) {
    const snapshot = { status, protocolVersion: trial.protocolVersion, design: protocol.design, stoppingRules: protocol.stoppingRules, dmcHold: trial.dmcHold }
    defer(tx.insert(decisions).values({
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
    }).execute())
    const payload = { event: 'decision', trialId, decisionId, at: asOf, trigger, state: status.state, decision: status.decision }
    if (hooks.length > 0) defer(tx.insert(outbox).values(hooks.map((h) => ({ trialId, outboxId: uuidv7(), webhookId: h.webhookId, payload }))).execute())
    // Delivered to every instance's SSE subscribers when the transaction commits.
    defer(tx.execute(sql`select pg_notify(${STATUS_CHANNEL}, ${`${trialId} ${decisionId}`})`).execute())
  }
  if (changed || !sameInstant(stored.nextChangeAt, served.nextChangeAt)) {
    const row = { trialId, status: served, decisionId, evaluatedAt: asOf, nextChangeAt: served.nextChangeAt }
    defer(send(tx, insertRows(trialStatus, [row], `on conflict (trial_id) do update set
      status = excluded.status, decision_id = excluded.decision_id, evaluated_at = excluded.evaluated_at, next_change_at = excluded.next_change_at`)))
  }
  return { trialId, asOf, protocolVersion: trial.protocolVersion, decisionId, ...served }
}

const sameInstant = (a: string | null, b: string | null) => a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b))

interface StoredStatusRow { status: StoredStatus, decisionId: string, nextChangeAt: string | null, protocolVersion: number }

/** The stored status row of a trial, with the protocol version in force: the hottest read of the service. */
async function storedStatus (db: Queryable, trialId: string): Promise<StoredStatusRow | undefined> {
  const [row] = await selectRows<StoredStatusRow>(db, statement`select s.status, s.decision_id as "decisionId",
      s.next_change_at as "nextChangeAt", t.protocol_version as "protocolVersion"
    from trial_status s join trials t on t.trial_id = s.trial_id where s.trial_id = ${trialId}`)
  return row
}

const stillValid = (nextChangeAt: string | null, asOf: string) => nextChangeAt === null || Date.parse(nextChangeAt) > Date.parse(asOf)

/**
 * The status as of now. The stored status holds until its nextChangeAt (the
 * next DLT window to close); after that it is re-evaluated under the trial's
 * lock, so a change made by time alone is also recorded as a decision.
 */
export async function currentStatus (db: Db, trialId: string, asOf = new Date().toISOString()): Promise<StatusDocument | null> {
  const row = await storedStatus(db, trialId)
  if (row === undefined) return null
  if (stillValid(row.nextChangeAt, asOf)) {
    return { trialId, asOf, protocolVersion: row.protocolVersion, decisionId: row.decisionId, ...row.status }
  }
  return await pipelinedTransaction(db, async (pipeline) => {
    await pipeline.tx.select({ trialId: trials.trialId }).from(trials).where(eq(trials.trialId, trialId)).for('update')
    return await statusInTransaction(pipeline, trialId, asOf)
  })
}

/** The status inside a clinical write (the caller holds the trial lock): re-evaluated first when time has moved it. */
export async function statusInTransaction (pipeline: Pipeline, trialId: string, asOf: string): Promise<StatusDocument> {
  const row = await storedStatus(pipeline.tx, trialId)
  if (row !== undefined && stillValid(row.nextChangeAt, asOf)) {
    return { trialId, asOf, protocolVersion: row.protocolVersion, decisionId: row.decisionId, ...row.status }
  }
  return await reevaluateStatus(pipeline, trialId, { type: 'time', change: 'a DLT window or pending classification closed' }, asOf)
}

/** SHA-256 of a status document: what a DMC signature signs. */
export const statusHash = (status: unknown): string => createHash('sha256').update(canonicalJson(status)).digest('hex')
