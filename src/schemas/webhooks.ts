// The webhook routes' schemas, and the payloads a receiver gets (declared once: the
// deliverer builds them, the OpenAPI document's `webhooks` object describes them).
import { z } from 'zod'
import { decisionBlockSchema } from './status.js'

export const webhookSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  active: z.boolean().describe('false: disabled; nothing is enqueued or sent, pending deliveries wait until it is enabled'),
  previousSecretUntil: z.string().nullable().describe('after a rotation: until then deliveries are signed with the previous secret too'),
  createdBy: z.string(),
  createdAt: z.string()
}).meta({ id: 'Webhook' })

export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z.string().describe('the Standard Webhooks signing secret (`whsec_` + base64): shown this once, never again')
}).meta({ id: 'WebhookWithSecret' })

export const deliverySchema = z.object({
  deliveryId: z.string().describe('the `webhook-id` header of every attempt (signed)'),
  webhookId: z.string(),
  type: z.string(),
  sequence: z.number().int().nullable().describe('the trial\'s event number; null for a ping'),
  state: z.enum(['pending', 'delivered', 'dead']).describe('dead: the last attempt failed (a dead letter, until replayed)'),
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('pending only'),
  deliveredAt: z.string().nullable(),
  deadAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string()
}).meta({ id: 'WebhookDelivery' })

const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({
  type: z.literal(type),
  timestamp: z.string().describe('when the event happened (ISO 8601)'),
  data
})

export const decisionEventSchema = envelope('trial.decision', z.object({
  trialId: z.string(),
  sequence: z.number().int().min(1).describe('the trial\'s event number: 1, 2, 3, … in the order the decisions were made; a subscription gets them in this order'),
  decisionId: z.string(),
  at: z.string(),
  trigger: z.record(z.string(), z.unknown()).describe('what caused the re-evaluation'),
  state: z.enum(['go', 'hold', 'stop']),
  decision: decisionBlockSchema
})).describe('A new decision of the trial (its stop/go status changed)').meta({ id: 'WebhookDecisionEvent' })

export const pingEventSchema = envelope('webhook.ping', z.object({
  trialId: z.string(),
  webhookId: z.string()
})).describe('A test message, sent on request').meta({ id: 'WebhookPingEvent' })

export type DecisionEvent = z.output<typeof decisionEventSchema>
export type PingEvent = z.output<typeof pingEventSchema>

const signedHeaders = [
  { name: 'webhook-id', description: 'the delivery id, the same on every attempt (deduplicate on it)' },
  { name: 'webhook-timestamp', description: 'seconds since the epoch when this attempt was sent' },
  {
    name: 'webhook-signature',
    description: 'space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, one per secret in force (two during a rotation\'s overlap)'
  }
].map((h) => ({ ...h, in: 'header' as const, required: true, schema: { type: 'string' as const } }))

/** The JSON Schema of an event, as an OpenAPI component (its id is its meta id). */
function component (schema: z.ZodType): { id: string, schema: Record<string, unknown> } {
  const { $ref, $defs } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { $ref: string, $defs: Record<string, unknown> }
  const id = $ref.replace('#/$defs/', '')
  // Named schemas inside it become components too, referenced where OpenAPI looks for them.
  const text = JSON.stringify($defs).replaceAll('"#/$defs/', '"#/components/schemas/')
  return { id, schema: JSON.parse(text) as Record<string, unknown> }
}

const events = { trialDecision: [decisionEventSchema, 'A trial\'s decision changed'], webhookPing: [pingEventSchema, 'A test ping'] } as const

/** The OpenAPI document's `webhooks` object, and the components its payloads are. */
export function webhooksDocument (): { webhooks: Record<string, unknown>, components: Record<string, unknown> } {
  const webhooks: Record<string, unknown> = {}
  let components: Record<string, unknown> = {}
  for (const [name, [schema, summary]] of Object.entries(events)) {
    const { id, schema: defs } = component(schema)
    components = { ...components, ...defs }
    webhooks[name] = {
      post: {
        // The receiver's operation: named for client generators, which make a handler of it.
        operationId: `receive${name[0]!.toUpperCase()}${name.slice(1)}`,
        summary,
        description: 'Sent as Standard Webhooks (https://www.standardwebhooks.com): verify it with the subscription\'s secret, e.g. with the `standardwebhooks` library. Answer 2xx to acknowledge; anything else, or no answer within the timeout, is retried with backoff and dead-lettered after the last attempt. A subscription gets one delivery at a time, in sequence order; a delivery may arrive more than once (deduplicate on `webhook-id`).',
        parameters: signedHeaders,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } } },
        responses: { '2XX': { description: 'Acknowledged' } }
      }
    }
  }
  return { webhooks, components }
}
