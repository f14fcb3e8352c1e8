// CTCAE v5.0 dictionary: term and MedDRA code look-up, type-ahead search and
// validation of a reported term/grade. Holds only the facts NCI publishes about
// each term (code, name, SOC, which grades exist), never NCI's grade text.

export type CtcaeGrade = 1 | 2 | 3 | 4 | 5

export interface CtcaeEntry {
  /** MedDRA LLT code as printed in CTCAE, 8 digits */
  meddraCode: string
  term: string
  soc: string
  /** the grades CTCAE defines for this term, ascending */
  grades: CtcaeGrade[]
  /** true for the '<SOC> - Other, specify' terms, which need a verbatim event name */
  otherSpecify: boolean
}

export interface CtcaeSearchOptions {
  /** restrict to one system organ class (matched like terms: case- and whitespace-insensitive) */
  soc?: string
  /** maximum number of results [50] */
  limit?: number
}

export interface CtcaeDictionary {
  byCode (code: string): CtcaeEntry | undefined
  byTerm (term: string): CtcaeEntry | undefined
  search (q: string, options?: CtcaeSearchOptions): CtcaeEntry[]
  /** the system organ classes, alphabetical */
  socs (): string[]
  readonly size: number
}

export interface FieldError {
  /** JSON pointer into the request body, e.g. '/grade' */
  path: string
  message: string
}

export type CtcaeResolution =
  | { ok: true, entry: CtcaeEntry }
  | { ok: false, errors: FieldError[] }

export interface CtcaeReport {
  term?: string
  meddraCode?: string
  grade: number
  otherSpecify?: string
}

export const CTCAE_VERSION = 'CTCAE v5.0'
const DEFAULT_SEARCH_LIMIT = 50
// One fixed collation so that the order does not depend on the host's locale.
const compare = new Intl.Collator('en').compare

/** Trim, collapse internal whitespace (no-break spaces included) and lower-case. */
export function normaliseTerm (s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase()
}

interface Indexed {
  entry: CtcaeEntry
  name: string
  soc: string
}

export function createCtcaeDictionary (entries: readonly CtcaeEntry[]): CtcaeDictionary {
  const codes = new Map<string, CtcaeEntry>()
  const terms = new Map<string, CtcaeEntry>()
  for (const entry of entries) {
    const name = normaliseTerm(entry.term)
    // Two rows with one code or one name would make look-ups ambiguous.
    if (codes.has(entry.meddraCode)) throw new Error(`duplicate MedDRA code ${entry.meddraCode} in CTCAE dictionary`)
    if (terms.has(name)) throw new Error(`duplicate term '${entry.term}' in CTCAE dictionary`)
    codes.set(entry.meddraCode, entry)
    terms.set(name, entry)
  }
  // Normalised names are computed once so that search on every keystroke only scans strings.
  const sorted: Indexed[] = entries
    .map(entry => ({ entry, name: normaliseTerm(entry.term), soc: normaliseTerm(entry.soc) }))
    .sort((a, b) => compare(a.name, b.name))
  const socs = [...new Set(entries.map(e => e.soc))].sort(compare)

  return {
    byCode: code => codes.get(code.trim()),
    byTerm: term => terms.get(normaliseTerm(term)),
    search (q, options = {}) {
      const needle = normaliseTerm(q)
      const soc = options.soc === undefined ? undefined : normaliseTerm(options.soc)
      const limit = options.limit ?? DEFAULT_SEARCH_LIMIT
      const prefix: CtcaeEntry[] = []
      const inner: CtcaeEntry[] = []
      for (const item of sorted) {
        if (soc !== undefined && item.soc !== soc) continue
        const at = item.name.indexOf(needle)
        if (at === 0) prefix.push(item.entry)
        else if (at > 0) inner.push(item.entry)
      }
      return prefix.concat(inner).slice(0, Math.max(0, limit))
    },
    socs: () => [...socs],
    size: codes.size
  }
}

/**
 * Checks a reported term and/or MedDRA code and grade against CTCAE v5.0 and
 * returns the entry, or every problem found (not just the first).
 */
export function resolveCtcae (dict: CtcaeDictionary, report: CtcaeReport): CtcaeResolution {
  const errors: FieldError[] = []
  const term = blankToUndefined(report.term)
  const code = blankToUndefined(report.meddraCode)
  const byTerm = term === undefined ? undefined : dict.byTerm(term)
  const byCode = code === undefined ? undefined : dict.byCode(code)

  if (term === undefined && code === undefined) {
    errors.push({ path: '/term', message: 'either term or meddraCode is required' })
  }
  if (term !== undefined && byTerm === undefined) {
    errors.push({ path: '/term', message: `'${term}' is not a ${CTCAE_VERSION} term` })
  }
  if (code !== undefined && byCode === undefined) {
    errors.push({ path: '/meddraCode', message: `${code} is not a MedDRA code of a ${CTCAE_VERSION} term` })
  }
  if (byTerm !== undefined && byCode !== undefined && byTerm !== byCode) {
    errors.push({
      path: '/meddraCode',
      message: `meddraCode ${byCode.meddraCode} is '${byCode.term}' but term is '${byTerm.term}' (MedDRA code ${byTerm.meddraCode})`
    })
  }

  const matched = [...new Set([byTerm, byCode])].filter(e => e !== undefined)
  if (!Number.isInteger(report.grade) || report.grade < 1 || report.grade > 5) {
    errors.push({ path: '/grade', message: `grade must be an integer from 1 to 5, got ${report.grade}` })
  } else {
    for (const entry of matched) {
      if (!entry.grades.includes(report.grade as CtcaeGrade)) {
        errors.push({
          path: '/grade',
          message: `grade ${report.grade} is not defined for ${entry.term} in ${CTCAE_VERSION}; allowed grades: ${entry.grades.join(', ')}`
        })
      }
    }
  }
  const specified = blankToUndefined(report.otherSpecify) !== undefined
  for (const entry of matched) {
    if (entry.otherSpecify && !specified) {
      errors.push({ path: '/otherSpecify', message: `'${entry.term}' requires otherSpecify naming the event` })
    }
    // A verbatim name on an ordinary term would relabel it: the event is then not the coded term.
    if (!entry.otherSpecify && specified) {
      errors.push({ path: '/otherSpecify', message: `otherSpecify applies only to the CTCAE '<SOC> - Other, specify' terms, not to '${entry.term}'` })
    }
  }

  const [entry] = matched
  return errors.length === 0 ? { ok: true, entry } : { ok: false, errors }
}

function blankToUndefined (s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s
}
