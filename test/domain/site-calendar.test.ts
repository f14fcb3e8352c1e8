import t from 'tap'
import { addDays, dateOf, dayNumber, isTimeZone, localDate, startOfLocalDay } from '../../src/domain/site-calendar.js'

// Issue #15: at a UTC+8 site a dose given at 07:30 local is the previous UTC day; windows, study
// days and "today" must be the site's calendar days. Offsets and DST changes from the IANA tz
// database as shipped with Node (Intl).
t.test('local date of an instant', async (t) => {
  const rows: [string, string, string][] = [
    ['2026-01-05T23:30:00Z', 'UTC', '2026-01-05'],
    ['2026-01-04T23:30:00Z', 'Asia/Shanghai', '2026-01-05'], // 07:30 local on the 5th
    ['2026-01-05T15:59:59.999Z', 'Asia/Shanghai', '2026-01-05'], // last instant of the local day
    ['2026-01-05T16:00:00Z', 'Asia/Shanghai', '2026-01-06'],
    ['2026-01-06T04:59:59Z', 'America/New_York', '2026-01-05'],
    ['2026-01-06T05:00:00Z', 'America/New_York', '2026-01-06'],
    ['2026-01-05T10:30:00Z', 'Pacific/Kiritimati', '2026-01-06'], // UTC+14
    ['2026-01-05T10:45:00Z', 'Pacific/Pago_Pago', '2026-01-04'], // UTC-11
    ['2026-01-05T09:00:00+08:00', 'UTC', '2026-01-05']
  ]
  for (const [instant, tz, date] of rows) t.equal(localDate(instant, tz), date, `${instant} ${tz}`)
  t.equal(localDate('2026-01-05T23:30:00Z'), '2026-01-05', 'UTC by default')
})

t.test('first instant of a local day, across daylight-saving changes', async (t) => {
  const rows: [string, string, string][] = [
    ['2026-01-05', 'UTC', '2026-01-05T00:00:00.000Z'],
    ['2026-01-05', 'Asia/Shanghai', '2026-01-04T16:00:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'], // DST starts 02:00 that day
    ['2026-03-09', 'America/New_York', '2026-03-09T04:00:00.000Z'],
    ['2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z'], // DST ends 02:00 that day
    ['2026-11-02', 'America/New_York', '2026-11-02T05:00:00.000Z'],
    ['2026-03-29', 'Europe/London', '2026-03-29T00:00:00.000Z'],
    ['2026-03-30', 'Europe/London', '2026-03-29T23:00:00.000Z'],
    // Chile starts DST at 24:00 on the first Saturday of September: 2026-09-06 00:00 does not exist,
    // the day starts at 01:00 local (-03), i.e. 04:00Z
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    // and ends it at 24:00 on the first Saturday of April: at 03:00Z the clock goes back to 23:00
    // of 2026-04-04 (-04), so 2026-04-05 starts an hour later, at 04:00Z
    ['2026-04-05', 'America/Santiago', '2026-04-05T04:00:00.000Z'],
    ['2026-01-05', 'Asia/Kolkata', '2026-01-04T18:30:00.000Z'],
    ['2026-01-05', 'Asia/Kathmandu', '2026-01-04T18:15:00.000Z']
  ]
  for (const [date, tz, instant] of rows) {
    const start = startOfLocalDay(date, tz)
    t.equal(start, instant, `${date} ${tz}`)
    t.equal(localDate(start, tz), date, `${date} ${tz} starts on that day`)
    t.equal(localDate(new Date(Date.parse(start) - 1).toISOString(), tz), addDays(date, -1), `${date} ${tz}: the instant before is the day before`)
  }
  t.equal(startOfLocalDay('2026-01-05'), '2026-01-05T00:00:00.000Z', 'UTC by default')
})

t.test('day arithmetic', async (t) => {
  t.equal(dayNumber('1970-01-02'), 1)
  t.equal(dateOf(20458), '2026-01-05')
  t.equal(addDays('2026-02-27', 2), '2026-03-01')
  t.equal(addDays('2026-03-01', -1), '2026-02-28')
})

t.test('IANA time zone names', async (t) => {
  for (const tz of ['UTC', 'Europe/Paris', 'Asia/Shanghai', 'America/Sao_Paulo']) t.ok(isTimeZone(tz), tz)
  for (const tz of ['', 'utc+8', 'Mars/Olympus_Mons', '+08:00', 'europe/paris']) t.notOk(isTimeZone(tz), tz)
})
