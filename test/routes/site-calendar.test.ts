// Site calendars (issue #15): a site's DLT windows and study days are counted
// in its own time zone. A DMC reads "day 14 of a 14-day window" as the site's
// day 14: at a Shanghai site a dose given at 07:30 local time is on that local
// day, although it is 23:30 UTC the day before.
import t from 'tap'
import type { App } from '../../src/app.js'
import { addDays } from '../../src/domain/site-calendar.js'
import { bearer, build } from '../helpers/build.js'
import { administer, createTrial, daysAgo, dltAe, enrol, reportAe, SEED_SITE } from '../helpers/fixtures.js'
import { nct07295067 } from '../helpers/reference-trials.js'

const admin = bearer('admin')
const SHANGHAI = { siteId: 'shanghai', name: 'Shanghai site', timeZone: 'Asia/Shanghai' }
const UTC_SITE = { siteId: 'london', name: 'London site' }

/** The dose 20 days ago at 07:30 in Shanghai (23:30Z the day before), and the onset on local day 14 of its 14-day window. */
const dosedOn = daysAgo(20).date
const doseAt = `${addDays(dosedOn, -1)}T23:30:00.000Z`
const day14 = addDays(dosedOn, 14)

async function getJson (app: App, url: string): Promise<{ statusCode: number, body: any }> {
  const res = await app.inject({ method: 'GET', url, headers: admin })
  return { statusCode: res.statusCode, body: res.json() }
}

t.test('time zones are validated where a site is added: 422 at the field', async (t) => {
  const { app } = await build()
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/trials',
    headers: admin,
    payload: { trialId: 'TZ-BAD', title: 'bad zone', sites: [UTC_SITE, { ...SHANGHAI, timeZone: 'Asia/Atlantis' }], protocol: nct07295067.protocol }
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.json().errors, [{ path: '/sites/1/timeZone', message: /Asia\/Atlantis/ }])
  await createTrial(app, 'TZ-1', undefined, [SHANGHAI])
  const trial = await getJson(app, '/v1/trials/TZ-1')
  t.match(trial.body.sites, [{ siteId: 'shanghai', timeZone: 'Asia/Shanghai' }, { siteId: SEED_SITE, timeZone: 'UTC' }], 'as given, else UTC')
  const addBad = await app.inject({ method: 'POST', url: '/v1/trials/TZ-1/sites', headers: admin, payload: { siteId: 'x', name: 'X', timeZone: 'UTC+8' } })
  t.equal(addBad.statusCode, 422)
  t.match(addBad.json().errors, [{ path: '/timeZone' }])
  const added = await app.inject({ method: 'POST', url: '/v1/trials/TZ-1/sites', headers: admin, payload: { siteId: 'ny', name: 'NY', timeZone: 'America/New_York' } })
  t.equal(added.statusCode, 201)
  t.same(added.json(), { siteId: 'ny', name: 'NY', timeZone: 'America/New_York' })
})

t.test('at an Asia/Shanghai site a dose at 07:30 local (23:30Z the day before) and an AE on local day 14 of a 14-day window is a DLT', async (t) => {
  const { app } = await build()
  await createTrial(app, 'TZ-2', undefined, [SHANGHAI, UTC_SITE])
  // The same instants at a UTC site: the dose falls on the UTC day before, so local day 14 there is day 15.
  await enrol(app, 'TZ-2', 'SH-1', 'shanghai', 1, dosedOn)
  await administer(app, 'TZ-2', 'SH-1', doseAt, 1)
  await enrol(app, 'TZ-2', 'LN-1', 'london', 1, addDays(dosedOn, -1))
  await administer(app, 'TZ-2', 'LN-1', doseAt, 1)

  const shanghai = await reportAe(app, 'TZ-2', dltAe('SH-1', day14))
  t.equal(shanghai.dlt.isDlt, true, 'day 14 in the Shanghai calendar is inside the window')
  t.match((shanghai as unknown as { dlt: { reasons: string[] } }).dlt.reasons[0], `within 14-day window from first administration ${dosedOn}`)
  const london = await reportAe(app, 'TZ-2', dltAe('LN-1', day14))
  t.equal(london.dlt.isDlt, false, 'the same instants at a UTC site: onset on day 15, after the window')

  const status = await getJson(app, '/v1/trials/TZ-2/status')
  t.match(status.body.doseLevels[0], { doseLevel: 1, dlts: 1 }, 'the status counts the Shanghai DLT')

  // SDTM study days count from the first administration's local date: RFSTDTC is the Shanghai day.
  const sdtm = await getJson(app, '/v1/trials/TZ-2/exports/sdtm-ae.json')
  t.match(sdtm.body.find((r: { USUBJID: string }) => r.USUBJID === 'TZ-2-SH-1'), { AESTDTC: day14, AESTDY: 15 })
  t.match(sdtm.body.find((r: { USUBJID: string }) => r.USUBJID === 'TZ-2-LN-1'), { AESTDTC: day14, AESTDY: 16 })
})

t.test("changing a site's time zone needs If-Match and a reason, is audited, and moves its windows", async (t) => {
  const { app } = await build()
  await createTrial(app, 'TZ-3', undefined, [SHANGHAI])
  await enrol(app, 'TZ-3', 'SH-1', 'shanghai', 1, dosedOn)
  await administer(app, 'TZ-3', 'SH-1', doseAt, 1)
  const ae = await reportAe(app, 'TZ-3', dltAe('SH-1', day14))
  t.equal(ae.dlt.isDlt, true)

  const url = '/v1/trials/TZ-3/sites/shanghai'
  const payload = { timeZone: 'UTC', reason: 'site calendar entered wrongly: the site records in UTC' }
  t.equal((await app.inject({ method: 'PATCH', url, headers: admin, payload })).statusCode, 428, 'without If-Match')
  const trialEtag = (await app.inject({ method: 'GET', url: '/v1/trials/TZ-3', headers: admin })).headers.etag as string
  t.equal((await app.inject({ method: 'PATCH', url, headers: { ...admin, 'if-match': '"99"' }, payload })).statusCode, 412, 'stale ETag')
  t.equal((await app.inject({ method: 'PATCH', url, headers: { ...admin, 'if-match': trialEtag }, payload: { timeZone: 'UTC' } })).statusCode, 422, 'without a reason')
  const badZone = await app.inject({ method: 'PATCH', url, headers: { ...admin, 'if-match': trialEtag }, payload: { ...payload, timeZone: 'Mars/Olympus' } })
  t.equal(badZone.statusCode, 422)
  t.match(badZone.json().errors, [{ path: '/timeZone' }])
  const edc = await app.inject({ method: 'PATCH', url, headers: { ...bearer('edc', { sites: ['shanghai'] }), 'if-match': trialEtag }, payload })
  t.equal(edc.statusCode, 403, 'an admin change')
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/trials/TZ-3/sites/nowhere', headers: { ...admin, 'if-match': trialEtag }, payload })).statusCode, 404)

  const changed = await app.inject({ method: 'PATCH', url, headers: { ...admin, 'if-match': trialEtag }, payload })
  t.equal(changed.statusCode, 200)
  t.same(changed.json(), { siteId: 'shanghai', name: 'Shanghai site', timeZone: 'UTC' })
  t.not(changed.headers.etag, trialEtag, "the trial's version moved")

  // In the UTC calendar the dose is on the day before: the onset is on day 15, after the window.
  const after = await getJson(app, `/v1/trials/TZ-3/adverse-events/${ae.aeId}`)
  t.equal(after.body.dlt.isDlt, false, 'the AE is re-classified in the new calendar')
  const status = await getJson(app, '/v1/trials/TZ-3/status')
  t.match(status.body.doseLevels[0], { doseLevel: 1, dlts: 0 }, 'and the status re-evaluated')
  const decisions = await getJson(app, '/v1/trials/TZ-3/decisions')
  t.ok(decisions.body.items.some((d: { trigger: { type: string } }) => d.trigger.type === 'site_time_zone_changed'), 'the change is in the decision history')
  const audit = await getJson(app, '/v1/audit?trialId=TZ-3&entity=site&entityId=shanghai')
  t.match(audit.body.items, [{ action: 'update', reason: payload.reason, before: { timeZone: 'Asia/Shanghai' }, after: { timeZone: 'UTC' } }])
})

t.test('"today" for an AE report is the site\'s day', async (t) => {
  const { app } = await build()
  // Some zone is a calendar day away from UTC at any hour: Kiritimati (UTC+14) is a day ahead from 10:00Z,
  // Pago Pago (UTC-11) a day behind until 11:00Z.
  const ahead = new Date().getUTCHours() >= 11
  const zone = ahead ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago'
  const utcToday = new Date().toISOString().slice(0, 10)
  const localToday = addDays(utcToday, ahead ? 1 : -1)
  const farSite = { siteId: 'far', name: 'Far site', timeZone: zone }
  await createTrial(app, 'TZ-4', undefined, [farSite])
  await enrol(app, 'TZ-4', 'FAR-1', 'far', 1, daysAgo(5).date)
  await enrol(app, 'TZ-4', 'UTC-1', SEED_SITE, 1, daysAgo(5).date)
  // The later of the two days: today at the site ahead, in the future at the site behind.
  const onset = ahead ? localToday : utcToday
  const far = await app.inject({ method: 'POST', url: '/v1/trials/TZ-4/adverse-events', headers: admin, payload: { participantId: 'FAR-1', term: 'Nausea', grade: 1, onsetDate: onset, serious: false, attribution: 'unrelated' } })
  const utc = await app.inject({ method: 'POST', url: '/v1/trials/TZ-4/adverse-events', headers: admin, payload: { participantId: 'UTC-1', term: 'Nausea', grade: 1, onsetDate: onset, serious: false, attribution: 'unrelated' } })
  if (ahead) {
    t.equal(far.statusCode, 201, `${onset} is today at ${zone}`)
    t.equal(utc.statusCode, 422, 'and tomorrow in UTC')
  } else {
    t.equal(far.statusCode, 422, `${onset} is tomorrow at ${zone}`)
    t.match(far.json().errors, [{ path: '/onsetDate', message: `onset ${onset} is in the future (today is ${localToday} at the site, ${zone})` }])
    t.equal(utc.statusCode, 201, 'and today in UTC')
  }
})
