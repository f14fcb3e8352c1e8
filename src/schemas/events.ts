import { z } from 'zod'

export const streamTicketSchema = z.object({
  ticket: z.string().describe('opens the trial\'s event stream once: GET /v1/trials/{trialId}/events?ticket=...'),
  expiresAt: z.string().describe('the ticket is refused after this instant (a minute after it was issued)')
}).meta({ id: 'StreamTicket' })

export const eventsQuery = z.strictObject({
  ticket: z.string().min(1).max(128).optional()
    .describe('a stream ticket (POST .../events/tickets), instead of the Authorization header: for browsers, whose EventSource cannot send headers'),
  lastEventId: z.uuid().optional()
    .describe('as the Last-Event-ID header, for a new EventSource resuming where an earlier one stopped (the header wins when both are sent)')
})
