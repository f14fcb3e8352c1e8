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
  prevHash: z.string(),
  chain: z.number().int().describe('how `hash` is made: 1 SHA-256 (rows from before the chain was keyed), 2 HMAC-SHA256 with the server\'s audit key')
}).meta({ id: 'AuditEntry' })

export const auditBreakSchema = z.object({
  kind: z.enum(['sequence', 'link', 'content', 'unkeyed', 'anchor', 'clinical'])
    .describe('sequence: rows missing; link: prevHash is not the previous row\'s hash; content: the row does not match its hash; unkeyed: an unkeyed row where only keyed ones may be; anchor: the chain\'s end is not what the trial row anchored (rows removed from the end); clinical: an AE version, decision or DMC decision without its audit row, or differing from it'),
  seq: z.number().int().nullable().describe('the position in the chain the break is at (null: a clinical row no audit row names)'),
  auditId: z.string().nullable(),
  record: z.object({ table: z.string(), id: z.string() }).nullable().describe('the clinical row concerned (kind clinical)'),
  problem: z.string()
}).meta({ id: 'AuditBreak' })

export const auditVerdictSchema = z.object({
  trialId: z.string(),
  valid: z.boolean(),
  checked: z.number().int().describe('rows verified before the first broken one (all rows when valid)'),
  rows: z.number().int().describe('rows read'),
  anchor: z.object({ count: z.number().int(), head: z.string() }).describe('what the trial row says the chain holds: its length and last hash'),
  firstBroken: z.object({ seq: z.number().int().nullable(), auditId: z.string().nullable(), problem: z.string() }).nullable().describe('the first of `breaks`'),
  breakCount: z.number().int().describe('every break found; `breaks` lists the first 1000'),
  breaks: z.array(auditBreakSchema)
}).meta({ id: 'AuditVerdict' })

export type AuditBreak = z.infer<typeof auditBreakSchema>
export type AuditVerdict = z.infer<typeof auditVerdictSchema>
