import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CtcaeEntry } from '../../src/domain/ctcae.js'
import { CTCAE_V5_ENTRIES } from '../../src/ctcae/text.js'

// NCI's CTCAE v5.0 sheet ("CTCAE v5.0 Clean Copy" as CSV) is not part of the
// repository. test/fixtures/ctcae-v5-excerpt.csv is its header and 11 of its
// records copied byte for byte (sheet rows 2, 3, 52, 221, 222, 242, 265, 309,
// 781, 785, 827): the cells the tests check, a no-break space, ≥, multi-line
// cells and navigational notes included. The full sheet, where it is beside
// the repository (CI) or named by CTCAE_CSV, adds the whole-sheet checks.

export const EXCERPT_PATH = fileURLToPath(new URL('../fixtures/ctcae-v5-excerpt.csv', import.meta.url))

const besideRepo = fileURLToPath(new URL('../../../shared/ctcae/CTCAE_v5.0.csv', import.meta.url))
const given = process.env.CTCAE_CSV

/** the full sheet's path, or undefined when it is not available */
export const FULL_SHEET_PATH: string | undefined = given !== undefined && given !== ''
  ? given
  : existsSync(besideRepo) ? besideRepo : undefined

/** tap's `skip` option for the whole-sheet checks: false, or why they are skipped */
export const fullSheetSkip: string | false = FULL_SHEET_PATH === undefined
  ? 'NCI\'s full CTCAE v5.0 sheet is not available (put it at ../shared/ctcae/CTCAE_v5.0.csv beside the repository, or set CTCAE_CSV)'
  : false

/** The dictionary entries of the excerpt's terms: what the excerpt is checked against. */
export const excerptEntries = (codes: readonly string[]): CtcaeEntry[] =>
  CTCAE_V5_ENTRIES.filter(e => codes.includes(e.meddraCode))
