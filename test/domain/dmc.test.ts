import t from 'tap'
import { dmcInForce, type DmcStep } from '../../src/domain/dmc.js'

// Issue #21: one signed DMC `continue` put a terminated trial back to "go". A DMC expects its
// termination to be final: only an admin reopening with a reason (audited) undoes it.
const d = (decision: 'continue' | 'modify' | 'pause' | 'terminate'): DmcStep => ({ decision })
const reopen: DmcStep = { decision: 'reopen', reason: 'termination entered for the wrong trial (DMC chair letter of 2026-03-02)' }

t.test('the DMC decision in force', async (t) => {
  const cases: Array<[string, DmcStep[], 'pause' | 'terminate' | null]> = [
    ['no decision', [], null],
    ['continue', [d('continue')], null],
    ['pause holds', [d('pause')], 'pause'],
    ['continue lifts a pause', [d('pause'), d('continue')], null],
    ['modify lifts a pause', [d('pause'), d('modify')], null],
    ['terminate', [d('continue'), d('terminate')], 'terminate'],
    ['continue does not lift a termination', [d('terminate'), d('continue')], 'terminate'],
    ['modify does not lift a termination', [d('terminate'), d('modify')], 'terminate'],
    ['a pause does not soften a termination', [d('terminate'), d('pause')], 'terminate'],
    ['an admin reopening lifts it', [d('terminate'), d('continue'), reopen], null],
    ['after a reopening the DMC decides again', [d('terminate'), reopen, d('pause')], 'pause'],
    ['a reopening without a termination changes nothing', [d('pause'), reopen], 'pause']
  ]
  for (const [name, steps, expected] of cases) t.equal(dmcInForce(steps), expected, name)
})
