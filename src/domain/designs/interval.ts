// The engine shared by the interval designs (BOIN, mTPI-2, i3+3): each design
// supplies only its escalate/stay/de-escalate rule for y DLTs in n at the
// current dose; elimination (Pr(p > target | y, n) > cutoff with n >= 3, Beta(1,1)
// prior), boundaries, early stopping and MTD selection are common to all three.
import { currentIndex, decideOverOutcomes, dlt, safetyRule, unfilledPlaces } from './common.js'
import { firstEliminated, overdoseProbability, selectMtd } from './select-mtd.js'
import type { DecisionTableRow, DesignDecision, DesignInput, SafetyStop } from './types.js'

export type Step = 'E' | 'S' | 'D'

/** The parameters the interval designs (mTPI-2, i3+3) share, named as in the contract. */
export interface IntervalParams {
  startDoseLevel: number
  cohortSize: number
  targetToxicity: number
  epsilon1?: number
  epsilon2?: number
  eliminationCutoff?: number
  maxSampleSize?: number
  safetyStop?: SafetyStop
}

/** the design's safety stop at the lowest level (see SafetyStop), with whether the protocol left it at its default */
export function intervalSafety (p: { targetToxicity: number, safetyStop?: SafetyStop | undefined }): IntervalDesign['safety'] {
  const rule = safetyRule(p)
  return rule === null ? null : { ...rule, byDefault: p.safetyStop === undefined }
}

export interface IntervalDesign {
  name: string
  targetToxicity: number
  cohortSize: number
  eliminationCutoff: number
  /** the design's rule at the current dose, with a reason a DMC member can check */
  step: (y: number, n: number) => { step: Step, reason: string }
  /** stop and select the MTD once this many are treated at the current dose and the decision is to stay */
  nEarlyStop?: number
  maxSampleSize?: number
  /** stop when >= 3 are evaluable at the lowest level and Pr(p > threshold), Beta(1, 1) prior, exceeds probability; null: disabled */
  safety: { threshold: number, probability: number, byDefault: boolean } | null
}

const fmt = (p: number) => p.toFixed(3)

function eliminationReason (d: IntervalDesign, level: number, y: number, n: number): string {
  const p = overdoseProbability(y, n, d.targetToxicity)
  return `level ${level} and above eliminated: ${dlt(y)} in ${n} gives Pr(DLT rate > ${d.targetToxicity}) = ${fmt(p)} > ${d.eliminationCutoff}`
}

function complete (d: IntervalDesign, input: DesignInput, eliminated: number[], why: string): DesignDecision {
  const data = input.counts.map(c => ({ n: c.evaluable, y: c.dlts }))
  const sel = selectMtd(data, d.targetToxicity, d.eliminationCutoff)
  const mtd = sel.index === null ? null : input.doseLevels[sel.index]
  const pending = input.counts.reduce((s, c) => s + c.pending, 0)
  const reasons = [why, mtd === null
    ? 'no level can be selected as the MTD'
    : `MTD: level ${mtd}, whose isotonic DLT-rate estimate ${fmt(sel.estimates[sel.index!]!)} is closest to the target ${d.targetToxicity}`]
  if (pending > 0) reasons.push(`the MTD selection is provisional: ${pending} participant(s) still pending`)
  return { action: 'complete', nextDoseLevel: null, mtdDoseLevel: mtd, eliminated, reasons }
}

// The decision with y DLTs in n at the current level c, all levels from `elim` up already eliminated.
function resolve (d: IntervalDesign, input: DesignInput, c: number, elim: number, y: number, n: number): DesignDecision {
  const levels = input.doseLevels
  const level = levels[c]
  if (n >= 3 && overdoseProbability(y, n, d.targetToxicity) > d.eliminationCutoff) {
    const eliminated = levels.slice(c)
    const reasons = [eliminationReason(d, level, y, n)]
    if (c === 0) {
      return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated, reasons: [...reasons, 'the lowest dose is eliminated: stop, no MTD'] }
    }
    return { action: 'de_escalate', nextDoseLevel: levels[c - 1], eliminated, reasons }
  }
  const eliminated = levels.slice(elim)
  const rule = d.step(y, n)
  const reasons = [`${d.name} at level ${level}: ${dlt(y)} in ${n}: ${rule.reason}`]
  let decision: DesignDecision = { action: 'stay', nextDoseLevel: level, eliminated, reasons }
  if (rule.step === 'E') {
    if (c + 1 < elim) decision = { ...decision, action: 'escalate', nextDoseLevel: levels[c + 1] }
    else reasons.push(`level ${level} is the highest admissible level: stay`)
  } else if (rule.step === 'D') {
    if (c > 0) decision = { ...decision, action: 'de_escalate', nextDoseLevel: levels[c - 1] }
    else reasons.push(`level ${level} is the lowest level: stay`)
  }
  if (decision.action === 'stay' && d.nEarlyStop !== undefined && n >= d.nEarlyStop) {
    return complete(d, input, eliminated, `${n} treated at level ${level} reach nEarlyStop = ${d.nEarlyStop} with the decision to stay: stop the trial`)
  }
  return decision
}

export function decideInterval (d: IntervalDesign, input: DesignInput): DesignDecision {
  const c = currentIndex(input)
  const { doseLevels: levels, counts } = input
  const elim = firstEliminated(counts.map(x => ({ n: x.evaluable, y: x.dlts })), d.targetToxicity, d.eliminationCutoff)
  const eliminated = levels.slice(elim)
  if (elim === 0) {
    const reasons = [eliminationReason(d, levels[0], counts[0].dlts, counts[0].evaluable), 'the lowest dose is eliminated: stop, no MTD']
    return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated, reasons }
  }
  const low = counts[0]
  const s = d.safety
  if (s !== null && low.evaluable >= 3 && overdoseProbability(low.dlts, low.evaluable, s.threshold) > s.probability) {
    const pr = overdoseProbability(low.dlts, low.evaluable, s.threshold)
    const reasons = [
      `safety stop at level ${levels[0]}: ${dlt(low.dlts)} in ${low.evaluable} gives Pr(DLT rate > ${s.threshold}) = ${fmt(pr)} > ${s.probability}${s.byDefault ? ' (default, as BOIN\'s extrasafe)' : ''}`,
      'the lowest dose is too toxic: stop, no MTD'
    ]
    return { action: 'stop_escalation', nextDoseLevel: null, mtdDoseLevel: null, eliminated: [...levels], reasons }
  }
  const total = counts.reduce((s, x) => s + x.evaluable + x.pending, 0)
  if (d.maxSampleSize !== undefined && total >= d.maxSampleSize) {
    return complete(d, input, eliminated, `${total} participants treated reach the maximum sample size ${d.maxSampleSize}`)
  }
  if (c >= elim) {
    const x = counts[elim]
    return {
      action: 'de_escalate',
      nextDoseLevel: levels[elim - 1],
      eliminated,
      reasons: [eliminationReason(d, levels[elim], x.dlts, x.evaluable), `level ${levels[c]} is not admissible: go to the highest admissible level`]
    }
  }
  const cur = counts[c]
  const unfilled = unfilledPlaces(cur.enrolled, d.cohortSize)
  const outstanding = cur.pending + unfilled
  if (outstanding === 0) return resolve(d, input, c, elim, cur.dlts, cur.evaluable)
  const n = cur.evaluable + outstanding
  const scenarios = Array.from({ length: outstanding + 1 }, (_, j) => resolve(d, input, c, elim, cur.dlts + j, n))
  return decideOverOutcomes(scenarios, {
    currentLevel: levels[c],
    pending: cur.pending,
    unfilled,
    eliminated,
    summary: `${d.name} at level ${levels[c]}: ${dlt(cur.dlts)} in ${cur.evaluable} evaluable, ${cur.pending} pending, ${unfilled} open place(s) in the cohort of ${d.cohortSize}`
  })
}

/** for n = 1..maxN: the DLT counts at the current dose that escalate, de-escalate (or eliminate) and eliminate */
export function intervalTable (d: IntervalDesign, maxN: number): DecisionTableRow[] {
  const rows: DecisionTableRow[] = []
  for (let n = 1; n <= maxN; n++) {
    let esc: number | null = null
    let de: number | null = null
    let eli: number | null = null
    for (let y = n; y >= 0; y--) {
      const eliminate = n >= 3 && overdoseProbability(y, n, d.targetToxicity) > d.eliminationCutoff
      const step = d.step(y, n).step
      if (eliminate) eli = y
      if (eliminate || step === 'D') de = y
      if (!eliminate && step === 'E' && esc === null) esc = y
    }
    rows.push({ n, escalateIfDltsAtMost: esc, deEscalateIfDltsAtLeast: de, eliminateIfDltsAtLeast: eli })
  }
  return rows
}
