// Confirmed DLT assessments (issue #15): where the protocol requires it, a
// participant without a DLT counts as evaluable only once the site confirmed,
// after the DLT window ended, that every AE of the window is entered. A DMC
// expects the next level not to open on a cohort whose AE entry nobody
// confirmed, and a late AE with onset in the window to reopen the question.
import t from 'tap'
import type { App } from '../../src/app.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, enrolDosed, mildAe, reportAe, SEED_SITE } from '../helpers/fixtures.js'

const admin = bearer('admin')
const monitor = bearer('safety_monitor')
const investigator = bearer('investigator', { sites: [SEED_SITE] })
const { assumptions: _, ...seed } = nct07295067.protocol
const requiring = { ...seed, dltDefinition: { ...seed.dltDefinition, requireAssessment: true } } as ProtocolInput

const assess = (app: App, trialId: string, participantId: string, headers: Record<string, string> = investigator, payload: Record<string, unknown> = { allAdverseEventsEntered: true }) =>
  app.inject({ method: 'POST', url: `/v1/trials/${trialId}/participants/${participantId}/dlt-assessment`, headers, payload })

async function status (app: App, trialId: string) {
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: admin })
  return res.json() as { state: string, decision: { nextDoseLevel: number | null, reasons: string[] }, doseLevels: Array<{ evaluable: number, pending: number }> }
}

const waitingFor = (s: Awaited<ReturnType<typeof status>>) =>
  s.decision.reasons.filter((r) => r.endsWith('the DLT assessment (all AEs entered) is not recorded yet')).map((r) => r.split(' ')[1])

t.test('with requireAssessment the next level opens only once each participant\'s assessment is recorded', async (t) => {
  const { app } = await build()
  await createTrial(app, 'ASM-1', requiring)
  // Windows of 14 days that ended 5 days ago, without a DLT.
  for (const id of ['P1', 'P2', 'P3']) await enrolDosed(app, 'ASM-1', id, 1, 20)

  let s = await status(app, 'ASM-1')
  t.match(s.doseLevels[0], { evaluable: 0, pending: 3 })
  t.not(s.decision.nextDoseLevel, 2)
  t.same(waitingFor(s), ['P1', 'P2', 'P3'], 'the status names whom it waits for')

  t.equal((await assess(app, 'ASM-1', 'P1', bearer('edc', { sites: [SEED_SITE] }))).statusCode, 403, 'edc does not assess')
  t.equal((await assess(app, 'ASM-1', 'P1', bearer('investigator', { sites: ['elsewhere'] }))).statusCode, 404, 'another site\'s investigator')
  t.equal((await assess(app, 'ASM-1', 'P1', investigator, { allAdverseEventsEntered: false })).statusCode, 422, 'only a confirmation is recorded')

  const first = await assess(app, 'ASM-1', 'P1', investigator, { allAdverseEventsEntered: true, comment: 'source documents reviewed' })
  t.equal(first.statusCode, 201)
  t.match(first.json(), { participantId: 'P1', allAdverseEventsEntered: true, comment: 'source documents reviewed', recordedBy: 'investigator-user', role: 'investigator' })
  t.equal((await assess(app, 'ASM-1', 'P2', monitor)).statusCode, 201, 'the safety monitor may assess too')
  s = await status(app, 'ASM-1')
  t.match(s.doseLevels[0], { evaluable: 2, pending: 1 })
  t.not(s.decision.nextDoseLevel, 2, 'two of three assessed: the level is not cleared')
  t.same(waitingFor(s), ['P3'])

  t.equal((await assess(app, 'ASM-1', 'P3')).statusCode, 201)
  s = await status(app, 'ASM-1')
  t.match(s, { state: 'go', decision: { nextDoseLevel: 2 } }, 'every assessment recorded: 3+3 escalates')
  t.same(waitingFor(s), [])

  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=ASM-1&entity=participant&entityId=P1', headers: admin })
  t.match(audit.json().items.find((a: { action: string }) => a.action === 'dlt_assessment'), { reason: 'source documents reviewed', after: { participantId: 'P1' } })
})

t.test('an AE entered after the assessment with onset in the window undoes it; one with onset after the window does not', async (t) => {
  const { app } = await build()
  await createTrial(app, 'ASM-2', requiring)
  for (const id of ['P1', 'P2', 'P3']) await enrolDosed(app, 'ASM-2', id, 1, 20)
  for (const id of ['P1', 'P2', 'P3']) t.equal((await assess(app, 'ASM-2', id)).statusCode, 201)
  t.match(await status(app, 'ASM-2'), { state: 'go', decision: { nextDoseLevel: 2 } })

  await reportAe(app, 'ASM-2', mildAe('P2', daysAgo(2).date))
  t.match(await status(app, 'ASM-2'), { state: 'go', decision: { nextDoseLevel: 2 } }, 'an onset after the window leaves the assessment standing')

  // A grade 1 AE on day 5 of P1's window, entered late: not a DLT, but the confirmation that all AEs were entered was wrong.
  await reportAe(app, 'ASM-2', mildAe('P1', daysAgo(15).date))
  let s = await status(app, 'ASM-2')
  t.match(s.doseLevels[0], { evaluable: 2, pending: 1 })
  t.not(s.decision.nextDoseLevel, 2, 'level 2 closes again until P1 is re-assessed')
  t.same(waitingFor(s), ['P1'])

  t.equal((await assess(app, 'ASM-2', 'P1')).statusCode, 201, 'a new assessment after the late AE')
  s = await status(app, 'ASM-2')
  t.match(s, { state: 'go', decision: { nextDoseLevel: 2 } })
})

t.test('refused (409) before the DLT window has ended', async (t) => {
  const { app } = await build()
  await createTrial(app, 'ASM-3', requiring)
  await enrolDosed(app, 'ASM-3', 'P1', 1, 3)
  const early = await assess(app, 'ASM-3', 'P1')
  t.equal(early.statusCode, 409)
  t.match(early.json(), { type: 'urn:dlt-safety:problem:dlt-window-open', detail: /the DLT window ends at .*: the DLT period is not complete/ })
  const undosed = await app.inject({
    method: 'POST', url: '/v1/trials/ASM-3/participants', headers: admin, payload: { participantId: 'P2', siteId: SEED_SITE, doseLevel: 1, enrolledOn: daysAgo(1).date }
  })
  t.equal(undosed.statusCode, 201)
  t.match((await assess(app, 'ASM-3', 'P2')).json(), { status: 409, detail: /no administration/ })
  const audit = await app.inject({ method: 'GET', url: '/v1/audit?trialId=ASM-3&entity=participant&entityId=P1', headers: admin })
  t.notOk(audit.json().items.some((a: { action: string }) => a.action === 'dlt_assessment'), 'a refused assessment leaves nothing behind')
})
