// What the benchmark's adverse events look like: common early-phase CTCAE
// v5.0 terms with rough relative frequencies, mostly grade 1-2, drawn from a
// seeded generator so that two runs of one size store the same dataset.
import { readFileSync } from 'node:fs'

/** trial_id of the baseline table's rows */
export const BASELINE_TRIAL = 'BASELINE'

interface CtcaeEntry { meddraCode: string, term: string, soc: string, grades: number[], otherSpecify: boolean }

const dictionary = JSON.parse(readFileSync(new URL('../../seeds/ctcae/ctcae-v5.json', import.meta.url), 'utf8')) as CtcaeEntry[]

// Relative weights: the order of magnitude of how often each term is reported
// in first-in-human trials (fatigue and nausea most, laboratory findings next).
const WEIGHTED_TERMS: Array<[string, number]> = [
  ['Fatigue', 14], ['Nausea', 11], ['Headache', 9], ['Diarrhea', 7], ['Fever', 6], ['Anemia', 5], ['Vomiting', 5],
  ['Anorexia', 4], ['Constipation', 4], ['Rash maculo-papular', 4], ['Arthralgia', 3], ['Myalgia', 3], ['Dizziness', 3],
  ['Insomnia', 2], ['Cough', 2], ['Back pain', 2], ['Alanine aminotransferase increased', 3],
  ['Aspartate aminotransferase increased', 3], ['Lymphocyte count decreased', 2], ['Neutrophil count decreased', 2],
  ['Platelet count decreased', 2], ['Injection site reaction', 3], ['Infusion related reaction', 2], ['Pruritus', 2],
  ['Hypertension', 2], ['Dyspnea', 1], ['Abdominal pain', 2], ['Chills', 2], ['Edema limbs', 1],
  ['Peripheral sensory neuropathy', 1], ['Pain in extremity', 1], ['Hypokalemia', 1], ['Dysgeusia', 1],
  ['Mucositis oral', 1], ['Alopecia', 1]
]

export const TERMS: Array<CtcaeEntry & { weight: number }> = WEIGHTED_TERMS.map(([term, weight]) => {
  const entry = dictionary.find((e) => e.term === term)
  if (entry === undefined || !entry.grades.includes(1) || !entry.grades.includes(2)) throw new Error(`CTCAE term ${term} missing or without grades 1-2`)
  return { ...entry, weight }
})
const TOTAL_WEIGHT = TERMS.reduce((n, t) => n + t.weight, 0)

/** mulberry32: a small seeded generator, good enough for test data */
export function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const pickInt = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))

const ATTRIBUTIONS: Array<[string, number]> = [['unrelated', 35], ['unlikely', 25], ['possible', 25], ['probable', 10], ['definite', 5]]

function weighted<T> (rand: () => number, items: Array<[T, number]>): T {
  const total = items.reduce((n, [, w]) => n + w, 0)
  let x = rand() * total
  for (const [item, w] of items) {
    x -= w
    if (x < 0) return item
  }
  return items[items.length - 1]![0]
}

export interface AeDraw {
  entry: CtcaeEntry
  grade: number
  attribution: string
  clinicalSymptoms: boolean
  requiredMedicalTreatment: boolean
  /** days from onset to resolution; null = not resolved */
  resolvedAfterDays: number | null
}

/** One AE: grade 1 (60%), 2 (33%) or, where maxGrade allows, 3 (7%); non-serious. */
export function drawAe (rand: () => number, maxGrade = 3): AeDraw {
  let x = rand() * TOTAL_WEIGHT
  let entry = TERMS[TERMS.length - 1]!
  for (const t of TERMS) {
    x -= t.weight
    if (x < 0) { entry = t; break }
  }
  const g = rand()
  let grade = g < 0.6 ? 1 : g < 0.93 ? 2 : 3
  if (grade > maxGrade || !entry.grades.includes(grade)) grade = 2
  return {
    entry,
    grade,
    attribution: weighted(rand, ATTRIBUTIONS),
    clinicalSymptoms: grade >= 2 || rand() < 0.3,
    requiredMedicalTreatment: grade >= 2 && rand() < 0.5,
    resolvedAfterDays: rand() < 0.85 ? pickInt(rand, 0, 21) : null
  }
}

export const DAY_MS = 86_400_000
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
export const todayMs = () => Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z')
