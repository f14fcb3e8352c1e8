// CDISC Define-XML 2.1 (ODM 1.3.2 with the def: 2.1 extensions) describing
// the SDTM datasets of sdtm-metadata.ts: one ItemGroupDef per dataset, one
// ItemDef per variable (label, data type, length, origin, codelist), the
// derivations as MethodDefs, the assigned values' rules as CommentDefs, the
// codelists, and value-level metadata for SUPPAE.QVAL by QNAM. The document
// depends on the study only through its identifiers, never on the data.
import {
  CODELISTS, METADATA_VERSION_OID, SDTM_DATASETS, itemGroupOid, itemOid, studyOid, type SdtmDatasetMeta, type SdtmVariableMeta
} from './sdtm-metadata.js'
import { SUPPAE_QUALIFIERS } from './sdtm.js'

export const ODM_NS = 'http://www.cdisc.org/ns/odm/v1.3'
export const DEFINE_NS = 'http://www.cdisc.org/ns/def/v2.1'
const SDTMIG = 'STD.SDTMIG.3.3'
const CT = 'STD.CT.SDTM'
/** The CDISC Controlled Terminology package the codelist values are taken from. */
export const CT_VERSION = '2024-03-29'

/** XML 1.0 character data and attribute values: the five predefined entities. */
export const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

const attrs = (values: Record<string, string | number | undefined>) =>
  Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('')
const description = (text: string) => `<Description><TranslatedText xml:lang="en">${xmlEscape(text)}</TranslatedText></Description>`

/** The file a dataset is delivered as (Dataset-JSON), named by def:leaf. */
export const datasetFile = (dataset: SdtmDatasetMeta) => `${dataset.name.toLowerCase()}.json`

const methodOid = (d: SdtmDatasetMeta, x: SdtmVariableMeta) => `MT.${d.name}.${x.name}`
const commentOid = (d: SdtmDatasetMeta, x: SdtmVariableMeta) => `COM.${d.name}.${x.name}`
const derived = (x: SdtmVariableMeta) => x.method !== undefined && x.origin === 'Derived'
const commented = (x: SdtmVariableMeta) => x.method !== undefined && x.origin !== 'Derived'

function origin (x: SdtmVariableMeta): string {
  if (x.origin === 'Collected') return `<def:Origin${attrs({ Type: 'Collected', Source: 'Investigator' })}/>`
  if (x.origin === 'Protocol' || x.origin === 'Assigned') return `<def:Origin${attrs({ Type: x.origin, Source: 'Sponsor' })}/>`
  return `<def:Origin${attrs({ Type: x.origin })}/>`
}

function itemDef (oid: string, name: string, x: SdtmVariableMeta, inner = '', comment?: string): string {
  return `<ItemDef${attrs({ OID: oid, Name: name, SASFieldName: name, DataType: x.dataType, Length: x.length, 'def:CommentOID': comment })}>` +
    description(x.label) +
    (x.codelist === undefined ? '' : `<CodeListRef CodeListOID="CL.${x.codelist}"/>`) +
    origin(x) + inner + '</ItemDef>'
}

function itemGroup (d: SdtmDatasetMeta): string {
  const refs = d.variables.map((x, i) => `<ItemRef${attrs({
    ItemOID: itemOid(d, x.name),
    OrderNumber: i + 1,
    Mandatory: x.mandatory === true ? 'Yes' : 'No',
    KeySequence: x.key,
    MethodOID: derived(x) ? methodOid(d, x) : undefined
  })}/>`).join('')
  return `<ItemGroupDef${attrs({
    OID: itemGroupOid(d),
    Name: d.name,
    SASDatasetName: d.name,
    Domain: d.name === 'SUPPAE' ? 'AE' : d.name,
    Repeating: d.name === 'DM' ? 'No' : 'Yes',
    IsReferenceData: 'No',
    Purpose: 'Tabulation',
    'def:Structure': d.structure,
    'def:StandardOID': SDTMIG,
    'def:ArchiveLocationID': `LF.${d.name}`
  })}>` + description(d.label) + refs +
    `<def:Class Name="${d.class}"/>` +
    `<def:leaf ID="LF.${d.name}" xlink:href="${datasetFile(d)}"><def:title>${datasetFile(d)}</def:title></def:leaf>` +
    '</ItemGroupDef>'
}

const QVAL_LIST = 'VL.SUPPAE.QVAL'
const whereOid = (qnam: string) => `WC.SUPPAE.QNAM.${qnam}`
const qvalOid = (qnam: string) => `IT.SUPPAE.QVAL.${qnam}`

function items (d: SdtmDatasetMeta): string {
  return d.variables.map((x) => itemDef(
    itemOid(d, x.name), x.name, x,
    d.name === 'SUPPAE' && x.name === 'QVAL' ? `<def:ValueListRef ValueListOID="${QVAL_LIST}"/>` : '',
    commented(x) ? commentOid(d, x) : undefined
  )).join('')
}

function suppaeValueLevel (): { lists: string, wheres: string, items: string } {
  const refs = SUPPAE_QUALIFIERS.map((q) =>
    `<ItemRef ItemOID="${qvalOid(q.qnam)}" Mandatory="Yes"><def:WhereClauseRef WhereClauseOID="${whereOid(q.qnam)}"/></ItemRef>`).join('')
  const wheres = SUPPAE_QUALIFIERS.map((q) =>
    `<def:WhereClauseDef OID="${whereOid(q.qnam)}"><RangeCheck SoftHard="Soft" def:ItemOID="IT.SUPPAE.QNAM" Comparator="EQ">` +
    `<CheckValue>${q.qnam}</CheckValue></RangeCheck></def:WhereClauseDef>`).join('')
  const defs = SUPPAE_QUALIFIERS.map((q) => itemDef(qvalOid(q.qnam), 'QVAL', {
    name: 'QVAL', label: q.qlabel, dataType: q.dataType, length: q.length, origin: 'Derived', ...('codelist' in q ? { codelist: q.codelist } : {})
  })).join('')
  return { lists: `<def:ValueListDef OID="${QVAL_LIST}">${refs}</def:ValueListDef>`, wheres, items: defs }
}

function codeLists (): string {
  return Object.entries(CODELISTS).map(([key, list]) =>
    `<CodeList${attrs({ OID: `CL.${key}`, Name: list.name, DataType: 'text', 'def:StandardOID': list.nciCode === null ? undefined : CT })}>` +
    list.values.map((value) => `<EnumeratedItem CodedValue="${xmlEscape(value)}"/>`).join('') +
    (list.nciCode === null ? '' : `<Alias Context="nci:ExtCodeID" Name="${list.nciCode}"/>`) +
    '</CodeList>').join('')
}

const methods = () => SDTM_DATASETS.flatMap((d) => d.variables.filter(derived).map((x) =>
  `<MethodDef OID="${methodOid(d, x)}" Name="Algorithm to derive ${d.name}.${x.name}" Type="Computation">${description(x.method!)}</MethodDef>`)).join('')

const comments = () => SDTM_DATASETS.flatMap((d) => d.variables.filter(commented).map((x) =>
  `<def:CommentDef OID="${commentOid(d, x)}">${description(x.method!)}</def:CommentDef>`)).join('')

export interface DefineStudy {
  studyId: string
  title: string
  /** RFC 3339 instant the document is created */
  createdAt: string
  sourceSystemVersion: string
}

/** The Define-XML 2.1 document of the SDTM datasets this service exports for a study. */
export function defineXml (study: DefineStudy): string {
  const vlm = suppaeValueLevel()
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ODM xmlns="${ODM_NS}" xmlns:def="${DEFINE_NS}" xmlns:xlink="http://www.w3.org/1999/xlink"${attrs({
      ODMVersion: '1.3.2',
      FileType: 'Snapshot',
      FileOID: `DEFINE.${study.studyId}`,
      CreationDateTime: study.createdAt,
      Originator: 'dlt-safety-backend',
      SourceSystem: 'dlt-safety-backend',
      SourceSystemVersion: study.sourceSystemVersion,
      'def:Context': 'Submission'
    })}>` +
    `<Study OID="${xmlEscape(studyOid(study.studyId))}"><GlobalVariables>` +
    `<StudyName>${xmlEscape(study.studyId)}</StudyName><StudyDescription>${xmlEscape(study.title)}</StudyDescription>` +
    `<ProtocolName>${xmlEscape(study.studyId)}</ProtocolName></GlobalVariables>` +
    `<MetaDataVersion OID="${METADATA_VERSION_OID}" Name="${xmlEscape(study.studyId)} SDTM" def:DefineVersion="2.1.0">` +
    '<def:Standards>' +
    `<def:Standard OID="${SDTMIG}" Name="SDTMIG" Type="IG" Version="3.3" Status="Final"/>` +
    `<def:Standard OID="${CT}" Name="CDISC/NCI" Type="CT" PublishingSet="SDTM" Version="${CT_VERSION}" Status="Final"/>` +
    '</def:Standards>' +
    vlm.lists + vlm.wheres +
    SDTM_DATASETS.map(itemGroup).join('') +
    SDTM_DATASETS.map(items).join('') + vlm.items +
    codeLists() + methods() + comments() +
    '</MetaDataVersion></Study></ODM>\n'
}
