import { createHash } from 'node:crypto'
import { uuidv7 } from 'uuidv7'
import type { Db, Queryable } from '../../db/client.js'
import { readSafetySignals } from '../../db/repos/adverse-events.js'
import { readEngineParticipants, type EngineParticipant } from '../../db/repos/participants.js'
import { insertDecision, notify, readReviewedReasons, readStatusRow, readStoredStatus, upsertStatus, type StoredStatus } from '../../db/repos/status.js'
import { readChainHead } from '../../db/repos/audit.js'
import { lockTrialId, readTrial } from '../../db/repos/trials.js'
import { sendWrite } from '../../db/repos/writes.js'
import { applyAmendmentLimit } from '../domain/amendment.js'
import type { DmcInForce } from '../domain/dmc.js'
import type { Protocol } from '../domain/protocol.js'
import { scheduleFor } from '../domain/schedule.js'
import { currentLevelOf, evaluateStatus, type StatusParticipant, type TrialStatus } from '../domain/status.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { SERVICE_VERSION } from '../version.js'
import { loadProtocol } from './protocols.js'
import { reclassifyParticipant } from './classification.js'
import { auditKeyOf, auditor, decisionEntry, parseChainHead, SYSTEM, type Auditor } from './audit.js'
import { pipelinedTransaction, type Pipeline } from './pipeline.js'
import { enqueueDecisionDeliveries } from './webhook-events.js'

/** What caused a re-evaluation: recorded with every decision. */
export interface Trigger {
  type: string
  entity?: string
  entityId?: string
  change?: string
  actor?: string
  /** an admin's reason for dosing against the decision */
  override?: string
  /** an admin's reason for re-opening a terminated trial */
  reason?: string
  /** the verdicts an amendment with reclassify changed */
  reclassified?: Array<{ aeId: string, from: string, to: string }>
  /** the triggers of the writes committed with this one in one group, before it (see clinicalWrite) */
  coalesced?: Trigger[]
}

export type StatusDocument = Omit<TrialStatus, 'participants'> & { trialId: string, asOf: string, protocolVersion: number, decisionId: string }

export const STATUS_CHANNEL = 'dlt_status'

/** A clinical write's transaction, with its trial's audit chain: every decision has an audit row. */
export type AuditedPipeline = Pipeline & Pick<Auditor, 'audit'>

/** Everything the status engine needs, read without scanning the trial's AEs. */
async function statusInput (db: Queryable, trialId: string) {
  const [people, signals] = await Promise.all([
    readEngineParticipants(db, trialId),
    readSafetySignals(db, trialId)
  ])
  // Backfills (below the level the design named) and overrides do not move the design's current level.
  return { participants: people, signals, currentDoseLevel: currentLevelOf(people.filter((p) => !p.backfill)) }
}

/** The participants with their group's planned schedule, where the protocol has one (windows, exposure). */
const withSchedules = (protocol: Protocol, people: EngineParticipant[]): StatusParticipant[] => people.map((p) => {
  const schedule = scheduleFor(protocol, p)
  return schedule === undefined ? p : { ...p, schedule }
})

/** The part of a status whose change makes a new decision record: everything but the clock. */
const decisionKey = (s: Pick<StoredStatus, 'state' | 'decision' | 'doseLevels'>) => canonicalJson({ state: s.state, decision: s.decision, doseLevels: s.doseLevels })

/**
 * Re-evaluates the trial inside a clinical write's transaction (the trial row
 * is locked by the caller), persists the status, and appends a decision when
 * it changed. Every decision is computed from a state that includes every
 * earlier committed write, because all writes of a trial serialise on its lock.
 */
export async function reevaluateStatus (pipeline: AuditedPipeline, trialId: string, trigger: Trigger, asOf: string): Promise<StatusDocument> {
  const { tx, defer } = pipeline
  // The write may have changed the trial row (an amendment, a DMC hold): read it with the stored
  // status and the engine's inputs, all in one round trip.
  const [trial, stored, firstInput, reviewed] = await Promise.all([
    readTrial(tx, trialId),
    readStatusRow(tx, trialId),
    statusInput(tx, trialId),
    readReviewedReasons(tx, trialId)
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

  // An amendment applies forward: until the DMC's next decision it cannot re-open what the version before closed.
  const evaluated = evaluateStatus(protocol, { ...input, participants: withSchedules(protocol, input.participants), dmc: trial.dmcHold as DmcInForce, dmcReviewed: reviewed ?? [] }, asOf)
  const status = applyAmendmentLimit(evaluated, trial.amendmentLimit)
  const { participants: _, ...served } = status
  // An admin acting against the decision in force (an override, a re-opening) is always in the decision history.
  const adminAct = trigger.override !== undefined || trigger.reason !== undefined
  const changed = stored === undefined || adminAct || decisionKey(stored.status as StoredStatus) !== decisionKey(served)
  const decisionId = changed ? uuidv7() : stored.decisionId
  if (changed) {
    // The protocol's assumptions travel with the decision, so a reader sees which of its inputs the record did not state.
    const assumptions = protocol.assumptions === undefined ? {} : { assumptions: protocol.assumptions }
    const limit = trial.amendmentLimit === null ? {} : { amendmentLimit: trial.amendmentLimit }
    const snapshot = { status, protocolVersion: trial.protocolVersion, design: protocol.design, stoppingRules: protocol.stoppingRules, ...assumptions, dmcHold: trial.dmcHold, ...limit }
    const decision = {
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
    }
    defer(insertDecision(tx, decision))
    pipeline.audit(decisionEntry(decision))
    defer(enqueueDecisionDeliveries(tx, trialId, { decisionId, at: asOf, trigger, state: status.state, decision: status.decision }))
    // Delivered to every instance's SSE subscribers when the transaction commits.
    defer(notify(tx, STATUS_CHANNEL, `${trialId} ${decisionId}`))
  }
  if (changed || !sameInstant(stored.nextChangeAt, served.nextChangeAt)) {
    const row = { trialId, status: served, decisionId, evaluatedAt: asOf, nextChangeAt: served.nextChangeAt }
    defer(sendWrite(tx, upsertStatus(row)))
  }
  return { trialId, asOf, protocolVersion: trial.protocolVersion, decisionId, ...served }
}

const sameInstant = (a: string | null, b: string | null) => a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b))

const stillValid = (nextChangeAt: string | null, asOf: string) => nextChangeAt === null || Date.parse(nextChangeAt) > Date.parse(asOf)

/**
 * The status as of now. The stored status holds until its nextChangeAt (the
 * next DLT window to close); after that it is re-evaluated under the trial's
 * lock, so a change made by time alone is also recorded as a decision.
 */
export async function currentStatus (db: Db, trialId: string, asOf = new Date().toISOString()): Promise<StatusDocument | null> {
  const row = await readStoredStatus(db, trialId)
  if (row === undefined) return null
  if (stillValid(row.nextChangeAt, asOf)) {
    return { trialId, asOf, protocolVersion: row.protocolVersion, decisionId: row.decisionId, ...row.status }
  }
  return await pipelinedTransaction(db, async (pipeline) => {
    const [, head] = await Promise.all([lockTrialId(pipeline.tx, trialId), readChainHead(pipeline.tx, trialId)])
    const { audit } = auditor(pipeline, auditKeyOf(db), trialId, SYSTEM, asOf, parseChainHead(head))
    return await statusInTransaction({ ...pipeline, audit }, trialId, asOf)
  })
}

/** The status inside a clinical write (the caller holds the trial lock): re-evaluated first when time has moved it. */
export async function statusInTransaction (pipeline: AuditedPipeline, trialId: string, asOf: string): Promise<StatusDocument> {
  const row = await readStoredStatus(pipeline.tx, trialId)
  if (row !== undefined && stillValid(row.nextChangeAt, asOf)) {
    return { trialId, asOf, protocolVersion: row.protocolVersion, decisionId: row.decisionId, ...row.status }
  }
  return await reevaluateStatus(pipeline, trialId, { type: 'time', change: 'a DLT window or pending classification closed' }, asOf)
}

/** SHA-256 of a status document: what a DMC signature signs. */
export const statusHash = (status: unknown): string => createHash('sha256').update(canonicalJson(status)).digest('hex')
