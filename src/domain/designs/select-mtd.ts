// MTD selection at the end of an interval-design trial, as in the BOIN
// package's select.mtd (Liu & Yuan 2015; Yan et al. 2020, J Stat Softw 94(13)).
import { betaCdf } from '../stats.js'

/** weighted isotonic (non-decreasing) regression by pool-adjacent-violators */
export function pava (values: number[], weights: number[]): number[] {
  const blocks: Array<{ value: number, weight: number, size: number }> = []
  values.forEach((value, i) => {
    blocks.push({ value, weight: weights[i], size: 1 })
    while (blocks.length > 1 && blocks[blocks.length - 2].value > blocks[blocks.length - 1].value) {
      const b = blocks.pop()!
      const a = blocks.pop()!
      const weight = a.weight + b.weight
      blocks.push({ value: (a.value * a.weight + b.value * b.weight) / weight, weight, size: a.size + b.size })
    }
  })
  return blocks.flatMap(b => Array<number>(b.size).fill(b.value))
}

/** Pr(p > target | y DLTs in n) under a Beta(1, 1) prior */
export function overdoseProbability (y: number, n: number, target: number): number {
  return 1 - betaCdf(target, y + 1, n - y + 1)
}

/** index of the lowest level the safety rule eliminates (n >= 3 and Pr(p > target) > cutoff), or data.length */
export function firstEliminated (data: Array<{ n: number, y: number }>, target: number, cutoff: number): number {
  const i = data.findIndex(d => d.n >= 3 && overdoseProbability(d.y, d.n, target) > cutoff)
  return i < 0 ? data.length : i
}

export interface MtdSelection {
  /** index of the selected level, null when none can be selected */
  index: number | null
  /** isotonic DLT-rate estimate per level (null where untreated or eliminated) */
  estimates: Array<number | null>
}

/**
 * BOIN's select.mtd: among treated, non-eliminated levels, isotonic regression
 * of (y + 0.05)/(n + 0.1) weighted by the inverse of its beta variance; the
 * level whose estimate is closest to the target is the MTD. Ties go to the
 * higher level below the target and the lower level above it (BOIN adds
 * index x 1e-10 to the estimates to break them that way).
 */
export function selectMtd (data: Array<{ n: number, y: number }>, target: number, cutoff = 0.95): MtdSelection {
  const elim = firstEliminated(data, target, cutoff)
  const admissible = data.map((_, i) => i).filter(i => i < elim && data[i].n > 0)
  const estimates: Array<number | null> = data.map(() => null)
  if (admissible.length === 0) return { index: null, estimates }
  const raw = admissible.map(i => (data[i].y + 0.05) / (data[i].n + 0.1))
  const weights = admissible.map(i => {
    const { y, n } = data[i]
    return ((n + 0.1) ** 2 * (n + 1.1)) / ((y + 0.05) * (n - y + 0.05))
  })
  const iso = pava(raw, weights)
  let best = 0
  iso.forEach((p, k) => {
    estimates[admissible[k]] = p
    const distance = Math.abs(p + (k + 1) * 1e-10 - target)
    if (distance < Math.abs(iso[best] + (best + 1) * 1e-10 - target)) best = k
  })
  return { index: admissible[best], estimates }
}
