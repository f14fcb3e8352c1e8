// The webhook routes' response schema.
import { z } from 'zod'

export const webhookSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  active: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string()
}).meta({ id: 'Webhook' })
