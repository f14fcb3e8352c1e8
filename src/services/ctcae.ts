import type { CtcaeEntry } from '../domain/ctcae.js'
import type { Ctcae } from '../plugins/ctcae.js'

/** A term as the API shows it: grade text null where NCI's text is not imported. */
export function termView (ctcae: Ctcae, entry: CtcaeEntry) {
  const text = ctcae.text?.[entry.meddraCode]
  return {
    meddraCode: entry.meddraCode,
    term: entry.term,
    soc: entry.soc,
    otherSpecify: entry.otherSpecify,
    definition: text?.definition ?? null,
    grades: Object.fromEntries(entry.grades.map((g) => [String(g), text?.grades[String(g)] ?? null]))
  }
}
