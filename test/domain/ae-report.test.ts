import t from 'tap'
import { AWARE_AT_TOLERANCE_MS, checkAeReport, phaseAtOnset, type AeReportContext, type AeReportFields } from '../../src/domain/ae-report.js'

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

t.test('participant unknown; onset after withdrawal is accepted', async t => {
  t.same(checkAeReport(ae(), { participant: null, asOf: AS_OF }), [
    { path: '/participantId', message: 'no participant with this id is enrolled in this trial' }
  ])
  // Issue #15: an AE with onset after withdrawal used to be refused, so a death in post-treatment
  // follow-up could not be recorded. A DMC needs every death and SAE of a participant who was
  // dosed, whenever it happens: the report is accepted and its phase at onset recorded.
  const withdrawn = (withdrawnAt: string): AeReportContext => ({ participant: { enrolledOn: '2025-03-01', withdrawnAt }, asOf: AS_OF })
  t.same(checkAeReport(ae({ onsetDate: '2025-03-05' }), withdrawn('2025-03-04T23:59:59Z')), [])
  t.same(checkAeReport(ae({ grade: 5, outcome: 'fatal', serious: true, seriousnessCriteria: ['death'], onsetDate: '2025-03-09' }), withdrawn('2025-03-02T10:00:00Z')), [])
})

t.test('phase at onset: on treatment, follow-up, off study, in the site calendar', async t => {
  const rows: [string, { treatmentEndedAt?: string | null, withdrawnAt?: string | null }, string, string | undefined, string][] = [
    ['no end of treatment', {}, '2025-03-05', undefined, 'on_treatment'],
    ['onset on the day treatment ended', { treatmentEndedAt: '2025-03-05T18:00:00Z' }, '2025-03-05', undefined, 'on_treatment'],
    ['the day after', { treatmentEndedAt: '2025-03-05T18:00:00Z' }, '2025-03-06', undefined, 'follow_up'],
    ['onset on the day of withdrawal', { treatmentEndedAt: '2025-03-01T09:00:00Z', withdrawnAt: '2025-03-05T00:00:00Z' }, '2025-03-05', undefined, 'follow_up'],
    ['after withdrawal', { treatmentEndedAt: null, withdrawnAt: '2025-03-05T00:00:00Z' }, '2025-03-06', undefined, 'off_study'],
    // 2025-03-05T20:00Z is already 2025-03-06 04:00 in Singapore (UTC+8): onset that local day is not after it
    ['UTC day of the instant', { treatmentEndedAt: '2025-03-05T20:00:00Z' }, '2025-03-06', undefined, 'follow_up'],
    ['local day of the instant', { treatmentEndedAt: '2025-03-05T20:00:00Z' }, '2025-03-06', 'Asia/Singapore', 'on_treatment'],
    ['last instant of the local day', { withdrawnAt: '2025-03-05T15:59:59.999Z' }, '2025-03-06', 'Asia/Singapore', 'off_study']
  ]
  for (const [name, participant, onset, tz, phase] of rows) t.equal(phaseAtOnset(participant, onset, tz), phase, name)
})

t.test('today is the site calendar day', async t => {
  // 2025-03-10T12:00Z is 2025-03-10 in New York and 2025-03-11 in Auckland (UTC+13)
  const at = (timeZone: string): AeReportContext => ({ ...enrolled, timeZone })
  t.same(checkAeReport(ae({ onsetDate: '2025-03-11' }), at('Pacific/Auckland')), [])
  t.same(checkAeReport(ae({ onsetDate: '2025-03-11', resolvedDate: '2025-03-12' }), at('America/New_York')), [
    { path: '/onsetDate', message: 'onset 2025-03-11 is in the future (today is 2025-03-10 at the site, America/New_York)' },
    { path: '/resolvedDate', message: 'resolution 2025-03-12 is in the future (today is 2025-03-10 at the site, America/New_York)' }
  ])
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
  const death = { grade: 5, serious: true, seriousnessCriteria: ['death'] }
  t.same(checkAeReport(ae({ ...death }), enrolled), [
    { path: '/outcome', message: 'grade 5 is death related to the AE: outcome must be fatal, got none' }
  ])
  t.same(checkAeReport(ae({ ...death, outcome: 'recovering' }), enrolled), [
    { path: '/outcome', message: 'grade 5 is death related to the AE: outcome must be fatal, got recovering' }
  ])
  t.same(checkAeReport(ae({ grade: 4, outcome: 'fatal' }), enrolled), [
    { path: '/grade', message: 'outcome fatal means death related to the AE, which is grade 5; got grade 4' }
  ])
})

// Issue #15: a definitely related fatal event was accepted as non-serious. A death is serious by
// definition (ICH E2A II.B "results in death"), and the death criterion is what the SAE clocks and
// the related-death rule read: both fields are required, on create and on follow-up alike.
t.test('grade 5 is serious with the death criterion (ICH E2A)', async t => {
  const fatal = { grade: 5, outcome: 'fatal' }
  t.same(checkAeReport(ae({ ...fatal, serious: false }), enrolled), [
    { path: '/serious', message: 'grade 5 is death related to the AE: serious must be true' },
    { path: '/seriousnessCriteria', message: 'grade 5 is death related to the AE: seriousnessCriteria must include death' }
  ])
  t.same(checkAeReport(ae({ ...fatal, serious: true, seriousnessCriteria: ['hospitalization'] }), enrolled), [
    { path: '/seriousnessCriteria', message: 'grade 5 is death related to the AE: seriousnessCriteria must include death' }
  ])
  t.same(checkAeReport(ae({ ...fatal, serious: true, seriousnessCriteria: ['life_threatening', 'death'] }), enrolled), [])
  t.same(checkAeReport(ae({ grade: 4, serious: true, seriousnessCriteria: ['life_threatening'] }), enrolled), [], 'grade 4 needs no death')
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
  // onset after withdrawal is no longer a problem (issue #15); a grade 5 without the death criterion is
  t.same(errors.map(e => e.path), ['/onsetDate', '/resolvedDate', '/seriousnessCriteria', '/seriousnessCriteria', '/outcome', '/attribution'])
})
