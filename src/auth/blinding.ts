import type { Db } from '../../db/client.js'
import { loadProtocol } from '../services/protocols.js'
import { requireTrial } from '../services/trials.js'

/**
 * Whether the protocol in force lets the DMC see participant-level records
 * (protocol.dmcUnblinded). A trial that does not exist is 404.
 */
export async function dmcUnblinded (db: Db, trialId: string): Promise<boolean> {
  const trial = await requireTrial(db, trialId)
  return (await loadProtocol(db, trialId, trial.protocolVersion)).dmcUnblinded === true
}
