import t from 'tap'
import {
  INITIAL_BASIS,
  SUSAR_15D_BASIS,
  SUSAR_7D_BASIS,
  isFatalOrLifeThreatening,
  saeReportingClocks,
  type SaeClockInput
} from '../../src/domain/sae-clocks.js'

// Deadlines: 21 CFR 312.32(c)(1)(i) (serious and unexpected suspected adverse
// reaction: no later than 15 calendar days), 312.32(c)(2) (unexpected fatal or
// life-threatening: no later than 7 calendar days); ICH E2A III.A.1 and III.A.2
// (same 7 and 15 days). Investigator to sponsor "immediately": 21 CFR 312.64(b),
// ICH E6(R2) 4.11.1, held to 24 hours.
const AWARE = '2025-03-01T10:15:00Z'
const D1 = '2025-03-02T10:15:00.000Z'
const D7 = '2025-03-08T10:15:00.000Z'
const D15 = '2025-03-16T10:15:00.000Z'

const sae = (over: Partial<SaeClockInput> = {}): SaeClockInput =>
  ({ serious: true, grade: 3, seriousnessCriteria: ['hospitalization'], attribution: 'possible', ...over })
const initial = { kind: 'initial_24h', dueAt: D1, basis: INITIAL_BASIS }
const susar7 = { kind: 'susar_7d', dueAt: D7, basis: SUSAR_7D_BASIS }
const susar15 = { kind: 'susar_15d', dueAt: D15, basis: SUSAR_15D_BASIS }

t.test('a non-serious event starts no clock', async t => {
  t.same(saeReportingClocks(sae({ serious: false, grade: 5, outcome: 'fatal', attribution: 'definite' }), AWARE), [])
})

t.test('a serious event not suspected of being a reaction: initial report only', async t => {
  t.same(saeReportingClocks(sae({ attribution: 'unrelated' }), AWARE), [initial])
  // "unlikely" gives no reasonable possibility of causation (312.32(a)).
  t.same(saeReportingClocks(sae({ attribution: 'unlikely', seriousnessCriteria: ['death'] }), AWARE), [initial])
})

t.test('an expected serious reaction: initial report only', async t => {
  t.same(saeReportingClocks(sae({ attribution: 'definite', expected: true, outcome: 'fatal' }), AWARE), [initial])
})

t.test('suspected, unexpected, neither fatal nor life-threatening: 15 days', async t => {
  t.same(saeReportingClocks(sae({ attribution: 'possible', expected: false }), AWARE), [initial, susar15])
  t.same(saeReportingClocks(sae({ attribution: 'probable' }), AWARE), [initial, susar15], 'expected unknown counts as unexpected')
  t.same(saeReportingClocks(sae({ seriousnessCriteria: undefined, outcome: 'recovered' }), AWARE), [initial, susar15])
  // CTCAE grade 4 is a severity, not the 312.32(a) "life-threatening" judgment.
  t.same(saeReportingClocks(sae({ grade: 4 }), AWARE), [initial, susar15])
})

t.test('suspected, unexpected, fatal or life-threatening: 7 days', async t => {
  t.same(saeReportingClocks(sae({ attribution: 'definite', seriousnessCriteria: ['life_threatening'] }), AWARE), [initial, susar7])
  t.same(saeReportingClocks(sae({ seriousnessCriteria: ['hospitalization', 'death'] }), AWARE), [initial, susar7])
  t.same(saeReportingClocks(sae({ outcome: 'fatal' }), AWARE), [initial, susar7])
  // CTCAE grade 5 is "death related to AE".
  t.same(saeReportingClocks(sae({ grade: 5, seriousnessCriteria: undefined }), AWARE), [initial, susar7])
})

t.test('isFatalOrLifeThreatening', async t => {
  t.equal(isFatalOrLifeThreatening(sae()), false)
  t.equal(isFatalOrLifeThreatening(sae({ seriousnessCriteria: ['life_threatening'] })), true)
})

t.test('awareAt forms', async t => {
  const dues = (awareAt: string | number) => saeReportingClocks(sae(), awareAt).map(d => d.dueAt)
  // 23:30 at UTC+08:00 is 15:30Z.
  t.same(dues('2025-03-01T23:30:00+08:00'), ['2025-03-02T15:30:00.000Z', '2025-03-16T15:30:00.000Z'])
  t.same(dues('2025-03-01T20:00:00-05:30'), ['2025-03-03T01:30:00.000Z', '2025-03-17T01:30:00.000Z'])
  // Across a DST change (US clocks moved on 2025-03-09) the deadline stays 15 x 24 h later in absolute time.
  t.same(dues('2025-03-08T12:00:00-05:00'), ['2025-03-09T17:00:00.000Z', '2025-03-23T17:00:00.000Z'])
  t.same(dues('2025-03-01 10:15:00z'), [D1, D15], 'RFC 3339 allows a space and lower-case t and z')
  t.same(dues('2025-03-01t10:15:00.1239Z'), ['2025-03-02T10:15:00.123Z', '2025-03-16T10:15:00.123Z'], 'sub-millisecond digits are dropped')
  t.same(dues('2025-03-01T10:15:00.5Z'), ['2025-03-02T10:15:00.500Z', '2025-03-16T10:15:00.500Z'])
  // 2024 is a leap year: 24 h after 28 Feb noon is 29 Feb noon.
  t.same(dues(Date.UTC(2024, 1, 28, 12)), ['2024-02-29T12:00:00.000Z', '2024-03-14T12:00:00.000Z'])
})

t.test('an invalid awareAt is refused, even for a non-serious event', async t => {
  for (const bad of ['yesterday', '2025-03-01T10:15:00', '2025-03-01', '2025-03-01T10:15Z']) {
    t.throws(() => saeReportingClocks(sae({ serious: false }), bad), new RangeError(`awareAt is not an RFC 3339 instant with zone: '${bad}'`))
  }
  for (const bad of ['2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-03-01T24:00:00Z']) {
    t.throws(() => saeReportingClocks(sae(), bad), new RangeError(`awareAt is not a valid date-time: '${bad}'`))
  }
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => saeReportingClocks(sae(), bad), new RangeError(`awareAt is not a valid instant: ${bad}`))
  }
})
