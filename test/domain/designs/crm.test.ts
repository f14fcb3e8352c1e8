import t from 'tap'
import { crmDecisionTable, crmFit, decideCrm, type CrmParams } from '../../../src/domain/designs/crm.js'
import { designInput, type LevelTuple } from '../../helpers/design-input.js'

// dfcrm documentation example for crm() (Cheung 2011, "Dose Finding by the Continual
// Reassessment Method", and the dfcrm manual): prior skeleton, target 0.2, 10 patients.
const skeleton = [0.05, 0.10, 0.20, 0.35, 0.50, 0.70]
const level = [3, 4, 4, 3, 3, 4, 3, 2, 2, 2]
const tox = [0, 0, 1, 0, 0, 1, 1, 0, 0, 0]
const exampleData = skeleton.map((_, i) => ({
  n: level.filter(l => l === i + 1).length,
  y: level.filter((l, k) => l === i + 1 && tox[k] === 1).length
}))
const p: CrmParams = { startDoseLevel: 3, cohortSize: 1, targetToxicity: 0.2, skeleton }

// An independent computation: trapezoid rule on 200 000 steps over a in [-10, 10] with the
// probabilities multiplied directly (no logs, no Gauss-Legendre), as dfcrm's crmh/crmht do.
function bruteForce (q: CrmParams, data: Array<{ n: number, y: number }>) {
  const v = q.priorVariance ?? 1.34
  const b0 = q.intercept ?? 3
  const prob = (a: number, s: number) => q.model === 'logistic'
    ? 1 / (1 + Math.exp(-b0 - Math.exp(a) * (Math.log(s / (1 - s)) - b0)))
    : s ** Math.exp(a)
  const stop = q.safetyStop ?? { threshold: q.targetToxicity }
  const threshold = 'threshold' in stop ? stop.threshold : Infinity
  const steps = 200000
  let den = 0
  let num = 0
  let over = 0
  for (let k = 0; k <= steps; k++) {
    const a = -10 + 20 * k / steps
    let f = (k === 0 || k === steps ? 0.5 : 1) * Math.exp(-a * a / (2 * v))
    data.forEach((d, i) => { f *= prob(a, q.skeleton[i]) ** d.y * (1 - prob(a, q.skeleton[i])) ** (d.n - d.y) })
    den += f
    num += a * f
    if (prob(a, q.skeleton[0]) > threshold) over += f
  }
  const est = num / den
  return { est, ptox: q.skeleton.map(s => prob(est, s)), over: over / den }
}

const closestLevel = (ptox: number[]) => ptox.reduce((b, x, i) => Math.abs(x - 0.2) < Math.abs(ptox[b] - 0.2) ? i : b, 0) + 1

t.test('with no data the posterior is the prior: a = 0 and ptox = skeleton (O\'Quigley et al. 1990)', async tt => {
  const fit = crmFit(p, skeleton.map(() => ({ n: 0, y: 0 })))
  tt.ok(Math.abs(fit.estimate) < 1e-12)
  fit.ptox.forEach((q, i) => tt.ok(Math.abs(q - skeleton[i]) < 1e-12))
  tt.equal(fit.recommended, 2, 'the skeleton value closest to 0.2 is level 3')
  // the default safety stop (Pr(p1 > target) > 0.9) is always computed, unless a protocol disables it
  tt.ok(Math.abs(fit.lowestOverThreshold - bruteForce(p, skeleton.map(() => ({ n: 0, y: 0 }))).over) < 1e-4)
  tt.equal(crmFit({ ...p, safetyStop: { disabled: true, reason: 'healthy volunteers, single ascending dose' } }, skeleton.map(() => ({ n: 0, y: 0 }))).lowestOverThreshold, 0)
})

t.test('dfcrm example, empiric model', async tt => {
  const fit = crmFit(p, exampleData)
  const ref = bruteForce(p, exampleData)
  // 30-digit mpmath quadrature of the same integrals (computed independently): -0.2121715265
  tt.ok(Math.abs(fit.estimate - ref.est) < 1e-8, `estimate ${fit.estimate} vs ${ref.est}`)
  tt.ok(Math.abs(fit.estimate - -0.2121715265) < 1e-8)
  fit.ptox.forEach((q, i) => tt.ok(Math.abs(q - ref.ptox[i]) < 1e-8, `ptox ${i + 1}`))
  // ptox = (0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494): level 2 is closest to 0.2
  tt.equal(fit.recommended, 1)
  const d = decideCrm(p, { doseLevels: [1, 2, 3, 4, 5, 6], currentDoseLevel: 2, counts: exampleData.map((x, i) => ({ doseLevel: i + 1, enrolled: x.n, evaluable: x.n, pending: 0, dlts: x.y })) })
  tt.same([d.action, d.nextDoseLevel], ['stay', 2])
  tt.match(d.reasons[0], /posterior mean of a = -0.2122; estimated DLT probabilities 1: 0.089, 2: 0.155, 3: 0.272/)
})

t.test('dfcrm example, logistic model (intercept 3)', async tt => {
  const q: CrmParams = { ...p, model: 'logistic', intercept: 3, priorVariance: 1.34 }
  const fit = crmFit(q, exampleData)
  const ref = bruteForce(q, exampleData)
  tt.ok(Math.abs(fit.estimate - ref.est) < 1e-8, `estimate ${fit.estimate} vs ${ref.est}`)
  fit.ptox.forEach((x, i) => tt.ok(Math.abs(x - ref.ptox[i]) < 1e-8, `ptox ${i + 1}`))
  tt.equal(fit.recommended, 1)
  tt.throws(() => crmFit({ ...q, intercept: -3 }, exampleData), /intercept -3 is too small/)
})

t.test('safety stop probability', async tt => {
  const q: CrmParams = { ...p, startDoseLevel: 1, safetyStop: { threshold: 0.3, probability: 0.9 } }
  const data = [{ n: 3, y: 3 }, ...skeleton.slice(1).map(() => ({ n: 0, y: 0 }))]
  // the brute force integrates an indicator, so it is only accurate to about 1e-4; a 25-digit
  // mpmath quadrature up to the cut a* = log(log 0.3 / log 0.05) gives 0.957415426730924
  const fit = crmFit(q, data)
  tt.ok(Math.abs(fit.lowestOverThreshold - bruteForce(q, data).over) < 1e-4, `${fit.lowestOverThreshold}`)
  tt.ok(Math.abs(fit.lowestOverThreshold - 0.957415426730924) < 1e-9)
  // logistic: mpmath gives 0.993470937485116
  const lq: CrmParams = { ...q, model: 'logistic' }
  tt.ok(Math.abs(crmFit(lq, data).lowestOverThreshold - bruteForce(lq, data).over) < 1e-4)
  tt.ok(Math.abs(crmFit(lq, data).lowestOverThreshold - 0.993470937485116) < 1e-9)
  // logistic: p_1 can never exceed expit(intercept) = 0.95 < 0.96
  tt.equal(crmFit({ ...lq, safetyStop: { threshold: 0.96, probability: 0.9 } }, data).lowestOverThreshold, 0)
  // empiric, threshold far below skeleton[0]: p_1 > threshold for almost all a
  tt.ok(crmFit({ ...q, safetyStop: { threshold: 1e-300, probability: 0.9 } }, data).lowestOverThreshold > 0.999)
  tt.throws(() => crmFit({ ...q, safetyStop: { threshold: 1, probability: 0.9 } }, data), /threshold must be in \(0, 1\)/)
})

const levels6 = (rows: LevelTuple[]) => [...rows, ...Array.from({ length: 6 - rows.length }, (): LevelTuple => [0, 0])]
const run = (q: CrmParams, current: number, rows: LevelTuple[]) => {
  const d = decideCrm(q, designInput(current, levels6(rows)))
  return [d.action, d.nextDoseLevel, d.mtdDoseLevel ?? null]
}

t.test('decisions', async tt => {
  tt.same(run(p, 3, [[0, 0], [0, 0], [6, 0]]), ['escalate', 4, null], '0/6 at level 3: one level up, no skipping')
  const free: CrmParams = { ...p, noSkipEscalation: false }
  const skipped = decideCrm(free, designInput(3, levels6([[0, 0], [0, 0], [6, 0]])))
  tt.ok(skipped.nextDoseLevel! >= 4)
  const capped = decideCrm(p, designInput(1, levels6([[12, 0]])))
  tt.same([capped.action, capped.nextDoseLevel], ['escalate', 2])
  tt.match(capped.reasons[1], /no skipping: at most one level above the current level 1/)
  // 3/3 at level 3: a = -1.63, every ptox above 0.5, level 1 is closest (mpmath); de-escalation may skip
  tt.same(run({ ...p, cohortSize: 3 }, 3, [[0, 0], [0, 0], [3, 3]]), ['de_escalate', 1, null])
  // 1/3 at level 3: ptox(2) = 0.206 is closest (mpmath)
  tt.same(run({ ...p, cohortSize: 3 }, 3, [[0, 0], [0, 0], [3, 1]]), ['de_escalate', 2, null])
  tt.throws(() => decideCrm({ ...p, skeleton: [0.1, 0.2] }, designInput(1, levels6([]))), /2 values for 6 dose levels/)
  tt.throws(() => decideCrm({ ...p, skeleton: [0.1, 0.1, 0.2, 0.3, 0.4, 0.5] }, designInput(1, levels6([]))), /strictly increasing/)
  tt.throws(() => decideCrm({ ...p, targetToxicity: 1 }, designInput(1, levels6([]))), /targetToxicity/)
  tt.throws(() => decideCrm({ ...p, priorVariance: 0 }, designInput(1, levels6([]))), /priorVariance/)
})

t.test('safety stop and maximum sample size', async tt => {
  const q: CrmParams = { ...p, startDoseLevel: 1, safetyStop: { threshold: 0.3, probability: 0.9 }, maxSampleSize: 12 }
  const stop = decideCrm(q, designInput(1, levels6([[3, 3]])))
  tt.same([stop.action, stop.nextDoseLevel, stop.mtdDoseLevel], ['stop_escalation', null, null])
  tt.same(stop.eliminated, [1, 2, 3, 4, 5, 6])
  tt.match(stop.reasons[1], /Pr\(DLT rate at level 1 > 0.3\) = 0.9\d\d > 0.9/)
  const done = decideCrm(q, designInput(3, levels6([[3, 0], [3, 0], [6, 1]])))
  const ref = bruteForce(q, levels6([[3, 0], [3, 0], [6, 1]]).map(([n, y]) => ({ n, y })))
  tt.same([done.action, done.nextDoseLevel, done.mtdDoseLevel], ['complete', null, closestLevel(ref.ptox)], 'the model\'s choice, without the no-skip cap')
  tt.equal(done.reasons.length, 3)
  const provisional = decideCrm(q, designInput(3, levels6([[3, 0], [3, 0], [3, 1, 3]])))
  tt.equal(provisional.action, 'complete')
  tt.match(provisional.reasons[3], /provisional: 3 participant/)
})

// Issue #21: 9/9 DLTs at the lowest level (estimate 0.83 against a target of 0.25) still said
// "go, stay at level 1". A DMC expects the trial to stop when the lowest dose is very probably
// above the target; the default is Pr(p1 > target | data) > 0.9, once 3 are evaluable there.
t.test('default safety stop at the lowest level', async tt => {
  const q: CrmParams = { startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] }
  const nine = decideCrm(q, designInput(1, [[9, 9], [0, 0], [0, 0], [0, 0], [0, 0]]))
  tt.same([nine.action, nine.nextDoseLevel, nine.mtdDoseLevel], ['stop_escalation', null, null])
  tt.match(nine.reasons[1], /Pr\(DLT rate at level 1 > 0.25\) = 1.000 > 0.9: the lowest dose is too toxic, stop \(default safety stop\)/)
  // boundary: empiric model, 3/3 gives 0.977 (stop), 1/3 gives 0.517 (go on)
  tt.equal(decideCrm(q, designInput(1, [[3, 3], [0, 0], [0, 0], [0, 0], [0, 0]])).action, 'stop_escalation')
  tt.equal(decideCrm(q, designInput(1, [[3, 1], [0, 0], [0, 0], [0, 0], [0, 0]])).action, 'stay')
  // the logistic model gives 0.928 after 1/1: the default waits for 3 evaluable at the lowest level
  const logistic: CrmParams = { ...q, model: 'logistic', cohortSize: 1 }
  tt.ok(crmFit(logistic, [{ n: 1, y: 1 }, { n: 0, y: 0 }, { n: 0, y: 0 }, { n: 0, y: 0 }, { n: 0, y: 0 }]).lowestOverThreshold > 0.9, 'premise')
  tt.equal(decideCrm(logistic, designInput(1, [[1, 1], [0, 0], [0, 0], [0, 0], [0, 0]])).action, 'stay')
  tt.equal(crmDecisionTable(logistic, 3)[2].eliminateIfDltsAtLeast, 2, 'the decision table shows it from n = 3')
  tt.equal(crmDecisionTable(logistic, 3)[0].eliminateIfDltsAtLeast, null)
  // a protocol may disable it, with its reason
  const off = decideCrm({ ...q, safetyStop: { disabled: true, reason: 'the sponsor\'s DMC charter stops on review only' } }, designInput(1, [[9, 9], [0, 0], [0, 0], [0, 0], [0, 0]]))
  tt.same([off.action, off.nextDoseLevel], ['stay', 1])
})

t.test('pending participants', async tt => {
  const q: CrmParams = { ...p, cohortSize: 3 }
  tt.same(run(q, 3, []), ['stay', 3, null], 'nobody yet: enrol the first cohort at the start level')
  tt.same(run(q, 3, [[0, 0], [0, 0], [0, 0, 3]]), ['stay', null, null], 'a full cohort pending that could change the decision: wait')
  const robust = decideCrm(q, designInput(3, levels6([[0, 0], [0, 0], [3, 3, 3]])))
  const best = closestLevel(bruteForce(q, levels6([[0, 0], [0, 0], [6, 3]]).map(([n, y]) => ({ n, y }))).ptox)
  const worst = closestLevel(bruteForce(q, levels6([[0, 0], [0, 0], [6, 6]]).map(([n, y]) => ({ n, y }))).ptox)
  tt.equal(best, worst, 'premise: 3/6 and 6/6 at level 3 lead to the same level')
  tt.same([robust.action, robust.nextDoseLevel], ['de_escalate', best], '3/3 then 3 pending: lower whatever they show')
  tt.match(robust.reasons[1], /same whichever of the 3 outstanding/)
})

t.test('decision table at the start level', async tt => {
  const q: CrmParams = { ...p, cohortSize: 3, safetyStop: { threshold: 0.3, probability: 0.9 } }
  const rows = crmDecisionTable(q, 6)
  tt.equal(rows.length, 6)
  // each cell agrees with the independent computation's recommendation (no skipping: at most level 4)
  for (const row of rows) {
    for (let y = 0; y <= row.n; y++) {
      const data = skeleton.map((_, i) => i === 2 ? { n: row.n, y } : { n: 0, y: 0 })
      const ref = bruteForce(q, data)
      const next = Math.min(closestLevel(ref.ptox) - 1, 3)
      if (next > 2) tt.ok(row.escalateIfDltsAtMost !== null && y <= row.escalateIfDltsAtMost, `n=${row.n} y=${y} escalates`)
      if (next < 2) tt.ok(row.deEscalateIfDltsAtLeast !== null && y >= row.deEscalateIfDltsAtLeast, `n=${row.n} y=${y} de-escalates`)
      if (next === 2) {
        tt.ok((row.escalateIfDltsAtMost === null || y > row.escalateIfDltsAtMost) &&
          (row.deEscalateIfDltsAtLeast === null || y < row.deEscalateIfDltsAtLeast), `n=${row.n} y=${y} stays`)
      }
    }
  }
  tt.equal(rows[0].eliminateIfDltsAtLeast, null, 'the safety stop concerns level 1, not the start level 3, with 1 treated')
  const low = crmDecisionTable({ ...q, startDoseLevel: 1 }, 3, [1, 2, 3, 4, 5, 6])
  tt.equal(low[2].eliminateIfDltsAtLeast, 3, '3/3 at level 1: Pr(p1 > 0.3) > 0.9')
  tt.equal(low[2].deEscalateIfDltsAtLeast, 3, 'a stop counts as leaving the level')
  tt.throws(() => crmDecisionTable({ ...q, startDoseLevel: 9 }, 3), /does not match the dose levels/)
})
