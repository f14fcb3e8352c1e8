import t from 'tap'
import { AWARE_AT_TOLERANCE_MS, checkAeReport, type AeReportContext, type AeReportFields } from '../../src/domain/ae-report.js'

// Rules checked, with their sources:
// - CTCAE v5.0 (NCI, 27 Nov 2017), "Grades": "Grade 5 Death related to AE".
// - ICH E2A II.B: a serious AE "results in death, is life-threatening, requires
//   inpatient hospitalisation ..., results in persistent or significant
//   disability/incapacity, or is a congenital anomaly/birth defect" (+ medically
//   important events): serious means at least one criterion holds.
// - Attribution scale: unrelated, unlikely, possible, probable, definite (NCI
//   CTEP AE reporting guidelines; the service contract's five levels).
const AS_OF = '2025-03-10T12:00:00Z'
const enrolled: AeReportContext = { participant: { enrolledOn: '2025-03-01', withdrawnAt: null }, asOf: AS_OF }
const ae = (over: Partial<AeReportFields> = {}): AeReportFields =>
  ({ grade: 3, onsetDate: '2025-03-05', serious: false, attribution: 'possible', ...over })

t.test('a consistent report has no problem', async t => {
  t.same(checkAeReport(ae(), enrolled), [])
  t.same(checkAeReport(ae({
    resolvedDate: '2025-03-10',
    serious: true,
    seriousnessCriteria: ['hospitalization'],
    outcome: 'recovered',
    awareAt: '2025-03-10T12:04:59Z'
  }), enrolled), [], 'resolution today and awareAt within the clock tolerance are accepted')
  t.same(checkAeReport(ae({ grade: 5, outcome: 'fatal', serious: true, seriousnessCriteria: ['death'], resolvedDate: null, awareAt: null }), enrolled), [])
  t.same(checkAeReport(ae({ onsetDate: '2025-03-01' }), enrolled), [], 'onset on the day of enrolment')
  t.same(checkAeReport(ae({ onsetDate: '2025-03-10' }), enrolled), [], 'onset today')
  t.same(checkAeReport(ae({ resolvedDate: '2025-03-05' }), enrolled), [], 'resolved on the day of onset')
  t.same(checkAeReport(ae({ seriousnessCriteria: null }), enrolled), [], 'null criteria is none')
})

t.test('participant unknown, or withdrawn before onset', async t => {
  t.same(checkAeReport(ae(), { participant: null, asOf: AS_OF }), [
    { path: '/participantId', message: 'no participant with this id is enrolled in this trial' }
  ])
  const withdrawn = (withdrawnAt: string): AeReportContext => ({ participant: { enrolledOn: '2025-03-01', withdrawnAt }, asOf: AS_OF })
  t.same(checkAeReport(ae({ onsetDate: '2025-03-05' }), withdrawn('2025-03-04T23:59:59Z')), [
    { path: '/participantId', message: 'the participant was withdrawn on 2025-03-04, before onset 2025-03-05' }
  ])
  t.same(checkAeReport(ae({ onsetDate: '2025-03-05' }), withdrawn('2025-03-05T00:00:00Z')), [], 'withdrawn on the day of onset')
  // 2025-03-04T20:00-05:00 is 2025-03-05T01:00Z: the UTC day counts.
  t.same(checkAeReport(ae({ onsetDate: '2025-03-05' }), withdrawn('2025-03-04T20:00:00-05:00')), [])
})

t.test('dates against enrolment, onset and today', async t => {
  t.same(checkAeReport(ae({ onsetDate: '2025-02-28' }), enrolled), [
    { path: '/onsetDate', message: 'onset 2025-02-28 is before enrolment on 2025-03-01' }
  ])
  t.same(checkAeReport(ae({ onsetDate: '2025-03-11' }), enrolled), [
    { path: '/onsetDate', message: 'onset 2025-03-11 is in the future (today is 2025-03-10 UTC)' }
  ])
  t.same(checkAeReport(ae({ resolvedDate: '2025-03-04' }), enrolled), [
    { path: '/resolvedDate', message: 'resolution 2025-03-04 is before onset 2025-03-05' }
  ])
  t.same(checkAeReport(ae({ resolvedDate: '2025-03-11' }), enrolled), [
    { path: '/resolvedDate', message: 'resolution 2025-03-11 is in the future (today is 2025-03-10 UTC)' }
  ])
  const late = new Date(Date.parse(AS_OF) + AWARE_AT_TOLERANCE_MS + 1000).toISOString()
  t.same(checkAeReport(ae({ awareAt: late }), enrolled), [
    { path: '/awareAt', message: `awareAt ${late} is in the future` }
  ])
  t.equal(AWARE_AT_TOLERANCE_MS, 300_000)
})

t.test('seriousness needs criteria and criteria need seriousness (ICH E2A II.B)', async t => {
  t.same(checkAeReport(ae({ serious: true }), enrolled), [
    { path: '/seriousnessCriteria', message: 'a serious AE needs at least one seriousness criterion' }
  ])
  t.same(checkAeReport(ae({ serious: true, seriousnessCriteria: [] }), enrolled), [
    { path: '/seriousnessCriteria', message: 'a serious AE needs at least one seriousness criterion' }
  ])
  t.same(checkAeReport(ae({ serious: false, seriousnessCriteria: ['hospitalization', 'disability'] }), enrolled), [
    { path: '/seriousnessCriteria', message: 'seriousness criteria (hospitalization, disability) are given but serious is false' }
  ])
})

t.test('grade 5 is death related to the AE (CTCAE v5.0)', async t => {
  t.same(checkAeReport(ae({ grade: 5 }), enrolled), [
    { path: '/outcome', message: 'grade 5 is death related to the AE: outcome must be fatal, got none' }
  ])
  t.same(checkAeReport(ae({ grade: 5, outcome: 'recovering' }), enrolled), [
    { path: '/outcome', message: 'grade 5 is death related to the AE: outcome must be fatal, got recovering' }
  ])
  t.same(checkAeReport(ae({ grade: 4, outcome: 'fatal' }), enrolled), [
    { path: '/grade', message: 'outcome fatal means death related to the AE, which is grade 5; got grade 4' }
  ])
})

t.test('attribution on the five-level scale', async t => {
  for (const attribution of ['unrelated', 'unlikely', 'possible', 'probable', 'definite']) {
    t.same(checkAeReport(ae({ attribution }), enrolled), [], attribution)
  }
  t.same(checkAeReport(ae({ attribution: 'likely' }), enrolled), [
    { path: '/attribution', message: "attribution must be one of unrelated, unlikely, possible, probable, definite; got 'likely'" }
  ])
})

t.test('every problem is reported at once', async t => {
  const errors = checkAeReport(ae({
    grade: 5,
    onsetDate: '2025-02-20',
    resolvedDate: '2025-02-19',
    serious: true,
    attribution: 'maybe'
  }), { participant: { enrolledOn: '2025-03-01', withdrawnAt: '2025-02-10T09:00:00Z' }, asOf: AS_OF })
  t.same(errors.map(e => e.path), ['/onsetDate', '/participantId', '/resolvedDate', '/seriousnessCriteria', '/outcome', '/attribution'])
})
