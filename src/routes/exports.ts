import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AE_DATASET, DM_DATASET, EX_DATASET, SUPPAE_DATASET, variableNames, type SdtmDatasetMeta } from '../domain/sdtm-metadata.js'
import { AUTHENTICATED, problems } from '../http/responses.js'
import { problemSchema } from '../http/problem.js'
import { AppError } from '../lib/errors.js'
import { defineDocument, fhirBundle, sdtmAe, sdtmDm, sdtmEx, suppae, type DatasetFormat } from '../services/exports.js'
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
const XML = 'application/xml; charset=utf-8'
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

const datasetJsonSchema = z.object({
  datasetJSONCreationDateTime: z.string(),
  datasetJSONVersion: z.literal('1.1.0'),
  fileOID: z.string(),
  originator: z.string(),
  sourceSystem: z.object({ name: z.string(), version: z.string() }),
  studyOID: z.string(),
  metaDataVersionOID: z.string(),
  metaDataRef: z.string(),
  itemGroupOID: z.string(),
  isReferenceData: z.boolean(),
  name: z.string(),
  label: z.string(),
  columns: z.array(z.object({
    itemOID: z.string(), name: z.string(), label: z.string(), dataType: z.string(), length: z.number().int().optional(), keySequence: z.number().int().optional()
  })),
  rows: z.array(z.array(sdtmValue)),
  records: z.number().int()
}).meta({ id: 'DatasetJson', description: 'CDISC Dataset-JSON v1.1; itemOID and itemGroupOID are the OIDs of the Define-XML document (define.xml)' })

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

const MEDIA = { csv: CSV, json: JSON_TYPE, 'dataset-json': JSON_TYPE } as const

export const exportRoutes: FastifyPluginAsyncZod = async (app) => {
  type Build = (trialId: string, format: DatasetFormat, query: { asOf?: string | undefined, collapse?: 'worst' | undefined }) => Promise<NodeJS.ReadableStream>
  const datasetRoute = (
    operationId: string, file: string, summary: string, description: string, format: DatasetFormat, dataset: SdtmDatasetMeta,
    withOptions: boolean, build: Build
  ) => app.get(`/v1/trials/:trialId/exports/${file}`, {
    config: { access: EXPORTERS, sends: ['content-disposition'] },
    schema: {
      operationId,
      summary,
      description,
      tags: ['Exports'],
      params: trialParams,
      querystring: withOptions ? datasetQuery : z.strictObject({}),
      produces: [format === 'csv' ? 'text/csv' : 'application/json'],
      response: {
        200: format === 'csv'
          ? csvResponse(summary)
          : format === 'json'
            ? jsonResponse(summary, recordOf(variableNames(dataset), `Sdtm${dataset.name[0]}${dataset.name.slice(1).toLowerCase()}Record`))
            : { description: summary, content: { 'application/json': { schema: datasetJsonSchema } } },
        ...problems(...AUTHENTICATED, 404)
      }
    }
  }, async (request, reply) => {
    const { trialId } = request.params
    const body = await build(trialId, format, request.query as { asOf?: string, collapse?: 'worst' })
    const name = format === 'dataset-json' ? `${dataset.name.toLowerCase()}.json` : file.replace(/^sdtm-/, '')
    return reply.type(MEDIA[format])
      .header('content-disposition', `attachment; filename="${trialId}-${name}"`)
      .send(body)
  })

  const options = (q: { asOf?: string | undefined, collapse?: 'worst' | undefined }) => ({ asOf: q.asOf, collapse: q.collapse === 'worst' })
  const ae: Build = (trialId, format, q) => sdtmAe(app.db, trialId, format, options(q))
  const supp: Build = (trialId, format, q) => suppae(app.db, trialId, format, options(q))
  const dm: Build = (trialId, format) => sdtmDm(app.db, trialId, format)
  const ex: Build = (trialId, format) => sdtmEx(app.db, trialId, format)

  const AE_DESCRIPTION = 'CDISC SDTM AE domain (SDTMIG v3.3): one record per AE and grade (or per AE at its worst grade with collapse=worst), ' +
    'nullified AEs left out; AEGRPID (the aeId) ties the grade records of one AE; AESEQ numbers each subject\'s records in the order ' +
    'they were first recorded and never changes between exports (nullified AEs leave gaps); a later grade starts on the day its change ' +
    'was recorded; study days count from the first administration (DM.RFSTDTC). Mappings: README "Exports"; metadata: define.xml.'
  const SUPPAE_DESCRIPTION = 'SUPPAE for the AE dataset with the same asOf and collapse: QNAM AEDLT (the DLT flag, Y/N) and AEDLTPV ' +
    '(the protocol version that classified it) per AE record, keyed by AESEQ.'
  const DM_DESCRIPTION = 'CDISC SDTM DM (SDTMIG v3.3), one record per participant as the data stand now: USUBJID, site, planned and actual ' +
    'arm, reference dates (RFSTDTC = first administration, from which study days count), death. Demographics the service does not hold ' +
    '(SEX, COUNTRY, AGE, RACE, RFICDTC) are null.'
  const EX_DESCRIPTION = 'CDISC SDTM EX (SDTMIG v3.3), one record per administration as the data stand now, with dose, site-local date-time ' +
    'and study day.'
  const DATASET_JSON = ' As CDISC Dataset-JSON v1.1 (rows equal the CSV records; itemOIDs match define.xml).'
  datasetRoute('getSdtmAeCsv', 'sdtm-ae.csv', 'SDTM AE dataset (CSV)', AE_DESCRIPTION, 'csv', AE_DATASET, true, ae)
  datasetRoute('getSdtmAeJson', 'sdtm-ae.json', 'SDTM AE dataset (JSON records)', AE_DESCRIPTION, 'json', AE_DATASET, true, ae)
  datasetRoute('getSdtmAeDatasetJson', 'ae.dataset.json', 'SDTM AE dataset (Dataset-JSON)', AE_DESCRIPTION + DATASET_JSON, 'dataset-json', AE_DATASET, true, ae)
  datasetRoute('getSuppaeCsv', 'suppae.csv', 'SDTM SUPPAE dataset (CSV)', SUPPAE_DESCRIPTION, 'csv', SUPPAE_DATASET, true, supp)
  datasetRoute('getSuppaeJson', 'suppae.json', 'SDTM SUPPAE dataset (JSON records)', SUPPAE_DESCRIPTION, 'json', SUPPAE_DATASET, true, supp)
  datasetRoute('getSuppaeDatasetJson', 'suppae.dataset.json', 'SDTM SUPPAE dataset (Dataset-JSON)', SUPPAE_DESCRIPTION + DATASET_JSON, 'dataset-json', SUPPAE_DATASET, true, supp)
  datasetRoute('getSdtmDmCsv', 'sdtm-dm.csv', 'SDTM DM dataset (CSV)', DM_DESCRIPTION, 'csv', DM_DATASET, false, dm)
  datasetRoute('getSdtmDmDatasetJson', 'dm.dataset.json', 'SDTM DM dataset (Dataset-JSON)', DM_DESCRIPTION + DATASET_JSON, 'dataset-json', DM_DATASET, false, dm)
  datasetRoute('getSdtmExCsv', 'sdtm-ex.csv', 'SDTM EX dataset (CSV)', EX_DESCRIPTION, 'csv', EX_DATASET, false, ex)
  datasetRoute('getSdtmExDatasetJson', 'ex.dataset.json', 'SDTM EX dataset (Dataset-JSON)', EX_DESCRIPTION + DATASET_JSON, 'dataset-json', EX_DATASET, false, ex)

  app.get('/v1/trials/:trialId/exports/define.xml', {
    config: { access: EXPORTERS, sends: ['content-disposition'] },
    schema: {
      operationId: 'getDefineXml',
      summary: 'Define-XML 2.1 of the SDTM datasets',
      description: 'CDISC Define-XML 2.1 describing the DM, AE, SUPPAE and EX datasets: variables with labels, data types, lengths, ' +
        'origins, derivations (MethodDef), codelists and SUPPAE.QVAL value-level metadata; def:leaf names the Dataset-JSON files.',
      tags: ['Exports'],
      params: trialParams,
      querystring: z.strictObject({}),
      produces: ['application/xml'],
      response: {
        200: { description: 'Define-XML 2.1 (ODM 1.3.2)', content: { 'application/xml': { schema: z.string() } } },
        ...problems(...AUTHENTICATED, 404)
      }
    }
  }, async (request, reply) => {
    const xml = await defineDocument(app.db, request.params.trialId)
    return reply.type(XML).header('content-disposition', 'attachment; filename="define.xml"').send(xml)
  })

  app.get('/v1/trials/:trialId/exports/fhir', {
    config: { access: EXPORTERS },
    schema: {
      operationId: 'getFhirBundle',
      summary: 'FHIR R4 Bundle of the trial\'s adverse events',
      description: 'A collection Bundle: the ResearchStudy, a Medication per dose level (the study intervention, suspect entity of ' +
        'the AEs), then per participant a Patient and ResearchSubject stub and its AdverseEvents, each following the HL7 AE Clinical ' +
        'Research R4 Backport IG profile (meta.profile): workflow status (entered-in-error for nullified AEs), seriousness criteria, ' +
        'CTCAE grade, NCIt relatedness, resolve date, expected, outcome, research subject; and the DLT verdict extension. ' +
        'Answers application/fhir+json unless Accept prefers application/json.',
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
