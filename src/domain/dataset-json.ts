// CDISC Dataset-JSON v1.1: a dataset as one JSON object, its columns
// described by the same metadata as Define-XML (itemOID = the ItemDef OID)
// and its rows as arrays in column order. The service streams the rows, so
// the document is written in three parts: the head (every attribute but
// rows and records), the rows, and the tail with the record count; JSON
// members are unordered, so readers find "records" wherever it stands.
import { METADATA_VERSION_OID, itemGroupOid, itemOid, studyOid, type DefineDataType, type SdtmDatasetMeta } from './sdtm-metadata.js'
import { datasetFile } from './define-xml.js'
import type { SdtmRow, SdtmValue } from './sdtm.js'

export const DATASET_JSON_VERSION = '1.1.0'

/** Dataset-JSON data types of the Define-XML ones (ISO 8601 dates stay character values). */
const DATA_TYPE: Readonly<Record<DefineDataType, string>> = {
  text: 'string', integer: 'integer', float: 'double', date: 'date', datetime: 'datetime'
}

export interface DatasetJsonContext {
  studyId: string
  createdAt: string
  sourceSystemVersion: string
}

export function datasetJsonColumns (dataset: SdtmDatasetMeta) {
  return dataset.variables.map((x) => ({
    itemOID: itemOid(dataset, x.name),
    name: x.name,
    label: x.label,
    dataType: DATA_TYPE[x.dataType],
    ...(x.length === undefined ? {} : { length: x.length }),
    ...(x.key === undefined ? {} : { keySequence: x.key })
  }))
}

/** The serialised document up to the first row; rows follow comma-separated, then datasetJsonTail. */
export function datasetJsonHead (dataset: SdtmDatasetMeta, context: DatasetJsonContext): string {
  const head = {
    datasetJSONCreationDateTime: context.createdAt,
    datasetJSONVersion: DATASET_JSON_VERSION,
    fileOID: `${studyOid(context.studyId)}.${datasetFile(dataset)}`,
    originator: 'dlt-safety-backend',
    sourceSystem: { name: 'dlt-safety-backend', version: context.sourceSystemVersion },
    studyOID: studyOid(context.studyId),
    metaDataVersionOID: METADATA_VERSION_OID,
    metaDataRef: 'define.xml',
    itemGroupOID: itemGroupOid(dataset),
    isReferenceData: false,
    name: dataset.name,
    label: dataset.label,
    columns: datasetJsonColumns(dataset)
  }
  return JSON.stringify(head).slice(0, -1) + ',"rows":['
}

export const datasetJsonTail = (records: number): string => `],"records":${records}}`

/** One row: the record's values in column order. */
export const datasetJsonRow = (dataset: SdtmDatasetMeta, row: SdtmRow): SdtmValue[] => dataset.variables.map((x) => row[x.name] ?? null)
