// The DMC decision route's request and response schemas.
import { z } from 'zod'
import { statusSchema } from './status.js'

export const dmcDecisionBody = z.strictObject({
  decision: z.enum(['continue', 'modify', 'pause', 'terminate']),
  rationale: z.string().trim().min(1).max(10_000),
  statusDecisionId: z.uuid().describe('decisionId of the status this decision was taken on; a stale one is refused with 409'),
  signature: z.strictObject({
    meaning: z.enum(['approved', 'reviewed']).describe('the meaning of the electronic signature (21 CFR 11.50)')
  })
})

export const dmcDecisionSchema = z.object({
  dmcDecisionId: z.string(),
  decision: z.enum(['continue', 'modify', 'pause', 'terminate']),
  rationale: z.string(),
  statusDecisionId: z.string(),
  signature: z.object({ signer: z.string(), meaning: z.string(), signedAt: z.string(), statusSha256: z.string() }),
  status: statusSchema
})

export const reopenBody = z.strictObject({
  reason: z.string().trim().min(1).max(10_000).describe('why the trial is re-opened after the DMC terminated it (audited, kept in the decision history)')
})

export const reopenSchema = z.object({
  trialId: z.string(),
  reason: z.string(),
  reopenedBy: z.string(),
  reopenedAt: z.string(),
  status: statusSchema
}).meta({ id: 'TrialReopening' })
