import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../../db/client.js'
import { insertStreamTicket, redeemStreamTicket } from '../../db/repos/stream-tickets.js'
import type { Principal } from '../auth/roles.js'
import { requireTrial } from './trials.js'

/** Long enough to open the stream after asking for it, short enough that a leaked URL is worth little. */
export const TICKET_TTL_MS = 60_000

// Only the hash is stored: a database reader cannot open streams with what it sees.
const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest('hex')

/**
 * A ticket that opens one trial's event stream once, within a minute, as
 * `principal` (its role, sites and trials): for browsers, whose EventSource
 * cannot send a bearer token. 404 when the trial does not exist.
 */
export async function issueTicket (db: Db, trialId: string, principal: Principal, now = new Date()): Promise<{ ticket: string, expiresAt: string }> {
  await requireTrial(db, trialId)
  const ticket = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + TICKET_TTL_MS).toISOString()
  await insertStreamTicket(db, { trialId, ticketHash: hashOf(ticket), principal, expiresAt }, now.toISOString())
  return { ticket, expiresAt }
}

/** The principal a ticket was issued to, when it is for this trial, unexpired and unused; it cannot be used again. */
export async function redeemTicket (db: Db, trialId: string, ticket: string, now = new Date()): Promise<Principal | undefined> {
  return await redeemStreamTicket(db, trialId, hashOf(ticket), now.toISOString())
}
