// The trial routes' request and response schemas; the service's input and
// view types are their z.output.
import { z } from 'zod'
import { DLT_VERDICTS } from '../domain/vocabulary.js'
import { clientId } from './params.js'
import { protocolDocument } from './protocol.js'

const reason = z.string().trim().min(1).max(2000)

const timeZone = z.string().min(1).max(64)
  .describe('IANA time zone of the site (e.g. Asia/Shanghai): DLT windows, study days and "today" are counted in its calendar; instants stay UTC')

export const siteBody = z.strictObject({ siteId: clientId, name: z.string().trim().min(1).max(200), timeZone: timeZone.optional().describe('default UTC') })

export const siteSchema = z.object({ siteId: z.string(), name: z.string(), timeZone: z.string() }).meta({ id: 'Site' })

export const siteParams = z.strictObject({ trialId: clientId, siteId: clientId })

export const siteChangeBody = z.strictObject({ timeZone, reason: z.string().trim().min(1).max(2000).describe('why the site\'s time zone changes (audited)') })

export const trialCreateBody = z.strictObject({
  trialId: clientId,
  title: z.string().trim().min(1).max(500),
  phase: z.string().trim().min(1).max(32).optional().describe('e.g. PHASE1, PHASE1_PHASE2, NA'),
  sites: z.array(siteBody).max(1000).optional(),
  protocol: protocolDocument
})

export const protocolAmendBody = z.strictObject({
  protocol: protocolDocument,
  reason: reason.describe('reason for the amendment (21 CFR 11)'),
  reclassify: z.boolean().optional().describe('true: re-classify every AE already classified under the new version (audited; the response and the decision list the verdicts that changed). ' +
    'Otherwise the amendment applies forward: an AE keeps the verdict of the version it was classified under; new AEs and follow-ups use the new version')
})

export const trialSchema = z.object({
  trialId: z.string(),
  title: z.string(),
  phase: z.string().nullable(),
  version: z.number().int().describe('version of the trial resource (its ETag); bumped by amendments and site changes'),
  protocolVersion: z.number().int(),
  protocol: protocolDocument,
  sites: z.array(siteSchema),
  createdAt: z.string(),
  updatedAt: z.string()
}).meta({ id: 'Trial' })

/** the amendment's response: the trial, and with reclassify the verdicts that changed */
export const amendedTrialSchema = trialSchema.extend({
  reclassified: z.array(z.object({ aeId: z.uuid(), from: z.enum(DLT_VERDICTS), to: z.enum(DLT_VERDICTS) })).optional()
    .describe('with reclassify: true, each AE whose verdict the re-classification changed')
}).meta({ id: 'AmendedTrial' })

export const protocolVersionSchema = z.object({
  trialId: z.string(),
  version: z.number().int(),
  protocol: protocolDocument,
  reason: z.string().nullable().describe('the reason for the amendment (null for version 1)'),
  createdBy: z.string(),
  createdAt: z.string()
}).meta({ id: 'ProtocolVersion' })

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(200).optional().describe('a repeat with the same key and body returns the first response')
})
export const ifMatchHeaders = z.looseObject({ 'if-match': z.string().max(100).optional().describe('ETag of the version the change is based on (required)') })
