// Planned schedules, exposure-based evaluability, course windows and the end
// of treatment (issue #15), through the API. What a DMC expects:
// - a regimen given twice weekly is judged on participants who received
//   enough of it: two participants with a single injection do not clear it;
// - a DLT window that covers the course counts an AE between two infusions,
//   and nobody is counted evaluable between infusions only to become pending
//   again at the next one;
// - a participant whose treatment ended short of the minimum exposure is
//   replaceable at once, and stays on study in follow-up.
import t from 'tap'
import type { App } from '../../src/app.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { nct07295067 } from '../helpers/reference-trials.js'
import { bearer, build } from '../helpers/build.js'
import { administer, createTrial, daysAgo, dltAe, enrolDosed, reportAe } from '../helpers/fixtures.js'

const admin = bearer('admin')
const { assumptions: _, ...seed } = nct07295067.protocol
const base = seed as ProtocolInput & { dltDefinition: Record<string, unknown> }
const TWICE_WEEKLY = { frequency: { perWeek: 2, weeks: 2 } }

async function getJson (app: App, url: string): Promise<any> {
  const res = await app.inject({ method: 'GET', url, headers: admin })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Three participants at level 1, first dosed 30 days ago: P1 on every planned day (0, 3, 7, 10), P2 and P3 once. */
async function oneFullTwoSingle (app: App, trialId: string): Promise<void> {
  for (const id of ['P1', 'P2', 'P3']) await enrolDosed(app, trialId, id, 1, 30)
  for (const days of [27, 23, 20]) await administer(app, trialId, 'P1', daysAgo(days).at, 1)
}

t.test('twice weekly with minExposure: two participants with a single injection are not evaluable and do not clear the level', async (t) => {
  const { app } = await build()
  await createTrial(app, 'EXP-1', { ...base, schedule: TWICE_WEEKLY, dltDefinition: { ...base.dltDefinition, minExposure: { administrations: 3 } } } as ProtocolInput)
  await oneFullTwoSingle(app, 'EXP-1')
  // The same data without the exposure rule: the windows ended without a DLT, so 3+3 escalates.
  await createTrial(app, 'EXP-0', base)
  await oneFullTwoSingle(app, 'EXP-0')

  const status = await getJson(app, '/v1/trials/EXP-1/status')
  t.match(status.doseLevels[0], { doseLevel: 1, evaluable: 1, pending: 0, dlts: 0 }, 'only the participant who received the regimen counts')
  t.not(status.decision.nextDoseLevel, 2, 'the regimen is not cleared on participants who had a single injection')
  t.match(status.doseLevels[0], { open: true }, 'level 1 takes replacements')
  const without = await getJson(app, '/v1/trials/EXP-0/status')
  t.match(without.decision, { nextDoseLevel: 2 }, 'without minExposure the same data clear level 1')

  const single = await getJson(app, '/v1/trials/EXP-1/participants/P2')
  t.same(single.schedule.administrations.map((a: { status: string }) => a.status), ['received', 'missed', 'missed', 'missed'])
  t.same(single.schedule.exposure, { planned: 4, received: 1, reachable: 1 })
  t.match(single.schedule, { firstDate: daysAgo(30).date, unplanned: [] })
  t.match(single.schedule.administrations[1], { plannedDate: daysAgo(27).date, earliestDate: daysAgo(27).date, latestDate: daysAgo(27).date, inDltPeriod: true })
  const full = await getJson(app, '/v1/trials/EXP-1/participants/P1')
  t.same(full.schedule.administrations.map((a: { administeredAt: string }) => a.administeredAt), [30, 27, 23, 20].map((d) => daysAgo(d).at))
  t.same(full.schedule.exposure, { planned: 4, received: 4, reachable: 4 })
  t.equal((await getJson(app, '/v1/trials/EXP-0/participants/P1')).schedule, null, 'no schedule planned, none shown')

  const summary = await getJson(app, '/v1/trials/EXP-1/summary')
  t.same(summary.groups[0].exposure, {
    participants: 3,
    dosed: 3,
    administrations: { received: 6, off_window: 0, due: 0, upcoming: 0, missed: 6, not_given: 0 },
    unplanned: 0,
    dltPeriod: { planned: 12, received: 6 }
  })
  t.match(summary.groups[1].exposure, { participants: 0, dosed: 0 })
  t.equal((await getJson(app, '/v1/trials/EXP-0/summary')).groups[0].exposure, null)
})

t.test('a course window: an AE between two infusions is a DLT and nobody flips back to pending between infusions', async (t) => {
  const { app } = await build()
  const infusions = { administrations: [{ day: 0 }, { day: 14 }] }
  await createTrial(app, 'CRS-1', { ...base, schedule: infusions, dltDefinition: { ...base.dltDefinition, windowDays: 7, windowStart: 'course' } } as ProtocolInput)
  // The same course under per-administration windows of 7 days.
  await createTrial(app, 'CRS-0', { ...base, dltDefinition: { ...base.dltDefinition, windowDays: 7, windowStart: 'each_administration' } } as ProtocolInput)
  const counts = async (trialId: string) => {
    const row = (await getJson(app, `/v1/trials/${trialId}/status`)).doseLevels[0]
    return { evaluable: row.evaluable, pending: row.pending }
  }

  for (const trialId of ['CRS-1', 'CRS-0']) await enrolDosed(app, trialId, 'P1', 1, 20)
  t.same(await counts('CRS-1'), { evaluable: 0, pending: 1 }, 'course: the window runs to 7 days after the second infusion')
  t.same(await counts('CRS-0'), { evaluable: 1, pending: 0 }, 'per administration: evaluable between infusions')
  for (const trialId of ['CRS-1', 'CRS-0']) await administer(app, trialId, 'P1', daysAgo(6).at, 1)
  t.same(await counts('CRS-1'), { evaluable: 0, pending: 1 }, 'course: still pending, never evaluable in between')
  t.same(await counts('CRS-0'), { evaluable: 0, pending: 1 }, 'per administration: flipped back to pending at the second infusion')

  // Day 10: after the 7 days of the first infusion's window, before the second infusion.
  const course = await reportAe(app, 'CRS-1', dltAe('P1', daysAgo(10).date)) as unknown as { dlt: { isDlt: boolean, reasons: string[] } }
  t.equal(course.dlt.isDlt, true, 'the AE between infusions falls in the course window')
  t.match(course.dlt.reasons[0], `course window ${daysAgo(20).date} to ${daysAgo(-1).date}`)
  const each = await reportAe(app, 'CRS-0', dltAe('P1', daysAgo(10).date))
  t.equal(each.dlt.isDlt, false, 'per administration the same AE falls outside both windows')
  t.match((await getJson(app, '/v1/trials/CRS-1/status')).doseLevels[0], { evaluable: 1, dlts: 1 })
})

t.test('ending treatment: follow-up, not withdrawal; planned administrations after it are not given', async (t) => {
  const { app } = await build()
  await createTrial(app, 'END-1', { ...base, schedule: TWICE_WEEKLY, dltDefinition: { ...base.dltDefinition, minExposure: { administrations: 3 } } } as ProtocolInput)
  await enrolDosed(app, 'END-1', 'P1', 1, 5)
  const url = '/v1/trials/END-1/participants/P1'
  t.match((await getJson(app, url)), { phase: 'on_treatment', treatmentEndedAt: null })
  t.match((await getJson(app, '/v1/trials/END-1/status')).doseLevels[0], { pending: 1 }, 'three of four planned administrations are still reachable')

  const endedAt = daysAgo(1).at
  const payload = { treatmentEndedAt: endedAt, reason: 'grade 2 infusion reaction: investigator stopped treatment' }
  t.equal((await app.inject({ method: 'POST', url: `${url}/end-treatment`, headers: admin, payload })).statusCode, 428, 'needs If-Match')
  const early = await app.inject({ method: 'POST', url: `${url}/end-treatment`, headers: { ...admin, 'if-match': '"1"' }, payload: { ...payload, treatmentEndedAt: daysAgo(6).at } })
  t.equal(early.statusCode, 422)
  t.match(early.json().errors, [{ path: '/treatmentEndedAt' }])
  const ended = await app.inject({ method: 'POST', url: `${url}/end-treatment`, headers: { ...admin, 'if-match': '"1"' }, payload })
  t.equal(ended.statusCode, 200)
  t.match(ended.json(), { status: 'enrolled', phase: 'follow_up', treatmentEndedAt: endedAt, treatmentEndReason: payload.reason, withdrawnAt: null, version: 2 })
  t.equal(ended.headers.etag, '"2"')
  const again = await app.inject({ method: 'POST', url: `${url}/end-treatment`, headers: { ...admin, 'if-match': '"2"' }, payload })
  t.equal(again.statusCode, 409)

  const view = await getJson(app, url)
  t.same(view.schedule.administrations.map((a: { status: string }) => a.status), ['received', 'missed', 'not_given', 'not_given'])
  t.same(view.schedule.exposure, { planned: 4, received: 1, reachable: 1 })
  const status = await getJson(app, '/v1/trials/END-1/status')
  t.match(status.doseLevels[0], { evaluable: 0, pending: 0 }, 'the minimum exposure can no longer be reached: replaceable at once')

  const dose = await app.inject({ method: 'POST', url: `${url}/administrations`, headers: admin, payload: { administeredAt: new Date().toISOString(), doseLevel: 1 } })
  t.equal(dose.statusCode, 422, 'no administration after the end of treatment')
  t.match(dose.json().errors, [{ path: '/administeredAt', message: /after the participant's end of treatment/ }])
  const audit = await getJson(app, '/v1/audit?trialId=END-1&entity=participant&entityId=P1')
  t.match(audit.items.find((a: { action: string }) => a.action === 'end_treatment'), { reason: payload.reason, before: { phase: 'on_treatment' }, after: { phase: 'follow_up' } })

  const withdrawn = await app.inject({
    method: 'POST', url: `${url}/withdraw`, headers: { ...admin, 'if-match': '"2"' }, payload: { withdrawnAt: new Date().toISOString(), reason: 'consent withdrawn' }
  })
  t.equal(withdrawn.statusCode, 200)
  t.match(withdrawn.json(), { status: 'withdrawn', phase: 'off_study', treatmentEndedAt: endedAt })
})
