import t from 'tap'
import {
  courseLastDay, dltPeriodCount, groupExposure, participantSchedule, plannedAdministrations, scheduleFor, type ScheduleInput
} from '../../src/domain/schedule.js'
import type { Protocol, Schedule } from '../../src/domain/protocol.js'
import { addDays } from '../../src/domain/site-calendar.js'

// Issue #15's record: administrations at weeks 0, 1 (+/- 1 day), 3, 5 and 7 (+/- 3 days).
const weeks: Schedule = {
  administrations: [{ day: 0 }, { day: 7, windowDays: 1 }, { day: 21, windowDays: 3 }, { day: 35, windowDays: 3 }, { day: 49, windowDays: 3 }],
  dltPeriodAdministrations: 4
}
const FIRST = '2026-01-05'
const at = (day: number, time = '09:00:00Z') => `${addDays(FIRST, day)}T${time}`
const run = (s: Schedule, over: Partial<ScheduleInput>) => participantSchedule(s, { administrations: [], asOf: at(0), ...over })
const statuses = (s: Schedule, over: Partial<ScheduleInput>) => run(s, over).administrations.map((a) => a.status)

t.test('planned administrations: listed days, or a frequency expanded to days', async (t) => {
  t.same(plannedAdministrations(weeks).map((a) => [a.day, a.windowDays]), [[0, 0], [7, 1], [21, 3], [35, 3], [49, 3]])
  const rows: [string, Schedule, number[]][] = [
    ['once weekly for 3 weeks', { frequency: { perWeek: 1, weeks: 3 } }, [0, 7, 14]],
    ['twice weekly for 2 weeks', { frequency: { perWeek: 2, weeks: 2 } }, [0, 3, 7, 10]],
    ['three times weekly', { frequency: { perWeek: 3, weeks: 1 } }, [0, 2, 4]],
    ['daily', { frequency: { perWeek: 7, weeks: 1 } }, [0, 1, 2, 3, 4, 5, 6]]
  ]
  for (const [name, s, days] of rows) t.same(plannedAdministrations(s).map((a) => a.day), days, name)
  t.same(plannedAdministrations({ frequency: { perWeek: 2, weeks: 1 }, windowDays: 1 }).map((a) => a.windowDays), [1, 1])
  t.equal(dltPeriodCount(weeks), 4)
  t.equal(dltPeriodCount({ frequency: { perWeek: 2, weeks: 4 } }), 8, 'default: all planned administrations')
})

t.test('a group schedule: the arm, else the dose level, else the protocol', async (t) => {
  const twice: Schedule = { frequency: { perWeek: 2, weeks: 4 } }
  const once: Schedule = { frequency: { perWeek: 1, weeks: 4 } }
  const protocol = {
    schedule: weeks,
    doseLevels: [{ level: 1, label: 'L1', schedule: once }, { level: 2, label: 'L2' }],
    arms: [{ armId: 'bw', label: 'twice weekly', doseLevel: 1, schedule: twice }, { armId: 'qw', label: 'weekly', doseLevel: 1 }]
  } as unknown as Protocol
  t.equal(scheduleFor(protocol, { doseLevel: 1, armId: 'bw' }), twice)
  t.equal(scheduleFor(protocol, { doseLevel: 1, armId: 'qw' }), once)
  t.equal(scheduleFor(protocol, { doseLevel: 1, armId: 'unknown' }), once)
  t.equal(scheduleFor(protocol, { doseLevel: 1 }), once)
  t.equal(scheduleFor(protocol, { doseLevel: 2, armId: null }), weeks)
  t.equal(scheduleFor({ ...protocol, schedule: undefined }, { doseLevel: 2 }), undefined)
})

t.test('received, off window, due, upcoming and missed at asOf (allowed windows inclusive)', async (t) => {
  const given = [at(0), at(8), at(25)]
  const rows: [string, string[], number, string[]][] = [
    ['day 8 is the last allowed day of week 1; day 25 is 4 days after day 21 (+/- 3)', given, 30,
      ['received', 'received', 'off_window', 'upcoming', 'upcoming']],
    ['day 32 opens week 5 (35 - 3)', given, 32, ['received', 'received', 'off_window', 'due', 'upcoming']],
    ['day 38 is its last allowed day', given, 38, ['received', 'received', 'off_window', 'due', 'upcoming']],
    ['day 39: missed', given, 39, ['received', 'received', 'off_window', 'missed', 'upcoming']],
    ['day 9 is past week 1 (+1): the nearest later planned one, off window', [at(0), at(9)], 9, ['received', 'off_window', 'upcoming', 'upcoming', 'upcoming']],
    ['week 1 skipped, week 3 given: week 1 missed', [at(0), at(20)], 20, ['received', 'missed', 'received', 'upcoming', 'upcoming']],
    ['early: day 5 is before week 1 (-1)', [at(0), at(5)], 5, ['received', 'off_window', 'upcoming', 'upcoming', 'upcoming']]
  ]
  for (const [name, administrations, today, want] of rows) t.same(statuses(weeks, { administrations, asOf: at(today, '23:59:59.999Z') }), want, name)
  const ps = run(weeks, { administrations: [at(25), at(0), at(8)], asOf: at(30) })
  t.same(ps.administrations[2], {
    index: 2,
    plannedDate: '2026-01-26',
    earliestDate: '2026-01-23',
    latestDate: '2026-01-29',
    inDltPeriod: true,
    status: 'off_window',
    administeredAt: at(25),
    administeredDate: '2026-01-30'
  })
  t.equal(ps.administrations[4]!.inDltPeriod, false)
  t.same(ps.exposure, { planned: 4, received: 3, reachable: 4 })
})

t.test('days are the site calendar: 07:30 at a UTC+8 site is the previous UTC day', async (t) => {
  // first dose 2026-01-05 07:30 local (2026-01-04T23:30Z), second 2026-01-13 08:00 local: day 8, inside week 1 (+1)
  const administrations = ['2026-01-04T23:30:00Z', '2026-01-13T00:00:00Z']
  t.same(statuses(weeks, { administrations, asOf: '2026-01-13T00:00:00Z', timeZone: 'Asia/Shanghai' }).slice(0, 2), ['received', 'received'])
  t.equal(run(weeks, { administrations, asOf: '2026-01-13T00:00:00Z', timeZone: 'Asia/Shanghai' }).firstDate, '2026-01-05')
  // counted on UTC days the first dose is on the 4th and the second is day 9: off window
  t.same(statuses(weeks, { administrations, asOf: '2026-01-13T00:00:00Z' }).slice(0, 2), ['received', 'off_window'])
})

t.test('after the end of treatment or withdrawal, what was not given is not given', async (t) => {
  const rows: [string, Partial<ScheduleInput>, string[], { received: number, reachable: number }][] = [
    ['treatment ended on day 10', { treatmentEndedAt: at(10) }, ['received', 'received', 'not_given', 'not_given', 'not_given'], { received: 2, reachable: 2 }],
    ['withdrawn on day 10', { withdrawnAt: at(10), treatmentEndedAt: null }, ['received', 'received', 'not_given', 'not_given', 'not_given'], { received: 2, reachable: 2 }],
    ['on treatment', {}, ['received', 'received', 'upcoming', 'upcoming', 'upcoming'], { received: 2, reachable: 4 }]
  ]
  for (const [name, over, want, exposure] of rows) {
    const ps = run(weeks, { administrations: [at(0), at(7)], asOf: at(12), ...over })
    t.same(ps.administrations.map((a) => a.status), want, name)
    t.same(ps.exposure, { planned: 4, ...exposure }, name)
  }
  t.same(statuses(weeks, { administrations: [at(0)], asOf: at(12), treatmentEndedAt: at(10) }).slice(0, 2), ['received', 'missed'],
    'a planned administration whose allowed days had passed is missed')
})

t.test('no administration yet; administrations beyond the schedule', async (t) => {
  t.same(run(weeks, { administrations: [] }), { firstDate: null, administrations: [], unplanned: [], exposure: { planned: 4, received: 0, reachable: 4 } })
  const once: Schedule = { frequency: { perWeek: 1, weeks: 2 } }
  const ps = run(once, { administrations: [at(0), at(7), at(14)], asOf: at(14) })
  t.same(ps.unplanned, [at(14)])
  t.same(ps.exposure, { planned: 2, received: 2, reachable: 2 })
})

t.test('course window: windowDays after the last administration of the DLT period', async (t) => {
  const rows: [string, Partial<ScheduleInput>, string | null][] = [
    ['not dosed yet', { administrations: [] }, null],
    ['week 5 given on day 37', { administrations: [at(0), at(7), at(21), at(37)], asOf: at(37) }, addDays(FIRST, 37 + 28)],
    ['week 5 still due: its last allowed day', { administrations: [at(0), at(7), at(21)], asOf: at(36) }, addDays(FIRST, 38 + 28)],
    ['week 5 not yet due', { administrations: [at(0), at(7), at(21)], asOf: at(22) }, addDays(FIRST, 38 + 28)],
    ['week 5 missed: as planned', { administrations: [at(0), at(7), at(21)], asOf: at(39) }, addDays(FIRST, 35 + 28)],
    ['treatment ended: as planned', { administrations: [at(0), at(7)], asOf: at(22), treatmentEndedAt: at(22) }, addDays(FIRST, 35 + 28)]
  ]
  for (const [name, over, want] of rows) t.equal(courseLastDay(run(weeks, over), 28), want, name)
})

// Issue #15: the summary shows exposure per group, so that "twice weekly" is seen to mean it.
t.test('group exposure adds up its participants', async (t) => {
  const twice: Schedule = { frequency: { perWeek: 2, weeks: 2 } }
  const asOf = at(11)
  const group = [
    run(twice, { administrations: [at(0), at(3), at(7), at(10)], asOf }),
    run(twice, { administrations: [at(0)], asOf, treatmentEndedAt: at(1) }),
    run(twice, { administrations: [at(0), at(4), at(11)], asOf }),
    run(twice, { administrations: [], asOf })
  ]
  t.same(groupExposure(group), {
    participants: 4,
    dosed: 3,
    // second: days 3, 7, 10 not given (treatment ended); third: day 4 off window for day 3,
    // day 7 missed, day 11 off window for day 10
    administrations: { received: 6, off_window: 2, due: 0, upcoming: 0, missed: 1, not_given: 3 },
    unplanned: 0,
    dltPeriod: { planned: 12, received: 8 }
  })
  t.same(groupExposure([]).dltPeriod, { planned: 0, received: 0 })
})
