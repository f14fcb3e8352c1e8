// Builds a DesignInput for levels 1..K from compact per-level tuples.
import type { DesignInput } from '../../src/domain/designs/types.js'

/** [evaluable, dlts, pending = 0, enrolled = evaluable + pending] per level, levels numbered from 1 */
export type LevelTuple = [number, number, number?, number?]

export function designInput (current: number, levels: LevelTuple[]): DesignInput {
  return {
    doseLevels: levels.map((_, i) => i + 1),
    currentDoseLevel: current,
    counts: levels.map(([evaluable, dlts, pending = 0, enrolled = evaluable + pending], i) => ({
      doseLevel: i + 1, enrolled, evaluable, pending, dlts
    }))
  }
}
