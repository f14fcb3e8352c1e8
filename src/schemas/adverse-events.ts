// The adverse-event routes' request and response schemas; the service's input
// and record types are their z.output, so a field is declared once, here.
import { z } from 'zod'
import { AE_OUTCOMES, ATTRIBUTIONS, DLT_VERDICTS, PARTICIPANT_PHASES, SAE_REPORT_KINDS, SERIOUSNESS_CRITERIA } from '../domain/vocabulary.js'
import { pageQuery } from '../http/pagination.js'
import { clientId, trialParams } from './params.js'

const text = (max: number) => z.string().trim().min(1).max(max)
const instant = z.iso.datetime({ offset: true })
export const reason = text(2000).describe('reason for the change (21 CFR 11)')
// Checked with the report's other problems (all reported in one 422), so the
// enum is documented here but enforced by the service.
const attribution = z.string().max(32).meta({ enum: [...ATTRIBUTIONS] })
  .describe('unrelated | unlikely | possible | probable | definite')
const criteria = z.array(z.enum(SERIOUSNESS_CRITERIA)).max(SERIOUSNESS_CRITERIA.length)

export const aeParams = trialParams.extend({ aeId: z.uuid() })

export const aeCreateBody = z.strictObject({
  participantId: clientId,
  term: text(200).optional().describe('CTCAE v5.0 term (case- and whitespace-insensitive); term or meddraCode is required'),
  meddraCode: z.string().regex(/^\d{8}$/, 'MedDRA code: 8 digits').optional(),
  otherSpecify: text(200).optional().describe('the event\'s name; required for "Other, specify" terms'),
  grade: z.number().int().min(1).max(5),
  onsetDate: z.iso.date(),
  resolvedDate: z.iso.date().optional(),
  serious: z.boolean(),
  seriousnessCriteria: criteria.optional().describe('required (at least one) when serious; absent otherwise'),
  attribution,
  expected: z.boolean().optional(),
  clinicalSymptoms: z.boolean().optional(),
  requiredMedicalTreatment: z.boolean().optional(),
  outcome: z.enum(AE_OUTCOMES).optional().describe('fatal exactly when grade 5'),
  actionTaken: text(500).optional(),
  externalId: text(128).optional().describe('the sending system\'s id; unique within the participant\'s site'),
  awareAt: instant.optional().describe('when the site became aware; default: when the request was received')
})

export const aePatchBody = z.strictObject({
  grade: z.number().int().min(1).max(5).optional(),
  onsetDate: z.iso.date().optional(),
  resolvedDate: z.iso.date().nullable().optional(),
  serious: z.boolean().optional(),
  seriousnessCriteria: criteria.nullable().optional(),
  attribution: attribution.optional(),
  expected: z.boolean().nullable().optional(),
  clinicalSymptoms: z.boolean().nullable().optional(),
  requiredMedicalTreatment: z.boolean().nullable().optional(),
  outcome: z.enum(AE_OUTCOMES).nullable().optional(),
  actionTaken: text(500).nullable().optional(),
  otherSpecify: text(200).nullable().optional(),
  awareAt: instant.optional(),
  reason,
  correction: z.literal(true).optional()
    .describe('the follow-up corrects an entry error: its grade replaces the worst grade reached for the DLT verdict (otherwise a lower grade keeps the DLT); the reason says what was wrong')
}).describe('JSON Merge Patch (RFC 7396): an absent field is unchanged, null clears it; reason is required')

/** The patch's fields about the change itself, not fields of the AE: never stored on it, never compared. */
export const AE_PATCH_META = ['reason', 'correction'] as const

const aeRecordShape = {
  aeId: z.uuid(),
  version: z.number().int(),
  participantId: z.string(),
  siteId: z.string(),
  doseLevel: z.number().int(),
  term: z.string(),
  meddraCode: z.string(),
  otherSpecify: z.string().nullable(),
  grade: z.number().int(),
  onsetDate: z.string(),
  resolvedDate: z.string().nullable(),
  serious: z.boolean(),
  seriousnessCriteria: z.array(z.enum(SERIOUSNESS_CRITERIA)),
  attribution: z.enum(ATTRIBUTIONS),
  expected: z.boolean().nullable(),
  clinicalSymptoms: z.boolean().nullable(),
  requiredMedicalTreatment: z.boolean().nullable(),
  outcome: z.enum(AE_OUTCOMES).nullable(),
  actionTaken: z.string().nullable(),
  externalId: z.string().nullable(),
  awareAt: z.string().describe('UTC instant'),
  phase: z.enum(PARTICIPANT_PHASES).describe('the participant\'s phase on the day of onset: after the end of treatment (follow_up) or after withdrawal (off_study) the AE still counts for the SAE and death rules and SAE clocks, and as a DLT only inside the window'),
  nullified: z.boolean().describe('nullified entries are kept with their history but left out of counts and lists (unless includeNullified)'),
  nullification: z.object({ at: z.string(), reason: z.string() }).nullable(),
  ctcae: z.object({ version: z.string(), term: z.string(), meddraCode: z.string(), soc: z.string() }),
  dlt: z.object({
    isDlt: z.boolean().describe('the verdict in force: the adjudicated one when adjudicated, else the computed one; false while pending or needs_information'),
    verdict: z.enum(DLT_VERDICTS).describe('dlt | not_dlt | pending (elapsed time settles it) | needs_information (the site must state the fields in missing; the participant is pending meanwhile)'),
    missing: z.array(z.string()).describe('while needs_information: the AE fields the verdict waits for (e.g. clinicalSymptoms)'),
    grade: z.number().int().describe('the grade the verdict uses: the worst the AE reached over its versions, reset by a correction'),
    pending: z.boolean().describe('not decidable yet (e.g. a duration condition of an unresolved AE, or information missing)'),
    reasons: z.array(z.string()),
    protocolVersion: z.number().int(),
    computed: z.object({ isDlt: z.boolean(), pending: z.boolean() }).describe('the protocol\'s own verdict'),
    adjudicated: z.boolean().nullable().describe('the latest adjudication\'s verdict; null when not adjudicated'),
    readjudicate: z.object({ changed: z.array(z.string()) }).nullable()
      .describe('set when a follow-up changed facts the latest adjudication judged (named in changed): the computed verdict applies until a new adjudication')
  }),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string()
}

export const aeRecordSchema = z.object(aeRecordShape).meta({ id: 'AdverseEventVersion' })
export const aeSchema = z.object({
  ...aeRecordShape,
  saeReports: z.array(z.object({ kind: z.enum(SAE_REPORT_KINDS), dueAt: z.string(), basis: z.string() }))
    .describe('regulatory reports due for a serious AE, from awareAt')
}).meta({ id: 'AdverseEvent' })

export const aeHistorySchema = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  role: z.string(),
  reason: z.string().nullable(),
  correction: z.boolean().describe('the version corrected an entry error (its grade replaced the worst grade reached)'),
  snapshot: aeRecordSchema
})

export const adjudicationSchema = z.object({
  adjudicationId: z.uuid(),
  aeId: z.uuid(),
  isDlt: z.boolean(),
  computedIsDlt: z.boolean(),
  reason: z.string(),
  facts: z.record(z.string(), z.unknown()).describe('the AE\'s facts the adjudication judged: a follow-up changing one of them reopens it'),
  adjudicatedBy: z.string(),
  role: z.string(),
  createdAt: z.string(),
  adverseEvent: aeSchema
})

const flag = z.enum(['true', 'false']).transform((v) => v === 'true')

export const aeListQuery = z.strictObject({
  participantId: clientId.optional(),
  siteId: clientId.optional(),
  doseLevel: z.coerce.number().int().min(0).max(99).optional(),
  armId: clientId.optional(),
  minGrade: z.coerce.number().int().min(1).max(5).optional(),
  serious: flag.optional(),
  soc: z.string().max(200).optional(),
  isDlt: flag.optional(),
  dltVerdict: z.enum(DLT_VERDICTS).optional().describe('AEs with this verdict in force; needs_information lists the open queries to the sites'),
  readjudicate: flag.optional().describe('true: AEs whose adjudication a follow-up reopened (dlt.readjudicate set), awaiting a new adjudication'),
  onsetFrom: z.iso.date().optional(),
  onsetTo: z.iso.date().optional(),
  includeNullified: flag.default(false),
  ...pageQuery
})

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional().describe('a repeat with the same key and body returns the first response')
})
export const ifMatchHeaders = z.looseObject({ 'if-match': z.string().max(64).optional().describe('ETag of the version the change is based on (required)') })

export const saeReportSchema = z.object({
  aeId: z.uuid(),
  participantId: z.string(),
  siteId: z.string(),
  term: z.string(),
  grade: z.number().int(),
  kind: z.enum(SAE_REPORT_KINDS),
  dueAt: z.string().describe('UTC instant, counted from the AE\'s awareAt'),
  overdue: z.boolean().describe('dueAt has passed'),
  basis: z.string().describe('the regulation that sets this clock')
}).meta({ id: 'SaeReportDue' })
