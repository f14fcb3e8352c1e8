import t from 'tap'
import { amendmentLimit, applyAmendmentLimit } from '../../src/domain/amendment.js'
import { parseProtocol, type Protocol } from '../../src/domain/protocol.js'
import { evaluateStatus, type StatusParticipant } from '../../src/domain/status.js'

// Issue #21: a design switch by amendment (a 3+3 stop to BOIN) turned "stop" into "go" and
// enrolment was accepted. A DMC expects an amendment to apply forward: it starts from the data
// as they stand, but a stop stays a stop and a closed level stays closed until the DMC decides.
const RELATED = ['possible', 'probable', 'definite']
const base = {
  doseLevels: [1, 2, 3].map((level) => ({ level, label: `level ${level}` })),
  dltDefinition: { windowDays: 14, windowStart: 'first_administration', minGrade: 3, attributions: RELATED },
  design: { type: '3+3', startDoseLevel: 1 },
  stoppingRules: [] as object[]
}
const protocol = (over: object): Protocol => {
  const r = parseProtocol({ ...structuredClone(base), ...over })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.protocol
}
const threePlusThree = protocol({})
// target 0.4: 2/3 at level 1 gives Pr(p > 0.4) = 0.82, below the default safety stop
const boin = protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.4 } })
const rule = protocol({ stoppingRules: [{ type: 'dlt_rate_above', threshold: 0.3, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' }] })
const boinNoRule = protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, safetyStop: { disabled: true, reason: 'test' } } })

let n = 0
const cohort = (doseLevel: number, size: number, dlts: number): StatusParticipant[] => Array.from({ length: size }, (_, i) => ({
  participantId: `p${++n}`, doseLevel, status: 'enrolled', firstAdministrationAt: '2026-01-01T09:00:00Z', lastAdministrationAt: '2026-01-01T09:00:00Z', dltCount: i < dlts ? 1 : 0, pendingDltCount: 0
}))
const ASOF = '2026-03-01T00:00:00Z'
const status = (p: Protocol, people: StatusParticipant[], current: number) => evaluateStatus(p, { participants: people, signals: [], currentDoseLevel: current }, ASOF)
const open = (s: ReturnType<typeof status>) => s.doseLevels.filter((d) => d.open).map((d) => d.doseLevel)

// [name, protocol before, protocol after, data at the amendment, current level, data accrued after it, expected]
type Row = [string, Protocol, Protocol, StatusParticipant[], number, StatusParticipant[], { before: unknown[], computed: unknown[], applied: unknown[] }]
const rows: Row[] = [
  ['3+3 stop (2/3 at the lowest dose) to BOIN: the stop stands', threePlusThree, boin, cohort(1, 3, 2), 1, [],
    { before: ['stop', 'stop_escalation', []], computed: ['go', 'stay', [1]], applied: ['stop', 'stop_escalation', []] }],
  ['3+3 MTD reached to BOIN: still stopped', threePlusThree, boin, [...cohort(1, 6, 1), ...cohort(2, 3, 2)], 2, [],
    { before: ['stop', 'mtd_reached', []], computed: ['go', 'de_escalate', [1]], applied: ['stop', 'mtd_reached', []] }],
  // A rule that fires at a level closes that level and every level above (monotone toxicity, #16).
  ['a rule closed level 2 and above (1/3 at level 2): the amended 3+3 without the rule does not escalate there', rule, threePlusThree,
    [...cohort(1, 3, 0), ...cohort(2, 3, 1)], 2, cohort(2, 3, 0),
    { before: ['go', 'stop_escalation', [1]], computed: ['go', 'escalate', [3]], applied: ['hold', 'stop_escalation', []] }],
  ['nothing closed: the amendment applies as computed', rule, boinNoRule, [...cohort(1, 3, 0), ...cohort(2, 3, 0)], 2, [],
    { before: ['go', 'escalate', [3]], computed: ['go', 'escalate', [3]], applied: ['go', 'escalate', [3]] }],
  ['go to go: the amendment starts from the data as they stand', threePlusThree, boin, cohort(1, 3, 0), 1, [],
    { before: ['go', 'escalate', [2]], computed: ['go', 'escalate', [2]], applied: ['go', 'escalate', [2]] }]
]

t.test('amendments apply forward', async (t) => {
  for (const [name, from, to, people, current, later, expected] of rows) {
    const before = status(from, people, current)
    const computed = status(to, [...people, ...later], current)
    const applied = applyAmendmentLimit(computed, amendmentLimit(before, 1))
    const brief = (s: typeof before) => [s.state, s.decision.action, open(s)]
    t.same({ before: brief(before), computed: brief(computed), applied: brief(applied) }, expected, name)
    t.same(applyAmendmentLimit(computed, null), computed, `${name}: after a DMC decision the new version applies as computed`)
  }
})

t.test('a level closed under the version before stays closed', async (t) => {
  // BOIN target 0.3 eliminated level 2 (3/3); the new 3+3 would go back up to level 2
  const people = [...cohort(1, 3, 0), ...cohort(2, 3, 3)]
  const before = status(boinNoRule, people, 1)
  t.same([before.doseLevels.map((d) => d.eliminated), open(before)], [[false, true, true], [1]])
  const limit = amendmentLimit(before, 2)
  t.same(limit, { fromVersion: 2, stopped: false, closedFrom: 2, action: 'stay' })
  const loosened = protocol({ design: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, eliminationCutoff: 0.999, safetyStop: { disabled: true, reason: 'test' } } })
  const upward = status(loosened, people, 1)
  t.same([upward.decision.action, open(upward)], ['escalate', [2]], 'premise: without the elimination the new design escalates to level 2')
  const applied = applyAmendmentLimit(upward, limit)
  t.same([applied.state, applied.decision.action, applied.decision.nextDoseLevel, open(applied)], ['hold', 'stop_escalation', null, []])
  t.same(applied.doseLevels.map((d) => d.eliminated), [false, true, true])
  t.equal(applied.decision.reasons[0], 'level 2 and above were closed under protocol version 2: an amendment does not re-open them without a DMC decision')
  t.same(applied.decision.rules, ['boin', 'amendment'])
  const capped = applyAmendmentLimit({ ...upward, doseLevels: upward.doseLevels.map((d) => ({ ...d, open: true, capacity: null })) }, limit)
  t.same([capped.state, capped.decision.nextDoseLevel, open(capped)], ['go', 1, [1]], 'the next level is capped below the closed ones')
})

t.test('the reasons of a stop kept by the amendment', async (t) => {
  const people = cohort(1, 3, 2)
  const applied = applyAmendmentLimit(status(boin, people, 1), amendmentLimit(status(threePlusThree, people, 1), 4))
  t.equal(applied.decision.reasons[0], 'the trial was stopped (stop_escalation) under protocol version 4: an amendment does not turn a stop into a go without a DMC decision')
  t.ok(applied.decision.reasons.slice(1).every((r) => r.startsWith('not applied until a DMC decision: ')))
  const control = protocol({ doseLevels: [0, 1, 2, 3].map((level) => ({ level, label: `level ${level}` })) })
  const withControl = applyAmendmentLimit(status(boin, people, 1), amendmentLimit(status(control, people, 1), 4))
  t.same(withControl.doseLevels.map((d) => d.open), [false, false, false])
  const controlled = applyAmendmentLimit(status(control, cohort(1, 3, 0), 1), amendmentLimit(status(threePlusThree, people, 1), 4))
  t.same([controlled.state, controlled.doseLevels.map((d) => d.open)], ['stop', [false, false, false, false]], 'a control level closes with the stop')
})
