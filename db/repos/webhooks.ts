import type { Queryable } from '../client.js'
import { selectRows, statement } from '../statements.js'

/** The ids of the trial's active webhooks. */
export async function readActiveWebhookIds (db: Queryable, trialId: string): Promise<Array<{ webhookId: string }>> {
  return await selectRows<{ webhookId: string }>(db, statement`select webhook_id as "webhookId" from webhooks where trial_id = ${trialId} and active`)
}
