// Planned schedules: a group's planned administrations (protocol `schedule`),
// a participant's schedule derived from their first administration, what they
// received against it, and their exposure in the DLT period.
//
// Days are the site's calendar days (site-calendar.ts). Planned day n is the
// local date of the first administration + n days, allowed from n - windowDays
// to n + windowDays (inclusive). Administrations are matched to planned ones in
// order: the first administration is planned day 0; each later one takes the
// first unmatched later planned administration whose allowed days contain it,
// else the nearest unmatched later one (off window); one beyond the schedule is
// unplanned. A planned administration not received is missed once its last
// allowed day has passed or a later one was received; one whose allowed days
// had not all passed when treatment ended (or the participant withdrew) is
// not given.
import type { Protocol, Schedule } from './protocol.js'
import { addDays, dayNumber, localDate } from './site-calendar.js'

export interface PlannedAdministration { day: number, windowDays: number }

/** the planned administrations of a schedule, frequency expanded to days */
export function plannedAdministrations (s: Schedule): PlannedAdministration[] {
  if (s.administrations !== undefined) return s.administrations.map((a) => ({ day: a.day, windowDays: a.windowDays ?? 0 }))
  const { perWeek, weeks } = s.frequency!
  return Array.from({ length: perWeek * weeks }, (_, i) => ({
    day: 7 * Math.floor(i / perWeek) + Math.floor(7 * (i % perWeek) / perWeek),
    windowDays: s.windowDays ?? 0
  }))
}

/** how many planned administrations the DLT period holds */
export const dltPeriodCount = (s: Schedule): number => s.dltPeriodAdministrations ?? plannedAdministrations(s).length

/** the schedule of a group: the arm's, else its dose level's, else the protocol's */
export function scheduleFor (
  protocol: Pick<Protocol, 'schedule' | 'doseLevels' | 'arms'>, group: { doseLevel: number, armId?: string | null }
): Schedule | undefined {
  const arm = group.armId == null ? undefined : protocol.arms?.find((a) => a.armId === group.armId)
  return arm?.schedule ?? protocol.doseLevels.find((d) => d.level === group.doseLevel)?.schedule ?? protocol.schedule
}

export type SlotStatus = 'received' | 'off_window' | 'due' | 'upcoming' | 'missed' | 'not_given'

export interface ScheduledAdministration {
  /** 0-based position in the schedule */
  index: number
  plannedDate: string
  earliestDate: string
  latestDate: string
  inDltPeriod: boolean
  status: SlotStatus
  /** the administration matched to it, and its local date */
  administeredAt: string | null
  administeredDate: string | null
}

export interface Exposure {
  /** planned administrations in the DLT period */
  planned: number
  /** of those, received (on or off window) */
  received: number
  /** received plus those still due or upcoming: the most the participant can reach */
  reachable: number
}

export interface ParticipantSchedule {
  /** local date of the first administration; null before it */
  firstDate: string | null
  administrations: ScheduledAdministration[]
  /** administrations beyond the schedule */
  unplanned: string[]
  exposure: Exposure
}

export interface ScheduleInput {
  /** the participant's administration instants, any order */
  administrations: readonly string[]
  treatmentEndedAt?: string | null
  withdrawnAt?: string | null
  /** the site's IANA time zone ['UTC'] */
  timeZone?: string
  asOf: string
}

function match (planned: PlannedAdministration[], offsets: number[]): (number | null)[] {
  const slotOf: (number | null)[] = []
  let last = -1
  for (const [i, offset] of offsets.entries()) {
    const later = planned.map((p, j) => ({ p, j })).filter(({ j }) => j > last)
    const fits = i === 0 ? later[0] : later.find(({ p }) => Math.abs(offset - p.day) <= p.windowDays)
    const nearest = later.reduce<typeof later[number] | undefined>((best, c) =>
      best === undefined || Math.abs(offset - c.p.day) < Math.abs(offset - best.p.day) ? c : best, undefined)
    const chosen = fits ?? nearest
    slotOf.push(chosen?.j ?? null)
    if (chosen !== undefined) last = chosen.j
  }
  return slotOf
}

export function participantSchedule (schedule: Schedule, input: ScheduleInput): ParticipantSchedule {
  const tz = input.timeZone ?? 'UTC'
  const planned = plannedAdministrations(schedule)
  const inPeriod = dltPeriodCount(schedule)
  const given = [...input.administrations].sort((a, b) => Date.parse(a) - Date.parse(b))
  if (given.length === 0) {
    return { firstDate: null, administrations: [], unplanned: [], exposure: { planned: inPeriod, received: 0, reachable: inPeriod } }
  }
  const firstDate = localDate(given[0]!, tz)
  const dates = given.map((g) => localDate(g, tz))
  const slotOf = match(planned, dates.map((d) => dayNumber(d) - dayNumber(firstDate)))
  const today = localDate(input.asOf, tz)
  const ends = [input.treatmentEndedAt, input.withdrawnAt].filter((x) => x != null).map((x) => localDate(x, tz)).sort()
  const stopped = ends[0]
  const lastMatched = Math.max(...slotOf.map((s) => s ?? -1))

  const administrations = planned.map((p, index): ScheduledAdministration => {
    const at = slotOf.indexOf(index)
    const earliestDate = addDays(firstDate, p.day - p.windowDays)
    const latestDate = addDays(firstDate, p.day + p.windowDays)
    const status = ((): SlotStatus => {
      if (at >= 0) return dates[at]! < earliestDate || dates[at]! > latestDate ? 'off_window' : 'received'
      if (index < lastMatched) return 'missed'
      if (stopped !== undefined) return latestDate < stopped ? 'missed' : 'not_given'
      if (latestDate < today) return 'missed'
      return earliestDate <= today ? 'due' : 'upcoming'
    })()
    return {
      index,
      plannedDate: addDays(firstDate, p.day),
      earliestDate,
      latestDate,
      inDltPeriod: index < inPeriod,
      status,
      administeredAt: at >= 0 ? given[at]! : null,
      administeredDate: at >= 0 ? dates[at]! : null
    }
  })
  const period = administrations.filter((a) => a.inDltPeriod)
  const received = period.filter((a) => a.administeredAt !== null).length
  return {
    firstDate,
    administrations,
    unplanned: given.filter((_, i) => slotOf[i] === null),
    exposure: { planned: inPeriod, received, reachable: received + period.filter((a) => a.status === 'due' || a.status === 'upcoming').length }
  }
}

/**
 * The last local day of a 'course' DLT window: windowDays after the last
 * administration of the DLT period, as given when given, as planned when it
 * was missed or not given, and at the latest allowed day while it may still
 * be given (no earlier end can be promised then). Null before the first
 * administration.
 */
export function courseLastDay (ps: ParticipantSchedule, windowDays: number): string | null {
  if (ps.firstDate === null) return null
  const last = ps.administrations.filter((a) => a.inDltPeriod).at(-1)!
  const day = last.administeredDate ??
    (last.status === 'due' || last.status === 'upcoming' ? last.latestDate : last.plannedDate)
  return addDays(day, windowDays)
}

export interface GroupExposure {
  /** participants of the group, and those of them dosed at least once */
  participants: number
  dosed: number
  /** planned administrations by status, over the dosed participants */
  administrations: Record<SlotStatus, number>
  unplanned: number
  /** DLT-period administrations planned and received, summed over the dosed participants */
  dltPeriod: { planned: number, received: number }
}

/** a group's exposure for the summary: its participants' schedules added up */
export function groupExposure (schedules: readonly ParticipantSchedule[]): GroupExposure {
  const dosed = schedules.filter((s) => s.firstDate !== null)
  const administrations: Record<SlotStatus, number> = { received: 0, off_window: 0, due: 0, upcoming: 0, missed: 0, not_given: 0 }
  for (const s of dosed) for (const a of s.administrations) administrations[a.status]++
  return {
    participants: schedules.length,
    dosed: dosed.length,
    administrations,
    unplanned: dosed.reduce((n, s) => n + s.unplanned.length, 0),
    dltPeriod: {
      planned: dosed.reduce((n, s) => n + s.exposure.planned, 0),
      received: dosed.reduce((n, s) => n + s.exposure.received, 0)
    }
  }
}
