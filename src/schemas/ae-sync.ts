// The schemas of EDC synchronisation: bulk submission, upsert by the sending
// system's record id, and the change feed. Items reuse the single-AE schemas.
import { z } from 'zod'
import { pageQuery } from '../http/pagination.js'
import { problemSchema } from '../http/problem.js'
import { aeCreateBody, aeHistorySchema, aePatchBody, aeSchema, reason } from './adverse-events.js'
import { statusSchema } from './status.js'
import { trialParams } from './params.js'

export const BATCH_MAX_ITEMS = 1000
export const BATCH_MODES = ['atomic', 'independent'] as const

const externalId = z.string().trim().min(1).max(128)
const itemVersion = z.number().int().min(1)
  .describe('the version the change is based on (If-Match for this item): 412 when the AE is at another; absent, the change applies to the version stored')

/** A new AE; with upsert, the AE of that externalId is created or followed up (like PUT …/by-external-id/{externalId}). */
export const batchCreateItem = aeCreateBody.extend({
  upsert: z.literal(true).optional().describe('create the AE when its externalId is new, follow it up when stored, nothing when the same'),
  reason: reason.optional().describe('with upsert: the reason of the follow-up (required)'),
  version: itemVersion.optional()
}).superRefine((item, ctx) => {
  if (item.upsert !== true) {
    if (item.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only with upsert: a new AE has no reason' })
    if (item.version !== undefined) ctx.addIssue({ code: 'custom', path: ['version'], message: 'only with upsert: a new AE has no version' })
    return
  }
  if (item.externalId === undefined) ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'required with upsert' })
  if (item.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required with upsert' })
})

/** A follow-up of a stored AE, named by aeId or externalId. */
export const batchFollowUpItem = z.strictObject({
  aeId: z.uuid().optional(),
  externalId: externalId.optional(),
  patch: aePatchBody.omit({ reason: true }).describe('JSON Merge Patch (RFC 7396) of the follow-up fields, as PATCH takes them'),
  reason,
  version: itemVersion.optional()
}).superRefine((item, ctx) => {
  if ((item.aeId === undefined) === (item.externalId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['aeId'], message: 'exactly one of aeId and externalId names the AE' })
  }
})

const createExample = {
  participantId: 'P1',
  term: 'Febrile neutropenia',
  grade: 3,
  onsetDate: '2025-01-08',
  serious: true,
  seriousnessCriteria: ['hospitalization'],
  attribution: 'probable',
  externalId: 'EDC-AE-1001'
}
const upsertExample = { participantId: 'P1', term: 'Nausea', grade: 2, onsetDate: '2025-01-09', serious: false, attribution: 'possible', externalId: 'EDC-AE-1002' }

export const batchBody = z.strictObject({
  mode: z.enum(BATCH_MODES).describe('atomic: all or nothing (any bad item: 422 naming each, nothing stored); independent: each item on its own'),
  items: z.array(z.record(z.string(), z.unknown())).min(1).max(BATCH_MAX_ITEMS)
    .describe(`1 to ${BATCH_MAX_ITEMS} items, each validated on its own: an AE create body (as POST …/adverse-events takes it, optionally ` +
      'with upsert: true, reason and version), or a follow-up {aeId | externalId, patch, reason, version?}')
}).meta({
  examples: [{
    mode: 'independent',
    items: [
      createExample,
      { ...upsertExample, upsert: true, reason: 'nightly sync' },
      { externalId: 'EDC-AE-0990', patch: { resolvedDate: '2025-01-12', outcome: 'recovered' }, reason: 'resolved per site visit' }
    ]
  }]
})

/** An AE as stored, for the examples. */
const aeRecordExample = {
  aeId: '01936f2e-5a41-7c3e-9d2b-6f0c1a2b3c4d',
  version: 1,
  participantId: 'P1',
  siteId: 'xuanwu-hospital',
  doseLevel: 1,
  term: 'Febrile neutropenia',
  meddraCode: '10016288',
  otherSpecify: null,
  grade: 3,
  onsetDate: '2025-01-08',
  resolvedDate: null,
  serious: true,
  seriousnessCriteria: ['hospitalization'],
  attribution: 'probable',
  expected: null,
  clinicalSymptoms: null,
  requiredMedicalTreatment: null,
  outcome: null,
  actionTaken: null,
  externalId: 'EDC-AE-1001',
  awareAt: '2025-01-08T10:00:00.000Z',
  phase: 'on_treatment',
  nullified: false,
  nullification: null,
  ctcae: { version: '5.0', term: 'Febrile neutropenia', meddraCode: '10016288', soc: 'Blood and lymphatic system disorders' },
  dlt: {
    isDlt: true,
    verdict: 'dlt',
    missing: [],
    grade: 3,
    pending: false,
    reasons: ['grade 3 >= minGrade 3'],
    protocolVersion: 1,
    computed: { isDlt: true, pending: false },
    adjudicated: null,
    readjudicate: null
  },
  createdBy: 'edc-sync',
  createdAt: '2025-01-08T10:00:01.000Z',
  updatedAt: '2025-01-08T10:00:01.000Z'
}

export const batchItemResult = z.object({
  index: z.number().int().describe('the item\'s position in the request, from 0'),
  status: z.number().int().describe('201 created; 200 followed up, or unchanged (upsert or patch that changes nothing); 404, 409, 412 or 422 refused'),
  aeId: z.uuid().optional(),
  version: z.number().int().optional().describe('the AE\'s version now (its ETag)'),
  body: aeSchema.optional().describe('the AE as it now stands; left out under Prefer: return=minimal'),
  problem: problemSchema.optional().describe('why the item stored nothing')
})

export const batchResponse = z.object({
  mode: z.enum(BATCH_MODES),
  items: z.array(batchItemResult).describe('one per item, in input order'),
  status: statusSchema.describe('the trial status after the batch (re-evaluated once, in its transaction)')
}).meta({ id: 'AdverseEventBatchResult' })

export const batchHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional().describe('a repeat with the same key and body returns the first response'),
  prefer: z.string().max(200).optional().describe('return=minimal: items carry index, status, aeId and version, not the AE (RFC 7240, as FHIR batches take it)')
})

export const externalIdParams = trialParams.extend({ externalId })

export const aeUpsertBody = aeCreateBody.extend({ reason: reason.describe('the reason of the follow-up when the AE is stored and changes') })
  .describe('an AE create body and a reason; its externalId, when given, is the one in the path')
  .meta({ examples: [{ ...createExample, resolvedDate: '2025-01-15', outcome: 'recovered', reason: 'resolved: EDC nightly sync' }] })

export const aeChangesQuery = z.strictObject({
  cursor: pageQuery.cursor.describe('nextCursor of the previous call; absent: from the first AE version'),
  limit: z.coerce.number().int().min(1).max(BATCH_MAX_ITEMS).default(100).describe(`Versions per call (1-${BATCH_MAX_ITEMS}, default 100)`)
})

export const aeChangeSchema = aeHistorySchema.extend({
  aeId: z.uuid(),
  position: z.number().int().describe('the change\'s position in the trial\'s audit chain: commit order')
})

export const aeChangesPage = z.object({
  items: z.array(aeChangeSchema).describe('AE versions committed after the cursor, in commit order'),
  nextCursor: z.string().describe('where the next call resumes; returned also when there was nothing new')
}).meta({
  id: 'AdverseEventChanges',
  examples: [{
    items: [{
      aeId: aeRecordExample.aeId,
      position: 42,
      version: 1,
      changedAt: aeRecordExample.createdAt,
      changedBy: 'edc-sync',
      role: 'edc',
      reason: null,
      correction: false,
      snapshot: aeRecordExample
    }],
    nextCursor: 'WzQyXQ'
  }]
})

export const optionalIfMatchHeaders = z.looseObject({
  'if-match': z.string().max(64).optional().describe('ETag of the version the change is based on: optional here, but when sent it must match (strong comparison)')
})
