// NCI's CTCAE grade descriptions and definitions, imported from the user's own
// copy of the sheet into DATA_DIR (never committed). The import is refused
// unless the sheet agrees with the committed dictionary in every code, term,
// SOC and grade, so that the text served for a term is the text of that term.
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CtcaeEntry } from '../domain/ctcae.js'
// Imported rather than read from disk so that a build (tsc) carries the file along.
import seed from '../../seeds/ctcae/ctcae-v5.json' with { type: 'json' }
import { GRADES, readNciSheet, toCtcaeEntry, type NciRow } from './nci-sheet.js'

export interface CtcaeText {
  definition: string | null
  /** keyed "1".."5", only the grades CTCAE defines for the term */
  grades: Record<string, string>
}

/** keyed by MedDRA code */
export type CtcaeTextMap = Record<string, CtcaeText>

export const CTCAE_TEXT_FILE = 'ctcae-text.json'
/** the committed dictionary, seeds/ctcae/ctcae-v5.json */
export const CTCAE_V5_ENTRIES: readonly CtcaeEntry[] = seed as CtcaeEntry[]

export class CtcaeImportError extends Error {
  override name = 'CtcaeImportError'
  constructor (readonly problems: string[]) {
    super(`the sheet does not match the CTCAE v5.0 dictionary in seeds/ctcae/ctcae-v5.json (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.slice(0, 20).map(p => `  - ${p}`).join('\n') +
      (problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''))
  }
}

export function buildTextMap (rows: readonly NciRow[]): CtcaeTextMap {
  const map: CtcaeTextMap = {}
  for (const row of rows) {
    const grades: Record<string, string> = {}
    for (const g of GRADES) {
      const t = row.grades[g]
      if (t !== undefined) grades[String(g)] = t
    }
    map[row.meddraCode] = { definition: row.definition, grades }
  }
  return map
}

/** Every disagreement between the sheet and the dictionary; empty when they agree. */
export function verifyAgainstDictionary (rows: readonly NciRow[], entries: readonly CtcaeEntry[]): string[] {
  const problems: string[] = []
  const known = new Map(entries.map(e => [e.meddraCode, e]))
  const seen = new Map<string, number>()
  for (const row of rows) {
    const first = seen.get(row.meddraCode)
    if (first !== undefined) {
      problems.push(`row ${row.row}: MedDRA code ${row.meddraCode} already on row ${first}`)
      continue
    }
    seen.set(row.meddraCode, row.row)
    const want = known.get(row.meddraCode)
    if (want === undefined) {
      problems.push(`row ${row.row}: MedDRA code ${row.meddraCode} (${row.term}) is not in CTCAE v5.0`)
      continue
    }
    const got = toCtcaeEntry(row)
    if (got.term !== want.term) problems.push(`row ${row.row}: MedDRA code ${row.meddraCode} is '${want.term}', the sheet says '${got.term}'`)
    if (got.soc !== want.soc) problems.push(`row ${row.row}: ${want.term} is in SOC '${want.soc}', the sheet says '${got.soc}'`)
    if (got.grades.join() !== want.grades.join()) {
      problems.push(`row ${row.row}: ${want.term} has grades ${want.grades.join(', ')}, the sheet has ${got.grades.join(', ')}`)
    }
  }
  for (const e of entries) {
    if (!seen.has(e.meddraCode)) problems.push(`${e.term} (MedDRA code ${e.meddraCode}) is missing from the sheet`)
  }
  return problems
}

/**
 * Reads the user's CSV or .xlsx copy of NCI's sheet, checks it against the
 * dictionary and writes DATA_DIR/ctcae-text.json. Throws CtcaeImportError, and
 * writes nothing, when they disagree.
 */
export async function importCtcaeText (sheetPath: string, dataDir: string, entries: readonly CtcaeEntry[] = CTCAE_V5_ENTRIES): Promise<{ path: string, terms: number }> {
  const rows = await readNciSheet(sheetPath)
  const problems = verifyAgainstDictionary(rows, entries)
  if (problems.length > 0) throw new CtcaeImportError(problems)
  const map = buildTextMap(rows)
  await mkdir(dataDir, { recursive: true })
  const path = join(dataDir, CTCAE_TEXT_FILE)
  // Write then rename, so a reader never sees half a file.
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(map, null, 2) + '\n')
  await rename(tmp, path)
  return { path, terms: rows.length }
}
