import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AE_VARIABLES, SUPPAE_VARIABLES } from '../domain/sdtm.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { problemSchema } from '../http/problem.js'
import { AppError } from '../lib/errors.js'
import { fhirBundle, sdtmAe, suppae, type DatasetFormat } from '../services/exports.js'
import { trialParams } from '../schemas/params.js'

// Whole-trial exports of participant-level data, streamed: the response is
// written page by page, so a trial of any size exports in bounded memory.
const EXPORTERS = { roles: ['safety_monitor', 'admin'], records: 'participants' } as const

const asOf = z.iso.datetime({ offset: true }).optional()
  .describe('the data as it stood at this instant: AE versions recorded by then, AEs not nullified by then')

const datasetQuery = z.strictObject({
  asOf,
  collapse: z.enum(['worst']).optional()
    .describe('worst: one record per AE at the worst grade recorded, instead of one record per grade')
})

const CSV = 'text/csv; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'
const FHIR_JSON = 'application/fhir+json; fhirVersion=4.0; charset=utf-8'

const sdtmValue = z.union([z.string(), z.number(), z.null()])
const recordOf = (variables: readonly string[], id: string) =>
  z.object(Object.fromEntries(variables.map((v) => [v, sdtmValue]))).meta({ id })

const csvResponse = (description: string) => ({
  description,
  content: { 'text/csv': { schema: z.string().describe('RFC 4180 CSV, header row first, CRLF line ends, UTF-8') } }
})
const jsonResponse = (description: string, item: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: z.array(item) } }
})

const fhirBundleSchema = z.object({
  resourceType: z.literal('Bundle'),
  type: z.literal('collection'),
  timestamp: z.string(),
  entry: z.array(z.object({ fullUrl: z.string(), resource: z.looseObject({ resourceType: z.string(), id: z.string() }) }))
}).meta({ id: 'FhirBundle', description: 'FHIR R4 Bundle (collection) of ResearchStudy, Patient, ResearchSubject and AdverseEvent resources' })

const notAcceptable = problemSchema.describe('Accept names neither application/fhir+json nor application/json')

/**
 * The media type to answer with for an Accept header: FHIR JSON unless the
 * client prefers plain JSON (RFC 9110 12.5.1 q-values); null when it takes neither.
 */
export function fhirMediaType (accept: string | undefined): typeof FHIR_JSON | typeof JSON_TYPE | null {
  if (accept === undefined || accept.trim() === '') return FHIR_JSON
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    return { range, q: q === undefined ? 1 : Number(q.slice(2)) }
  })
  const quality = (type: string) => Math.max(0, ...ranges
    .filter((r) => r.range === type || r.range === '*/*' || r.range === 'application/*')
    .map((r) => Number.isFinite(r.q) ? r.q : 0))
  const fhir = quality('application/fhir+json')
  const json = quality('application/json')
  if (fhir === 0 && json === 0) return null
  return fhir >= json ? FHIR_JSON : JSON_TYPE
}

export const exportRoutes: FastifyPluginAsyncZod = async (app) => {
  const datasetRoute = (
    operationId: string, file: string, summary: string, description: string, format: DatasetFormat, item: z.ZodType,
    build: typeof sdtmAe
  ) => app.get(`/v1/trials/:trialId/exports/${file}`, {
    config: { access: EXPORTERS, sends: ['content-disposition'] },
    schema: {
      operationId,
      summary,
      description,
      tags: ['Exports'],
      params: trialParams,
      querystring: datasetQuery,
      produces: [format === 'csv' ? 'text/csv' : 'application/json'],
      response: {
        200: format === 'csv' ? csvResponse(summary) : jsonResponse(summary, item),
        ...problems(...AUTHENTICATED, 404)
      }
    }
  }, async (request, reply) => {
    const { trialId } = request.params
    const body = await build(app.db, trialId, format, { asOf: request.query.asOf, collapse: request.query.collapse === 'worst' })
    const name = file.replace(/^sdtm-/, '')
    return reply.type(format === 'csv' ? CSV : JSON_TYPE)
      .header('content-disposition', `attachment; filename="${trialId}-${name}"`)
      .send(body)
  })

  const AE_DESCRIPTION = 'CDISC SDTM AE domain (SDTMIG v3.3): one record per AE and grade (or per AE at its worst grade with collapse=worst), ' +
    'nullified AEs left out; AESEQ numbers each subject\'s records by onset, aeId and version; study days count from the first administration. ' +
    'Mappings and controlled terminology: README "Exports".'
  const SUPPAE_DESCRIPTION = 'SUPPAE for the AE dataset with the same asOf and collapse: QNAM AEDLT (the DLT flag, Y/N) and AEDLTPV ' +
    '(the protocol version that classified it) per AE record, keyed by AESEQ.'
  const aeRecordSchema = recordOf(AE_VARIABLES, 'SdtmAeRecord')
  const suppaeRecordSchema = recordOf(SUPPAE_VARIABLES, 'SdtmSuppaeRecord')
  datasetRoute('getSdtmAeCsv', 'sdtm-ae.csv', 'SDTM AE dataset (CSV)', AE_DESCRIPTION, 'csv', aeRecordSchema, sdtmAe)
  datasetRoute('getSdtmAeJson', 'sdtm-ae.json', 'SDTM AE dataset (JSON records)', AE_DESCRIPTION, 'json', aeRecordSchema, sdtmAe)
  datasetRoute('getSuppaeCsv', 'suppae.csv', 'SDTM SUPPAE dataset (CSV)', SUPPAE_DESCRIPTION, 'csv', suppaeRecordSchema, suppae)
  datasetRoute('getSuppaeJson', 'suppae.json', 'SDTM SUPPAE dataset (JSON records)', SUPPAE_DESCRIPTION, 'json', suppaeRecordSchema, suppae)

  app.get('/v1/trials/:trialId/exports/fhir', {
    config: { access: EXPORTERS },
    schema: {
      operationId: 'getFhirBundle',
      summary: 'FHIR R4 Bundle of the trial\'s adverse events',
      description: 'A collection Bundle: the ResearchStudy, then per participant a Patient and ResearchSubject stub and its AdverseEvent ' +
        'resources (MedDRA-coded CTCAE term, severity from the grade, CTCAE grade and DLT extensions, causality from the attribution). ' +
        'Nullified AEs are left out. Answers application/fhir+json unless Accept prefers application/json.',
      tags: ['Exports'],
      params: trialParams,
      querystring: z.strictObject({ asOf }),
      produces: ['application/fhir+json', 'application/json'],
      response: {
        200: {
          description: 'FHIR R4 Bundle',
          content: { 'application/fhir+json': { schema: fhirBundleSchema }, 'application/json': { schema: fhirBundleSchema } }
        },
        ...problems(...AUTHENTICATED, 404),
        406: notAcceptable
      }
    }
  }, async (request, reply) => {
    const type = fhirMediaType(request.headers.accept)
    if (type === null) throw new AppError(406, 'not-acceptable', 'This export is available as application/fhir+json or application/json')
    const body = await fhirBundle(app.db, request.params.trialId, { asOf: request.query.asOf, generatedAt: new Date().toISOString() })
    // The stream writes the Bundle the schema documents; Fastify pipes streams without serialising them.
    return reply.type(type).header('vary', 'accept').send(body as unknown as z.output<typeof fhirBundleSchema>)
  })
}
