// The participant routes' request and response schemas; the service's input
// and view types are their z.output.
import { z } from 'zod'
import { clientId } from './params.js'

export const participantParams = z.strictObject({ trialId: clientId, participantId: clientId })
export const instant = z.iso.datetime({ offset: true })
export const reason = z.string().trim().min(1).max(2000)
const doseLevel = z.number().int().min(0).max(99)
export const override = z.strictObject({ reason: reason.describe('why the decision is overridden (audited)') })
  .describe('admin only: enrol or dose although the current decision does not allow it')

export const enrolBody = z.strictObject({
  participantId: clientId,
  siteId: clientId,
  doseLevel: doseLevel.optional().describe('give doseLevel or armId'),
  armId: clientId.optional(),
  enrolledOn: z.iso.date(),
  override: override.optional()
})

export const participantSchema = z.object({
  participantId: z.string(),
  siteId: z.string(),
  doseLevel: z.number().int(),
  armId: z.string().nullable(),
  enrolledOn: z.string(),
  status: z.enum(['enrolled', 'withdrawn', 'completed']),
  withdrawnAt: z.string().nullable(),
  withdrawalReason: z.string().nullable(),
  overrideReason: z.string().nullable().describe('set when an admin enrolled against the decision'),
  version: z.number().int(),
  dltCount: z.number().int(),
  firstAdministrationAt: z.string().nullable(),
  lastAdministrationAt: z.string().nullable()
}).meta({ id: 'Participant' })

export const doseSchema = z.strictObject({ value: z.number().min(0).max(1e30), unit: z.string().trim().min(1).max(32) })

export const administrationBody = z.strictObject({
  administeredAt: instant,
  doseLevel,
  dose: doseSchema.optional().describe('the dose actually given'),
  reason: reason.optional().describe('required when doseLevel is not the participant\'s (dose modification)'),
  override: override.optional()
})

export const administrationSchema = z.object({
  administrationId: z.string(),
  participantId: z.string(),
  administeredAt: z.string(),
  doseLevel: z.number().int(),
  dose: z.object({ value: z.number(), unit: z.string() }).nullable(),
  doseModification: z.boolean(),
  modificationReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string()
}).meta({ id: 'Administration' })

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(200).optional().describe('a repeat with the same key and body returns the first response')
})
