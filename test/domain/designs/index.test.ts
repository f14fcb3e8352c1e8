import fc from 'fast-check'
import t from 'tap'
import { decide, decisionTable, type DesignParams } from '../../../src/domain/designs/index.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from '../../../src/domain/designs/types.js'
import { designInput } from '../../helpers/design-input.js'

const designs: DesignParams[] = [
  { type: '3+3', startDoseLevel: 1 },
  { type: 'rolling6', startDoseLevel: 1 },
  { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 },
  { type: 'boin', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, nEarlyStop: 9, maxSampleSize: 24 },
  { type: 'mtpi2', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3 },
  { type: 'i3+3', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.2, maxSampleSize: 30 },
  { type: 'crm', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, skeleton: [0.05, 0.12, 0.25, 0.40, 0.55], safetyStop: { threshold: 0.25, probability: 0.9 } },
  { type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.3, skeleton: [0.1, 0.2, 0.3, 0.45, 0.6], model: 'logistic' }
]

t.test('decide dispatches on the design type', async tt => {
  const input = designInput(1, [[3, 0], [0, 0], [0, 0], [0, 0], [0, 0]])
  const actions = designs.map(d => decide(d, input))
  tt.same(actions.slice(0, 6).map(a => [a.action, a.nextDoseLevel]), [
    ['escalate', 2], ['escalate', 2], ['escalate', 2], ['escalate', 2], ['escalate', 2], ['escalate', 2]
  ], '0/3 escalates under every rule-based and interval design')
  tt.ok(actions.slice(6).every(a => a.reasons[0].startsWith('CRM')))
  tt.same(decide({ type: 'none' }, input).reasons, ['no escalation design: stopping rules only'])
})

t.test('decisionTable dispatches and sizes the table', async tt => {
  tt.same(decisionTable(designs[0]).rows.map(r => r.n), [3, 6])
  tt.same(decisionTable(designs[1]).rows.map(r => r.n), [2, 3, 4, 5, 6])
  tt.equal(decisionTable(designs[2]).rows.length, 30, 'no maximum sample size: 30')
  tt.equal(decisionTable(designs[3]).rows.length, 24, 'up to maxSampleSize')
  tt.equal(decisionTable(designs[4], 9).rows.length, 9)
  tt.equal(decisionTable(designs[5]).rows.length, 30)
  const crm = decisionTable(designs[6], 6, [1, 2, 3, 4, 5])
  tt.equal(crm.design, 'crm')
  tt.equal(crm.rows.length, 6)
  tt.same(decisionTable({ type: 'none' }, 2), { design: 'none', rows: [1, 2].map(n => ({ n, escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null })) })
  // BOIN target 0.3, Liu & Yuan 2015: n = 3 escalate if 0, de-escalate if >= 2, eliminate if 3
  tt.same(decisionTable(designs[2]).rows[2], { n: 3, escalateIfDltsAtMost: 0, deEscalateIfDltsAtLeast: 2, eliminateIfDltsAtLeast: 3 })
})

// Random valid histories: per level (evaluable, dlts <= evaluable, pending), enrolled = evaluable + pending.
const history = fc.integer({ min: 2, max: 5 }).chain(k => fc.record({
  levels: fc.array(
    fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 }))
      .map(([e, d, p]): [number, number, number] => [e, Math.min(d, e, 4), p]),
    { minLength: k, maxLength: k }),
  current: fc.integer({ min: 1, max: k })
}))

const TERMINAL = ['stop_escalation', 'mtd_reached', 'complete', 'halt_trial']
const withCounts = (input: DesignInput, i: number, f: (c: DesignInput['counts'][number]) => DesignInput['counts'][number]): DesignInput =>
  ({ ...input, counts: input.counts.map((c, j) => j === i ? f(c) : c) })
const fits = (d: DesignParams, input: DesignInput) => d.type !== 'crm' || d.skeleton.length === input.doseLevels.length
const sized = (d: DesignParams, k: number): DesignParams => d.type === 'crm' ? { ...d, skeleton: d.skeleton.slice(0, k) } : d

function checkDecision (input: DesignInput, r: DesignDecision) {
  const c = input.doseLevels.indexOf(input.currentDoseLevel)
  if (r.nextDoseLevel !== null) {
    // never an eliminated level, nor one above an eliminated level
    if (r.eliminated.length > 0 && r.nextDoseLevel >= Math.min(...r.eliminated)) return false
    // never skips an untried level when escalating
    if (r.nextDoseLevel > input.doseLevels[c] && r.nextDoseLevel !== input.doseLevels[c + 1]) return false
    return true
  }
  // no level open: a terminal action, or waiting for pending outcomes, said so in the reasons
  if (TERMINAL.includes(r.action)) return r.reasons.length > 0
  return r.action === 'stay' && input.counts.some(x => x.pending > 0) && r.reasons.some(s => /wait|suspend/.test(s))
}

t.test('safety invariants over arbitrary valid counts', async tt => {
  for (const base of designs) {
    fc.assert(fc.property(history, ({ levels, current }) => {
      const d = sized(base, levels.length)
      const input = designInput(current, levels)
      return !fits(d, input) || checkDecision(input, decide(d, input))
    }), { numRuns: base.type === 'crm' ? 100 : 500 })
    tt.pass(`${base.type}: admissible, no skipping, null only when justified`)
  }
})

// Histories the design itself could have produced: each event either enrols one participant at
// the level the current decision opens, or closes the DLT window of a pending participant
// (with or without a DLT). Monotonicity is a property of such histories: arbitrary counts can
// hold, e.g., 2/2 DLTs with one pending below the current level, which the n >= 3 elimination
// rule treats non-monotonically and which no design would have left behind.
const events = fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 40 })

function simulate (d: DesignParams, k: number, evs: Array<[boolean, number, boolean]>): { input: DesignInput, ok: boolean } {
  let input = designInput(1, Array.from({ length: k }, () => [0, 0]))
  let ok = true
  for (const [enrol, pick, isDlt] of evs) {
    if (enrol) {
      const r = decide(d, input)
      ok &&= checkDecision(input, r)
      if (r.nextDoseLevel === null) continue
      const i = input.doseLevels.indexOf(r.nextDoseLevel)
      input = { ...withCounts(input, i, c => ({ ...c, enrolled: c.enrolled + 1, pending: c.pending + 1 })), currentDoseLevel: r.nextDoseLevel }
    } else {
      const open = input.counts.map((c, i) => c.pending > 0 ? i : -1).filter(i => i >= 0)
      if (open.length === 0) continue
      input = withCounts(input, open[pick % open.length], c => ({ ...c, pending: c.pending - 1, evaluable: c.evaluable + 1, dlts: c.dlts + (isDlt ? 1 : 0) }))
    }
  }
  return { input, ok }
}

t.test('invariants over histories the design could produce', async tt => {
  for (const base of designs) {
    fc.assert(fc.property(fc.integer({ min: 2, max: 5 }), events, (k, evs) => {
      const d = sized(base, k)
      const { input, ok } = simulate(d, k, evs)
      if (!ok) return false
      const r = decide(d, input)
      if (!checkDecision(input, r)) return false
      for (let i = 0; i < k; i++) {
        const x = input.counts[i]
        // adding a DLT (a participant without DLT turns out to have one) never raises the next level
        if (x.evaluable > x.dlts) {
          const worse = withCounts(input, i, c => ({ ...c, dlts: c.dlts + 1 }))
          const more = decide(d, worse)
          if (!checkDecision(worse, more)) return false
          if (r.nextDoseLevel !== null && more.nextDoseLevel !== null && more.nextDoseLevel > r.nextDoseLevel) return false
        }
        // a pending participant completing the window without DLT never lowers the next level
        if (x.pending > 0) {
          const fewer = decide(d, withCounts(input, i, c => ({ ...c, evaluable: c.evaluable + 1, pending: c.pending - 1 })))
          if (r.nextDoseLevel !== null && fewer.nextDoseLevel !== null && fewer.nextDoseLevel < r.nextDoseLevel) return false
        }
      }
      return true
    }), { numRuns: base.type === 'crm' ? 40 : 300 })
    tt.pass(`${base.type}: monotone in DLTs and in completed windows`)
  }
})

const monotone = (rows: DecisionTableRow[], key: keyof DecisionTableRow) => {
  const values = rows.map(r => r[key]).filter((v): v is number => v !== null)
  return values.every((v, i) => i === 0 || v >= values[i - 1])
}

t.test('decision-table boundaries are non-decreasing in n', async tt => {
  fc.assert(fc.property(
    fc.constantFrom(0.15, 0.2, 0.25, 0.3, 0.33, 0.4),
    fc.constantFrom('boin', 'mtpi2', 'i3+3'),
    (target, type) => {
      const rows = decisionTable({ type, startDoseLevel: 1, cohortSize: 3, targetToxicity: target } as DesignParams, 30).rows
      return monotone(rows, 'escalateIfDltsAtMost') && monotone(rows, 'deEscalateIfDltsAtLeast') && monotone(rows, 'eliminateIfDltsAtLeast')
    }), { numRuns: 30 })
  for (const d of [designs[0], designs[1], designs[6], designs[7]]) {
    const rows = decisionTable(d, 15, [1, 2, 3, 4, 5]).rows
    tt.ok(monotone(rows, 'escalateIfDltsAtMost') && monotone(rows, 'deEscalateIfDltsAtLeast') && monotone(rows, 'eliminateIfDltsAtLeast'), d.type)
  }
})
