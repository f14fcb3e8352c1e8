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
  lastAdministrationAt: z.string().nullable(),
  treatmentEndedAt: z.string().nullable().describe('end of treatment: the participant stays on study, in follow-up'),
  treatmentEndReason: z.string().nullable(),
  phase: z.enum(['on_treatment', 'follow_up', 'off_study'])
    .describe('on treatment; in follow-up once treatment ended; off study once withdrawn (or completed)')
}).meta({ id: 'Participant' })

const slotStatus = z.enum(['received', 'off_window', 'due', 'upcoming', 'missed', 'not_given'])
  .describe('received in its allowed days, received outside them (off_window), due now, upcoming, missed (its allowed days passed or a later one was received), or not given (treatment ended or the participant withdrew before its allowed days passed)')

export const participantScheduleSchema = z.object({
  firstDate: z.string().nullable().describe('local date (site calendar) of the first administration; null before it'),
  administrations: z.array(z.object({
    index: z.number().int(),
    plannedDate: z.string(),
    earliestDate: z.string(),
    latestDate: z.string(),
    inDltPeriod: z.boolean(),
    status: slotStatus,
    administeredAt: z.string().nullable(),
    administeredDate: z.string().nullable().describe('local date of the administration matched to this planned one')
  })).describe('the planned administrations, derived from the first administration, in the site\'s calendar'),
  unplanned: z.array(z.string()).describe('administrations beyond the schedule'),
  exposure: z.object({
    planned: z.number().int().describe('planned administrations in the DLT period'),
    received: z.number().int(),
    reachable: z.number().int().describe('received plus those still due or upcoming')
  })
}).meta({ id: 'ParticipantSchedule' })

export const participantDetailSchema = participantSchema.extend({
  schedule: participantScheduleSchema.nullable().describe('the group\'s planned schedule as this participant received it; null when the protocol plans none')
}).meta({ id: 'ParticipantDetail' })

export const treatmentEndBody = z.strictObject({ treatmentEndedAt: instant, reason })

export const dltAssessmentBody = z.strictObject({
  allAdverseEventsEntered: z.literal(true).describe('the site confirms every AE with onset in the DLT window is entered'),
  comment: z.string().trim().min(1).max(2000).optional()
})

export const dltAssessmentSchema = z.object({
  assessmentId: z.string(),
  participantId: z.string(),
  allAdverseEventsEntered: z.boolean(),
  comment: z.string().nullable(),
  recordedBy: z.string(),
  role: z.string(),
  recordedAt: z.string()
}).meta({ id: 'DltAssessment' })

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
