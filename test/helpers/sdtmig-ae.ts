// The reference the SDTM exports are checked against, written out from the
// standards (not from the exporter):
// - CDISC SDTMIG v3.3 (2018-11-20), section 6.2 "Adverse Events (AE)", the AE
//   domain specification table: variable names in their order, type and Core
//   (Req: never null; Exp: always present, may be null; Perm: may be left out);
// - SDTMIG v3.3 section 8.4.1: the SUPP-- dataset structure;
// - CDISC SDTM Controlled Terminology: codelists NY (C66742), OUT (C66768), ACN (C66767);
// - ISO 8601 complete dates and date-times (SDTMIG v3.3 section 4.4.2) for --DTC.

export type Core = 'Req' | 'Exp' | 'Perm'
export interface SdtmVariable { name: string, type: 'Char' | 'Num', core: Core, codelist?: readonly string[] }

export const NY = ['N', 'NA', 'U', 'Y'] as const
export const OUT = ['FATAL', 'NOT RECOVERED/NOT RESOLVED', 'RECOVERED/RESOLVED', 'RECOVERED/RESOLVED WITH SEQUELAE', 'RECOVERING/RESOLVING', 'UNKNOWN'] as const
export const ACN = ['DOSE INCREASED', 'DOSE NOT CHANGED', 'DOSE RATE REDUCED', 'DOSE REDUCED', 'DRUG INTERRUPTED', 'DRUG WITHDRAWN', 'NOT APPLICABLE', 'UNKNOWN'] as const

const v = (name: string, type: 'Char' | 'Num', core: Core, codelist?: readonly string[]): SdtmVariable =>
  codelist === undefined ? { name, type, core } : { name, type, core, codelist }

/** SDTMIG v3.3 section 6.2, AE domain specification table, in order. */
export const SDTMIG_33_AE: readonly SdtmVariable[] = [
  v('STUDYID', 'Char', 'Req'), v('DOMAIN', 'Char', 'Req', ['AE']), v('USUBJID', 'Char', 'Req'), v('AESEQ', 'Num', 'Req'),
  v('AEGRPID', 'Char', 'Perm'), v('AEREFID', 'Char', 'Perm'), v('AESPID', 'Char', 'Perm'), v('AETERM', 'Char', 'Req'),
  v('AEMODIFY', 'Char', 'Perm'), v('AELLT', 'Char', 'Exp'), v('AELLTCD', 'Num', 'Exp'), v('AEDECOD', 'Char', 'Req'),
  v('AEPTCD', 'Num', 'Exp'), v('AEHLT', 'Char', 'Exp'), v('AEHLTCD', 'Num', 'Exp'), v('AEHLGT', 'Char', 'Exp'),
  v('AEHLGTCD', 'Num', 'Exp'), v('AECAT', 'Char', 'Perm'), v('AESCAT', 'Char', 'Perm'), v('AEPRESP', 'Char', 'Perm', NY),
  v('AEBODSYS', 'Char', 'Exp'), v('AEBDSYCD', 'Num', 'Exp'), v('AESOC', 'Char', 'Exp'), v('AESOCCD', 'Num', 'Exp'),
  v('AELOC', 'Char', 'Perm'), v('AESEV', 'Char', 'Perm'), v('AESER', 'Char', 'Exp', NY), v('AEACN', 'Char', 'Exp', ACN),
  v('AEACNOTH', 'Char', 'Perm'), v('AEREL', 'Char', 'Exp'), v('AERELNST', 'Char', 'Perm'), v('AEPATT', 'Char', 'Perm'),
  v('AEOUT', 'Char', 'Perm', OUT), v('AESCAN', 'Char', 'Perm', NY), v('AESCONG', 'Char', 'Perm', NY), v('AESDISAB', 'Char', 'Perm', NY),
  v('AESDTH', 'Char', 'Perm', NY), v('AESHOSP', 'Char', 'Perm', NY), v('AESLIFE', 'Char', 'Perm', NY), v('AESOD', 'Char', 'Perm', NY),
  v('AESMIE', 'Char', 'Perm', NY), v('AECONTRT', 'Char', 'Perm', NY), v('AETOXGR', 'Char', 'Perm'), v('EPOCH', 'Char', 'Perm'),
  v('AESTDTC', 'Char', 'Exp'), v('AEENDTC', 'Char', 'Exp'), v('AESTDY', 'Num', 'Perm'), v('AEENDY', 'Num', 'Perm'),
  v('AEDUR', 'Char', 'Perm'), v('AEENRF', 'Char', 'Perm'), v('AEENRTPT', 'Char', 'Perm'), v('AEENTPT', 'Char', 'Perm')
]

/** SDTMIG v3.3 section 8.4.1: SUPP-- variables, in order (QEVAL is Exp, the others Req). */
export const SDTMIG_33_SUPP: readonly SdtmVariable[] = [
  v('STUDYID', 'Char', 'Req'), v('RDOMAIN', 'Char', 'Req'), v('USUBJID', 'Char', 'Req'), v('IDVAR', 'Char', 'Exp'),
  v('IDVARVAL', 'Char', 'Exp'), v('QNAM', 'Char', 'Req'), v('QLABEL', 'Char', 'Req'), v('QVAL', 'Char', 'Req'),
  v('QORIG', 'Char', 'Req'), v('QEVAL', 'Char', 'Exp')
]

/** ISO 8601 date or date-time as SDTM --DTC variables hold them (complete dates here: the service stores whole dates). */
export const ISO_8601_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?)?$/

/**
 * Problems of a dataset's column list against the standard: unknown
 * variables, variables out of the standard's order, Req and Exp variables
 * missing. [] when conformant.
 */
export function columnProblems (columns: readonly string[], standard: readonly SdtmVariable[]): string[] {
  const position = new Map(standard.map((s, i) => [s.name, i]))
  const problems = columns.filter((c) => !position.has(c)).map((c) => `${c} is not a variable of the domain`)
  const known = columns.filter((c) => position.has(c))
  known.forEach((c, i) => {
    if (i > 0 && position.get(c)! < position.get(known[i - 1]!)!) problems.push(`${c} comes after ${known[i - 1]!}`)
  })
  for (const s of standard) if (s.core !== 'Perm' && !columns.includes(s.name)) problems.push(`${s.core} variable ${s.name} is missing`)
  return problems
}

/** Problems of one record's values: Req variables empty, values outside their codelist, Num not numeric, --DTC not ISO 8601. */
export function valueProblems (record: Readonly<Record<string, string | number | null>>, standard: readonly SdtmVariable[]): string[] {
  const problems: string[] = []
  for (const s of standard) {
    if (!(s.name in record)) continue
    const value = record[s.name]
    const empty = value === null || value === ''
    if (empty) {
      if (s.core === 'Req') problems.push(`Req variable ${s.name} is empty`)
      continue
    }
    if (s.codelist !== undefined && !s.codelist.includes(String(value))) problems.push(`${s.name} ${String(value)} is not in its codelist`)
    if (s.type === 'Num' && !Number.isFinite(Number(value))) problems.push(`${s.name} ${String(value)} is not numeric`)
    if (s.name.endsWith('DTC') && !ISO_8601_DATE.test(String(value))) problems.push(`${s.name} ${String(value)} is not ISO 8601`)
  }
  return problems
}
