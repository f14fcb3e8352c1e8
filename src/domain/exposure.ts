// The dose level a participant's DLT data count at when they were dosed at
// another level than the one they were enrolled at (a dose modification).
//
// The protocol's dltDefinition.modifiedDoseCountsAt says which: the highest
// level actually given in the DLT period (default: a DLT after any dose at a
// level is evidence about that level, and the highest exposure is the
// cautious reading for escalation) or the enrolled level. The DLT period runs
// from the first administration to the end of the DLT window. Such
// participants are flagged for the DMC whichever level they count at.

export interface Administered {
  administeredAt: string
  doseLevel: number
}

export interface CountedLevel {
  /** the level the participant's data count at */
  doseLevel: number
  /** dosed at a level other than the enrolled one in the DLT period */
  modified: boolean
  /** the levels given in the DLT period, ascending */
  given: number[]
}

export function countedLevel (
  enrolledLevel: number, administrations: readonly Administered[], windowEnd: string | null, countsAt: 'highest_given' | 'enrolled' = 'highest_given'
): CountedLevel {
  const end = windowEnd === null ? Infinity : Date.parse(windowEnd)
  const inPeriod = administrations.filter((a) => Date.parse(a.administeredAt) < end)
  const given = [...new Set(inPeriod.map((a) => a.doseLevel))].sort((a, b) => a - b)
  const modified = given.some((l) => l !== enrolledLevel)
  const doseLevel = modified && countsAt === 'highest_given' ? given.at(-1)! : enrolledLevel
  return { doseLevel, modified, given }
}
