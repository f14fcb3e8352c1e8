import { and, eq, gt, lte } from 'drizzle-orm'
import { streamTickets } from '../schema.js'
import type { Queryable } from '../client.js'
import type { Principal } from '../../src/auth/roles.js'

/** Keeps a new ticket, and deletes the trial's expired ones (a ticket is a credential, not a record). */
export async function insertStreamTicket (db: Queryable, row: typeof streamTickets.$inferInsert, now: string): Promise<void> {
  await db.delete(streamTickets).where(and(eq(streamTickets.trialId, row.trialId), lte(streamTickets.expiresAt, now)))
  await db.insert(streamTickets).values(row)
}

/**
 * Redeems a ticket: deletes it and returns its principal, when it names this
 * trial and has not expired. A DELETE ... RETURNING, so of two instances
 * redeeming one ticket at once, one gets it.
 */
export async function redeemStreamTicket (db: Queryable, trialId: string, ticketHash: string, now: string): Promise<Principal | undefined> {
  const [row] = await db.delete(streamTickets)
    .where(and(eq(streamTickets.trialId, trialId), eq(streamTickets.ticketHash, ticketHash), gt(streamTickets.expiresAt, now)))
    .returning({ principal: streamTickets.principal })
  return row?.principal
}
