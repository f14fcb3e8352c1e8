import t from 'tap'
import { countedLevel } from '../../src/domain/exposure.js'

// Issue #21: a participant enrolled at level 2 and dosed at level 4 had their DLT counted at
// level 2, and level 4's exposure appeared nowhere. A DMC expects a DLT after a dose at level 4
// to count at level 4 (the highest level given in the DLT period), and the participant flagged.
const at = (day: number, doseLevel: number) => ({ administeredAt: `2026-01-${String(day).padStart(2, '0')}T09:00:00Z`, doseLevel })
const END = '2026-01-16T00:00:00.000Z' // 14-day window from 2026-01-01

t.test('the level a modified participant counts at', async (t) => {
  const cases: Array<[string, Parameters<typeof countedLevel>, { doseLevel: number, modified: boolean, given: number[] }]> = [
    ['as enrolled', [2, [at(1, 2), at(8, 2)], END], { doseLevel: 2, modified: false, given: [2] }],
    ['no administration yet', [2, [], null], { doseLevel: 2, modified: false, given: [] }],
    ['escalated dose in the DLT period: counts at the highest level given', [2, [at(1, 2), at(8, 4)], END], { doseLevel: 4, modified: true, given: [2, 4] }],
    ['reduced after the first dose: the enrolled level is the highest given', [3, [at(1, 3), at(8, 2)], END], { doseLevel: 3, modified: true, given: [2, 3] }],
    ['reduced from the start: only the lower level was given', [3, [at(1, 2), at(8, 2)], END], { doseLevel: 2, modified: true, given: [2] }],
    ['a modification after the DLT window does not move the data', [2, [at(1, 2), at(16, 4)], END], { doseLevel: 2, modified: false, given: [2] }],
    ['the last instant of the window counts', [2, [at(1, 2), { administeredAt: '2026-01-15T23:59:59Z', doseLevel: 4 }], END], { doseLevel: 4, modified: true, given: [2, 4] }],
    ['the protocol may count at the enrolled level', [2, [at(1, 2), at(8, 4)], END, 'enrolled'], { doseLevel: 2, modified: true, given: [2, 4] }]
  ]
  for (const [name, args, expected] of cases) t.same(countedLevel(...args), expected, name)
})
