import { uuidv7 } from 'uuidv7'
import type { Db } from '../../db/client.js'
import { insertDmcDecision, readCurrentDecisionId, readDecisionSnapshot } from '../../db/repos/decisions.js'
import { setAmendmentLimit, setDmcHold } from '../../db/repos/trials.js'
import type { Principal } from '../auth/roles.js'
import { dmcInForce, type DmcStep } from '../domain/dmc.js'
import { conflict } from '../lib/errors.js'
import { clinicalWrite } from './clinical-write.js'
import { statusHash } from './status.js'

export type DmcDecision = 'continue' | 'modify' | 'pause' | 'terminate'

export interface DmcDecisionInput {
  decision: DmcDecision
  rationale: string
  /** decisionId of the status this decision was taken on */
  statusDecisionId: string
  signature: { meaning: 'approved' | 'reviewed' }
}

/**
 * The steps before this one, as far as what is in force after them goes:
 * dmcInForce folds the steps in order and each result depends only on what
 * was in force before it, which trials.dmc_hold keeps.
 */
const inForceSoFar = (hold: string | null): DmcStep[] => hold === 'pause' || hold === 'terminate' ? [{ decision: hold }] : []

/**
 * Records a signed DMC decision on the status it names, which must still be
 * the current one (409 otherwise); the signature covers that status's
 * SHA-256. "pause" and "terminate" hold the trial; a later "continue" or
 * "modify" lifts a pause but never a termination (only an admin re-opening
 * does). The decision ends the limit of an amendment before it.
 */
export async function recordDmcDecision (db: Db, trialId: string, principal: Principal, body: DmcDecisionInput) {
  const result = await clinicalWrite(db, trialId, principal, { type: 'dmc_decision', entity: 'dmc_decision', change: body.decision }, async (ctx) => {
    // Under the trial lock the stored status names the latest decision.
    const current = await readCurrentDecisionId(ctx.tx, trialId)
    if (current !== body.statusDecisionId) {
      throw conflict('stale-status', 'The status this decision was taken on is no longer current; review the current status and decide again', { currentDecisionId: current })
    }
    const signed = await readDecisionSnapshot(ctx.tx, trialId, body.statusDecisionId)
    const row = {
      trialId,
      dmcDecisionId: uuidv7(),
      decision: body.decision,
      rationale: body.rationale,
      statusDecisionId: body.statusDecisionId,
      signer: principal.sub,
      meaning: body.signature.meaning,
      signedAt: ctx.at,
      statusHash: statusHash((signed as { status: unknown }).status)
    }
    await insertDmcDecision(ctx.tx, row)
    await setDmcHold(ctx.tx, trialId, dmcInForce([...inForceSoFar(ctx.trial.dmcHold), { decision: body.decision }]), ctx.at)
    if (ctx.trial.amendmentLimit !== null) await setAmendmentLimit(ctx.tx, trialId, null)
    ctx.audit({ action: 'create', entity: 'dmc_decision', entityId: row.dmcDecisionId, after: row, reason: body.rationale })
    return row
  })
  // The write has a trigger and never keeps the status: it is re-evaluated.
  return { row: result.value, status: result.status! }
}

/**
 * An admin re-opens a trial the DMC terminated, with the reason (audited and
 * kept in the trigger of the decision it causes). Only a termination is
 * lifted this way: 409 when none is in force.
 */
export async function reopenTrial (db: Db, trialId: string, principal: Principal, reason: string) {
  const trigger = { type: 'trial_reopened', entity: 'trial', entityId: trialId, change: 'reopen', reason }
  const result = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    if (ctx.trial.dmcHold !== 'terminate') {
      throw conflict('trial-not-terminated', `Trial ${trialId} is not terminated by the DMC: there is nothing to re-open`, { dmcHold: ctx.trial.dmcHold })
    }
    const hold = dmcInForce([...inForceSoFar(ctx.trial.dmcHold), { decision: 'reopen', reason }])
    await setDmcHold(ctx.tx, trialId, hold, ctx.at)
    ctx.audit({ action: 'reopen', entity: 'trial', entityId: trialId, before: { dmcHold: ctx.trial.dmcHold }, after: { dmcHold: hold }, reason })
    return { trialId, reason, reopenedBy: principal.sub, reopenedAt: ctx.at }
  })
  return { ...result.value, status: result.status! }
}
