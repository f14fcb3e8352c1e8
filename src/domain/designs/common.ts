// Shared plumbing of the design engines: input checks and the rule for
// deciding while some DLT outcomes at the current level are still unknown.
import type { DesignAction, DesignDecision, DesignInput, SafetyStop } from './types.js'

/** the safety stop in force: the protocol's, else the default at the target with probability 0.9; null when disabled */
export function safetyRule (p: { targetToxicity: number, safetyStop?: SafetyStop | undefined }): { threshold: number, probability: number } | null {
  const s = p.safetyStop ?? { threshold: p.targetToxicity, probability: 0.9 }
  return 'disabled' in s ? null : s
}

/** checks the input's shape and returns the index (in doseLevels) of the current level */
export function currentIndex (input: DesignInput): number {
  const { doseLevels, counts } = input
  if (doseLevels.length === 0) throw new RangeError('a design needs at least one dose level')
  if (counts.length !== doseLevels.length) {
    throw new RangeError(`counts has ${counts.length} entries for ${doseLevels.length} dose levels`)
  }
  doseLevels.forEach((level, i) => {
    if (i > 0 && level <= doseLevels[i - 1]) throw new RangeError('doseLevels must be strictly ascending')
    const c = counts[i]
    if (c.doseLevel !== level) throw new RangeError(`counts[${i}] is for level ${c.doseLevel}, expected ${level}`)
    const values = [c.enrolled, c.evaluable, c.pending, c.dlts]
    if (!values.every(v => Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`counts for level ${level} must be non-negative integers`)
    }
    if (c.dlts > c.evaluable || c.evaluable + c.pending > c.enrolled) {
      throw new RangeError(`counts for level ${level} are inconsistent (dlts <= evaluable, evaluable + pending <= enrolled)`)
    }
  })
  const index = doseLevels.indexOf(input.currentDoseLevel)
  if (index < 0) throw new RangeError(`current dose level ${input.currentDoseLevel} is not one of ${doseLevels.join(', ')}`)
  return index
}

/** places still open in the cohort at a level with `enrolled` participants (a full cohort when nobody is there yet) */
export function unfilledPlaces (enrolled: number, cohortSize: number): number {
  const rest = enrolled % cohortSize
  return enrolled > 0 && rest === 0 ? 0 : cohortSize - rest
}

export const dlt = (k: number) => `${k} DLT${k === 1 ? '' : 's'}`

export interface PendingContext {
  /** the current dose level (a level number, not an index) */
  currentLevel: number
  /** participants whose DLT window is still open (at the current level, or at any level for designs that use all data) */
  pending: number
  /** places still open in the current cohort */
  unfilled: number
  /** levels eliminated on the data observed so far */
  eliminated: number[]
  /** what is known now, for the reasons */
  summary: string
  /** the action while the current cohort is being filled ('stay' or 'expand_cohort') */
  fillAction?: DesignAction
}

/**
 * Decides from the decisions the design would take under each possible
 * outcome of the outstanding participants (pending ones and the places still
 * open in the current cohort). When all agree, that decision holds now. When
 * they do not, the open places of the cohort are filled at the current level,
 * or lower when every outcome that names a next level leads lower; with no open place, accrual waits
 * (nextDoseLevel null) until the pending windows close.
 */
export function decideOverOutcomes (scenarios: DesignDecision[], ctx: PendingContext): DesignDecision {
  const first = scenarios[0]
  const outstanding = ctx.pending + ctx.unfilled
  // Agreement includes the MTD: at the top level, 0 of 4 with 2 places open
  // is 'mtd_reached' whatever happens, but at level 3 or one below it.
  const agree = scenarios.every(s => s.action === first.action && s.nextDoseLevel === first.nextDoseLevel && (s.mtdDoseLevel ?? null) === (first.mtdDoseLevel ?? null))
  // An MTD is declared on a complete cohort ("once 6 were treated"), even when
  // the open places could not change which level it is; stopping for toxicity
  // needs no such wait.
  if (agree && !(first.action === 'mtd_reached' && ctx.unfilled > 0)) {
    return {
      ...first,
      eliminated: ctx.eliminated,
      reasons: [
        ctx.summary,
        `the decision is the same whichever of the ${outstanding} outstanding outcome(s) turn out to be DLTs`,
        ...first.reasons.map(r => `with none of them a DLT: ${r}`)
      ]
    }
  }
  if (ctx.unfilled > 0) {
    // the highest level any outcome leads to; an outcome that declares the
    // current level the MTD needs the cohort completed here (Storer's
    // confirmation of the top dose), other outcomes that end escalation are ignored
    const highest = Math.max(...scenarios.map(s => s.nextDoseLevel ?? (s.mtdDoseLevel === ctx.currentLevel ? ctx.currentLevel : -Infinity)))
    const next = highest === -Infinity ? ctx.currentLevel : Math.min(ctx.currentLevel, highest)
    const action: DesignAction = next < ctx.currentLevel ? 'de_escalate' : ctx.fillAction ?? 'stay'
    return {
      action,
      nextDoseLevel: next,
      eliminated: ctx.eliminated,
      reasons: [
        ctx.summary,
        `the cohort at level ${ctx.currentLevel} has ${ctx.unfilled} open place(s) and the outstanding outcomes could change the decision: enrol at level ${next}`
      ]
    }
  }
  return {
    action: 'stay',
    nextDoseLevel: null,
    eliminated: ctx.eliminated,
    reasons: [
      ctx.summary,
      `wait: the outcome of ${ctx.pending} pending participant(s) could change the decision; no level is open until their DLT windows close`
    ]
  }
}
