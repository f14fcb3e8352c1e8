// The audit routes' response schemas.
import { z } from 'zod'

export const auditEntrySchema = z.object({
  seq: z.number().int().describe('position in the trial\'s hash chain, from 1'),
  auditId: z.string(),
  at: z.string(),
  actor: z.string(),
  role: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  reason: z.string().nullable(),
  hash: z.string(),
  prevHash: z.string()
}).meta({ id: 'AuditEntry' })

export const auditVerdictSchema = z.object({
  trialId: z.string(),
  valid: z.boolean(),
  checked: z.number().int().describe('rows verified before the first broken one (all rows when valid)'),
  firstBroken: z.object({ seq: z.number().int(), auditId: z.string(), problem: z.string() }).nullable()
}).meta({ id: 'AuditVerdict' })
