// Reads NCI's CTCAE v5.0 sheet ("CTCAE v5.0 Clean Copy" of CTCAE_v5.0.xlsx, or
// that sheet saved as CSV) into typed rows. Shared by the seed builder, which
// keeps only codes, terms, SOCs and which grades exist, and by the importer,
// which loads NCI's grade text from the user's own copy.
import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import readXlsxFile from 'read-excel-file/node'
import { normaliseTerm, type CtcaeEntry, type CtcaeGrade } from '../domain/ctcae.js'

export const CTCAE_SHEET_NAME = 'CTCAE v5.0 Clean Copy'
export const GRADES: readonly CtcaeGrade[] = [1, 2, 3, 4, 5]
const OTHER_SPECIFY_SUFFIX = ' - Other, specify'

export interface NciRow {
  /** 1-based row number in the sheet (the header is row 1) */
  row: number
  meddraCode: string
  soc: string
  term: string
  /** NCI's text for each grade that exists; a grade NCI marks '-' is absent */
  grades: Partial<Record<CtcaeGrade, string>>
  /** null where NCI gives none ('-' for the 'Other, specify' terms) */
  definition: string | null
  navigationalNote: string | null
}

export class NciSheetError extends Error {
  override name = 'NciSheetError'
}

type Cell = string | number | boolean | object | null | undefined

/** 'Grade 1 \u00a0\u00a0' (as in NCI's xlsx) and 'grade 1' both become 'grade 1'. */
export function normaliseHeader (header: string): string {
  return header.replace(/\s+/g, ' ').trim().toLowerCase()
}

const COLUMNS = {
  meddraCode: 'meddra code',
  soc: 'meddra soc',
  term: 'ctcae term',
  definition: 'definition',
  navigationalNote: 'navigational note'
} as const

/** A grade cell holds text, or ' -' where CTCAE does not define that grade. */
export function gradeExists (cell: string): boolean {
  const v = cell.trim()
  return v !== '' && v !== '-'
}

/** Turns a table (header row first) into rows; throws NciSheetError naming the row at the first malformed one. */
export function rowsFromTable (table: readonly (readonly Cell[])[]): NciRow[] {
  const [header = [], ...body] = table
  const names = header.map(c => normaliseHeader(text(c)))
  const index = (name: string, required: boolean): number => {
    const i = names.indexOf(name)
    if (i < 0 && required) {
      throw new NciSheetError(`not a CTCAE v5.0 sheet: no '${name}' column in the header row (found: ${names.join(', ')})`)
    }
    return i
  }
  const col = {
    meddraCode: index(COLUMNS.meddraCode, true),
    soc: index(COLUMNS.soc, true),
    term: index(COLUMNS.term, true),
    definition: index(COLUMNS.definition, true),
    navigationalNote: index(COLUMNS.navigationalNote, false),
    grades: GRADES.map(g => index(`grade ${g}`, true))
  }

  const rows: NciRow[] = []
  body.forEach((cells, i) => {
    const row = i + 2
    // Spreadsheets often carry blank rows after the data.
    if (cells.every(c => text(c).trim() === '')) return
    const at = (c: number): string => c < 0 ? '' : text(cells[c])
    const meddraCode = at(col.meddraCode).trim()
    const soc = at(col.soc).trim()
    const term = at(col.term).trim()
    if (!/^\d{8}$/.test(meddraCode)) throw new NciSheetError(`row ${row}: MedDRA code '${meddraCode}' is not 8 digits`)
    if (term === '') throw new NciSheetError(`row ${row}: CTCAE Term is empty`)
    if (soc === '') throw new NciSheetError(`row ${row}: MedDRA SOC is empty`)
    const grades: Partial<Record<CtcaeGrade, string>> = {}
    GRADES.forEach((g, k) => {
      const cell = at(col.grades[k] as number)
      if (gradeExists(cell)) grades[g] = cell.trim()
    })
    if (Object.keys(grades).length === 0) throw new NciSheetError(`row ${row}: ${term} has no grade`)
    rows.push({
      row,
      meddraCode,
      soc,
      term,
      grades,
      definition: textOrNull(at(col.definition)),
      navigationalNote: textOrNull(at(col.navigationalNote))
    })
  })
  return rows
}

/** Parses the sheet saved as CSV (RFC 4180; quoted fields may span lines). */
export function parseNciCsv (csv: string): NciRow[] {
  let table: string[][]
  try {
    table = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true })
  } catch (err) {
    throw new NciSheetError(`not a readable CSV file: ${(err as Error).message}`)
  }
  return rowsFromTable(table)
}

/** Reads the 'CTCAE v5.0 Clean Copy' sheet of an .xlsx workbook, or its first sheet if none has that name. */
export async function readNciXlsx (input: string | Buffer): Promise<NciRow[]> {
  let sheets
  try {
    // trim: false keeps NCI's cell text verbatim; rowsFromTable trims where it should.
    sheets = await readXlsxFile(input, { trim: false })
  } catch (err) {
    throw new NciSheetError(`not a readable .xlsx workbook: ${(err as Error).message}`)
  }
  const sheet = sheets.find(s => s.sheet === CTCAE_SHEET_NAME) ?? sheets[0]
  return rowsFromTable(sheet?.data ?? [])
}

/** Reads a CSV or .xlsx file, told apart by content (an .xlsx is a ZIP archive), not by name. */
export async function readNciSheet (path: string): Promise<NciRow[]> {
  const bytes = await readFile(path)
  return isZip(bytes) ? readNciXlsx(bytes) : parseNciCsv(bytes.toString('utf8'))
}

/** The facts the repository keeps about a term; NCI's text stays out. */
export function toCtcaeEntry (row: NciRow): CtcaeEntry {
  return {
    meddraCode: row.meddraCode,
    term: row.term,
    soc: row.soc,
    grades: GRADES.filter(g => row.grades[g] !== undefined),
    otherSpecify: row.term.endsWith(OTHER_SPECIFY_SUFFIX)
  }
}

/** Throws if a MedDRA code or a term (compared case-insensitively) occurs twice. */
export function assertUnique (rows: readonly NciRow[]): void {
  const codes = new Map<string, number>()
  const terms = new Map<string, number>()
  for (const r of rows) {
    const name = normaliseTerm(r.term)
    const codeRow = codes.get(r.meddraCode)
    const termRow = terms.get(name)
    if (codeRow !== undefined) throw new NciSheetError(`row ${r.row}: MedDRA code ${r.meddraCode} already on row ${codeRow}`)
    if (termRow !== undefined) throw new NciSheetError(`row ${r.row}: term '${r.term}' already on row ${termRow}`)
    codes.set(r.meddraCode, r.row)
    terms.set(name, r.row)
  }
}

function isZip (bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50
}

/** NCI writes ' -' for "none" in text columns too. */
function textOrNull (cell: string): string | null {
  return gradeExists(cell) ? cell.trim() : null
}

function text (cell: Cell): string {
  if (cell === null || cell === undefined) return ''
  // The xlsx stores MedDRA codes as numbers; all other cells are strings.
  return typeof cell === 'string' ? cell : String(cell)
}
