// An AE write that changes none of the status engine's inputs keeps the
// stored status instead of re-evaluating it. The status it keeps must be the
// one a full re-evaluation gives, after every write of a series that mixes
// such AEs with ones that do change the inputs.
import tap from 'tap'
import { currentStatus, reevaluateStatus, type StatusDocument } from '../../src/services/status.js'
import { pipelinedTransaction } from '../../src/services/pipeline.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe, reportAe } from '../helpers/fixtures.js'

let recorded: string[] = []
const { app } = await build({}, { logQuery: (query) => recorded.push(query) })

// The status engine's read of every participant of the trial (status.ts, statusInput).
const reevaluated = () => recorded.some((q) => q.includes('first_administration_at as "firstAdministrationAt"'))

const ROLLBACK = new Error('rollback')

/** The status a full re-evaluation gives now, from a transaction that is rolled back. */
async function freshStatus (trialId: string, asOf: string): Promise<StatusDocument> {
  let fresh: StatusDocument | undefined
  await pipelinedTransaction(app.db, async (pipeline) => {
    fresh = await reevaluateStatus(pipeline, trialId, { type: 'test' }, asOf)
    throw ROLLBACK
  }).catch((error: unknown) => { if (error !== ROLLBACK) throw error })
  return fresh!
}

const decisionOf = ({ state, decision, doseLevels, nextChangeAt }: StatusDocument) => ({ state, decision, doseLevels, nextChangeAt })

tap.test('AEs that change no status input keep a status equal to a full re-evaluation', async (t) => {
  const trialId = 'KEPT-1'
  await createTrial(app, trialId)
  // P-1's DLT window has ended; P-2's and P-3's are open.
  for (const [participantId, days] of [['P-1', 20], ['P-2', 5], ['P-3', 4]] as const) await enrolDosed(app, trialId, participantId, 1, days)
  const related = { attribution: 'probable', serious: true, seriousnessCriteria: ['hospitalization'] }
  const series: Array<{ what: string, report: Record<string, unknown>, changesInputs: boolean }> = [
    { what: 'a mild AE', report: mildAe('P-2', daysAgo(3).date), changesInputs: false },
    { what: 'a grade 2 AE past the window', report: { ...mildAe('P-1', daysAgo(2).date), grade: 2 }, changesInputs: false },
    { what: 'a grade 3 AE without symptoms', report: { ...dltAe('P-3', daysAgo(2).date), clinicalSymptoms: false }, changesInputs: false },
    { what: 'a DLT', report: dltAe('P-2', daysAgo(2).date), changesInputs: true },
    { what: 'a mild AE after the DLT', report: mildAe('P-3', daysAgo(1).date), changesInputs: false },
    { what: 'a serious unrelated AE (a safety signal)', report: { ...mildAe('P-3', daysAgo(1).date), serious: true, seriousnessCriteria: ['hospitalization'] }, changesInputs: true },
    { what: 'a serious related AE (halts the trial)', report: { ...mildAe('P-1', daysAgo(1).date), grade: 2, ...related }, changesInputs: true },
    { what: 'a mild AE in a halted trial', report: mildAe('P-3', daysAgo(0).date), changesInputs: false }
  ]
  const states = new Set<string>()
  for (const { what, report, changesInputs } of series) {
    recorded = []
    await reportAe(app, trialId, report)
    t.equal(reevaluated(), changesInputs, `${what}: ${changesInputs ? 're-evaluated' : 'kept'}`)
    const asOf = new Date().toISOString()
    const stored = await currentStatus(app.db, trialId, asOf)
    t.same(decisionOf(stored!), decisionOf(await freshStatus(trialId, asOf)), `${what}: stored status as re-evaluated`)
    states.add(JSON.stringify(decisionOf(stored!).decision))
  }
  t.ok(states.size >= 3, 'the series moved the decision (the DLT, then the halt)')
  t.equal((await currentStatus(app.db, trialId))!.decision.action, 'halt_trial')
})

tap.test('an idempotent replay keeps the status', async (t) => {
  const trialId = 'KEPT-2'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'P-1', 1, 5)
  const post = async () => await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/adverse-events`,
    headers: { ...bearer('admin'), 'idempotency-key': 'kept-2-dlt' },
    payload: dltAe('P-1', daysAgo(2).date)
  })
  recorded = []
  t.equal((await post()).statusCode, 201)
  t.ok(reevaluated(), 'the first request re-evaluates (its AE is a DLT)')
  recorded = []
  t.equal((await post()).statusCode, 201)
  t.notOk(reevaluated(), 'the replay does not')
})
