import type { Tx } from '../../db/client.js'
import { insertTrialEvent } from '../../db/repos/webhooks.js'
import type { DecisionEvent } from '../schemas/webhooks.js'
import type { Trigger } from './status.js'

/**
 * Queues a new decision for every active webhook of the trial: call it inside
 * the transaction that records the decision, holding the trial's lock (a
 * clinical write, a time-driven re-evaluation). The deliveries are rows of
 * that transaction (an outbox): they exist if and only if the decision
 * commits, and are sent after the commit, never inside it. Issued at once;
 * a pipeline may defer it.
 */
export function enqueueDecisionDeliveries (tx: Tx, trialId: string, decision: Omit<DecisionEvent['data'], 'trialId' | 'sequence' | 'trigger'> & { trigger: Trigger }): Promise<unknown> {
  // data.sequence is numbered by the statement, under the trial's lock.
  const payload = { type: 'trial.decision', timestamp: decision.at, data: { trialId, ...decision } }
  return insertTrialEvent(tx, trialId, payload)
}
