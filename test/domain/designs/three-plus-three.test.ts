import t from 'tap'
import { decideThreePlusThree, threePlusThreeDecisionTable } from '../../../src/domain/designs/three-plus-three.js'
import type { DesignDecision } from '../../../src/domain/designs/types.js'
import { designInput, type LevelTuple } from '../../helpers/design-input.js'
import { fourLevels, threeLevels } from '../../helpers/storer-3plus3-paths.js'

// The 3+3 rules (Storer 1989, Biometrics 45:925; Le Tourneau, Lee & Siu 2009, JNCI 101:708, Figure 1):
// 0/3 escalate; 1/3 expand to 6; <= 1/6 escalate; >= 2 DLTs: the MTD is exceeded and the
// MTD is the next lower level if 6 were treated there with at most 1 DLT.
const p = { startDoseLevel: 1 }
const run = (current: number, levels: LevelTuple[], params: Parameters<typeof decideThreePlusThree>[0] = p) =>
  decideThreePlusThree(params, designInput(current, levels))
const brief = (d: DesignDecision) => [d.action, d.nextDoseLevel, d.mtdDoseLevel ?? null]

t.test('complete cohorts', async tt => {
  tt.same(brief(run(1, [[3, 0], [0, 0], [0, 0]])), ['escalate', 2, null], '0/3 escalate')
  tt.same(brief(run(1, [[3, 1], [0, 0], [0, 0]])), ['expand_cohort', 1, null], '1/3 expand')
  tt.same(brief(run(1, [[6, 1], [0, 0], [0, 0]])), ['escalate', 2, null], '1/6 escalate')
  tt.same(brief(run(2, [[3, 0], [3, 2], [0, 0]])), ['de_escalate', 1, null], '2/3 with 3 at the level below: complete it to 6')
  tt.same(brief(run(2, [[6, 1], [6, 2], [0, 0]])), ['mtd_reached', null, 1], '2/6 with 1/6 below: MTD one level down')
  tt.same(brief(run(2, [[6, 0], [3, 3], [0, 0]])), ['mtd_reached', null, 1], '3/3 with 0/6 below')
  const stop = run(1, [[3, 2], [0, 0]])
  tt.same(brief(stop), ['stop_escalation', null, null], 'lowest dose too toxic')
  tt.same(stop.eliminated, [1, 2])
  tt.match(stop.reasons.join('|'), /lowest dose exceeds the MTD/)
})

t.test('the highest admissible level needs 6 to be declared the MTD', async tt => {
  tt.same(brief(run(2, [[3, 0], [3, 0]])), ['expand_cohort', 2, null], '0/3 at the top dose: expand to 6')
  tt.same(brief(run(2, [[3, 0], [6, 0]])), ['mtd_reached', null, 2], '0/6 at the top dose')
  tt.same(brief(run(2, [[3, 0], [6, 1]])), ['mtd_reached', null, 2], '1/6 at the top dose')
  // Regression: with 0/4 at the top dose the MTD is level 2 if none of the last two has a DLT,
  // but level 1 if both have: the cohort must be completed before an MTD is declared.
  tt.same(brief(run(2, [[6, 1], [4, 0, 0, 4]])), ['expand_cohort', 2, null], '0/4 at the top dose: complete the cohort to 6')
  tt.same(brief(run(2, [[6, 1], [5, 0, 0, 5]])), ['expand_cohort', 2, null], '0/5 at the top dose: the MTD waits for the sixth')
  tt.same(brief(run(2, [[3, 0], [6, 2]])), ['de_escalate', 1, null],
    '2/6 at the top dose with only 3 below: de-escalate')
  // after de-escalating from level 2 (2/3), level 1 (0/3) is completed to 6; never re-escalate
  const back = run(1, [[3, 0], [3, 2], [0, 0]])
  tt.same(brief(back), ['expand_cohort', 1, null])
  tt.same(back.eliminated, [2, 3])
  tt.same(brief(run(1, [[6, 1], [3, 2], [0, 0]])), ['mtd_reached', null, 1])
  tt.same(brief(run(1, [[6, 2], [3, 2], [0, 0]])), ['stop_escalation', null, null])
  tt.same(brief(run(1, [[7, 1], [3, 2]])), ['mtd_reached', null, 1], 'more than 6 enrolled: all count')
})

t.test('de-escalation not allowed', async tt => {
  const d = run(2, [[3, 0], [3, 2], [0, 0]], { startDoseLevel: 1, allowDeEscalation: false, cohortSize: 3 })
  tt.same(brief(d), ['stop_escalation', null, null])
  tt.match(d.reasons.join('|'), /de-escalation is not allowed: level 1 has 3 evaluable, fewer than the 6/)
})

t.test('pending participants', async tt => {
  tt.same(brief(run(1, [[0, 0], [0, 0]])), ['stay', 1, null], 'nobody yet: enrol the first cohort')
  tt.same(brief(run(1, [[0, 0, 1], [0, 0]])), ['stay', 1, null], 'cohort not full: fill it')
  tt.same(brief(run(1, [[2, 0, 1], [0, 0]])), ['stay', null, null], '0/2 + 1 pending: escalate or expand, so wait')
  tt.same(brief(run(2, [[3, 0], [2, 2, 1], [0, 0]])), ['de_escalate', 1, null], '2 DLTs already decide')
  tt.same(brief(run(2, [[3, 0], [2, 2, 0, 2], [0, 0]])), ['de_escalate', 1, null], '2/2 decide before the third is enrolled')
  tt.same(brief(run(1, [[3, 1, 1], [0, 0]])), ['expand_cohort', 1, null], '1/3 + 1 of the expansion enrolled: keep expanding')
  tt.same(brief(run(1, [[5, 0, 1], [0, 0]])), ['escalate', 2, null], '0/5 + 1 pending: at most 1/6, escalate anyway')
  tt.same(brief(run(1, [[4, 1, 2], [0, 0]])), ['stay', null, null], '1/4 + 2 pending: wait')
  const lowerPending = run(2, [[5, 0, 1], [3, 2], [0, 0]])
  tt.same(brief(lowerPending), ['stay', null, null], 'the level below has 6 but one pending')
  tt.match(lowerPending.reasons.join('|'), /wait: 1 participant\(s\) pending at level 1/)
})

t.test('decision table: rows for 3 and 6', async tt => {
  tt.same(threePlusThreeDecisionTable(p), [
    { n: 3, escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 2 },
    { n: 6, escalateIfDltsAtMost: 1, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 2 }
  ])
  tt.same(threePlusThreeDecisionTable({ startDoseLevel: 1, cohortSize: 3 }).map(r => r.n), [3, 6])
})

// Walks every outcome sequence of cohorts of 3 through the design until it stops, enrolling
// each cohort one participant at a time (pending until the cohort's outcomes are known), and
// compares each end with the dose-path tree of Storer's rules. While a cohort is being filled
// the design must keep enrolling at its level: the 4th participant at the top dose once
// opened a de-escalation to the level below (issue #21).
function walk (levels: number): Map<string, number | null> {
  const ends = new Map<string, number | null>()
  const visit = (path: string[], counts: Array<{ n: number, y: number }>, current: number): void => {
    for (let k = 0; k <= 3; k++) {
      const at = counts[current - 1]!
      for (let j = 1; j <= 2; j++) {
        const filling = decideThreePlusThree(p, designInput(current, counts.map((c, i) => i === current - 1 ? [c.n, c.y, j] : [c.n, c.y])))
        if (filling.nextDoseLevel !== current) throw new Error(`${path.join(' ')} + ${j} pending at ${current}: ${filling.action} ${filling.nextDoseLevel}`)
      }
      const next = counts.map((c, i) => i === current - 1 ? { n: at.n + 3, y: at.y + k } : c)
      const key = [...path, `${current}:${Math.min(k, 2)}`]
      const d = decideThreePlusThree(p, designInput(current, next.map((c) => [c.n, c.y])))
      if (d.action === 'mtd_reached' || d.action === 'stop_escalation') {
        const previous = ends.get(key.join(' '))
        if (previous !== undefined && previous !== (d.mtdDoseLevel ?? null)) throw new Error(`${key.join(' ')}: 2 and 3 DLTs end differently`)
        ends.set(key.join(' '), d.mtdDoseLevel ?? null)
      } else {
        visit(key, next, d.nextDoseLevel!)
      }
    }
  }
  visit([], Array.from({ length: levels }, () => ({ n: 0, y: 0 })), 1)
  return ends
}

t.test('every dose path of a 3- and a 4-level 3+3 ends as Storer\'s rules say', async tt => {
  tt.same(walk(3), new Map(threeLevels), '3 levels: 67 paths')
  tt.same(walk(4), new Map(fourLevels), '4 levels: 157 paths')
})
