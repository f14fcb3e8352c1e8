import { uuidv7 } from 'uuidv7'
import type { Db } from '../../db/client.js'
import { insertDmcDecision, readCurrentDecisionId, readDecisionSnapshot } from '../../db/repos/decisions.js'
import { setDmcHold } from '../../db/repos/trials.js'
import type { Principal } from '../auth/roles.js'
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

/** What each decision does to the trial's hold: undefined leaves it as it is. */
const HOLDS = { continue: null, modify: undefined, pause: 'pause', terminate: 'terminate' } as const

/**
 * Records a signed DMC decision on the status it names, which must still be
 * the current one (409 otherwise); the signature covers that status's
 * SHA-256. "pause" and "terminate" hold the trial, "continue" lifts the hold.
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
    const hold = HOLDS[body.decision]
    if (hold !== undefined) await setDmcHold(ctx.tx, trialId, hold, ctx.at)
    ctx.audit({ action: 'create', entity: 'dmc_decision', entityId: row.dmcDecisionId, after: row, reason: body.rationale })
    return row
  })
  // The write has a trigger and never keeps the status: it is re-evaluated.
  return { row: result.value, status: result.status! }
}
