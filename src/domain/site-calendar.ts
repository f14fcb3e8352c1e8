// A site's local calendar: which calendar day an instant falls on at the site
// (IANA time zone), and the instant a local day starts. DLT windows, study days
// (sdtm.ts studyDay of local dates) and "today" are counted in these days; instants stay UTC everywhere else.
// 'UTC' is computed arithmetically, so a trial whose sites are all on UTC
// counts exactly as before time zones existed.

const DAY_MS = 86_400_000

const zones = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])

/** whether `name` is an IANA time zone this runtime knows ('UTC' included) */
export const isTimeZone = (name: string): boolean => zones.has(name)

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter (tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'
    })
    formatters.set(tz, f)
  }
  return f
}

/** local wall-clock time at `ms`, read as if it were UTC (ms since epoch) */
function wallClock (ms: number, tz: string): number {
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
}

/** the day number (days since 1970-01-01) of a 'YYYY-MM-DD' date */
export const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS
/** the 'YYYY-MM-DD' date of a day number */
export const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)
export const addDays = (date: string, days: number): string => dateOf(dayNumber(date) + days)

/** the site's calendar date ('YYYY-MM-DD') of an RFC 3339 instant */
export function localDate (instant: string, tz = 'UTC'): string {
  const ms = Date.parse(instant)
  return dateOf(Math.floor((tz === 'UTC' ? ms : wallClock(ms, tz)) / DAY_MS))
}

/** the site's local date and time to the minute ('YYYY-MM-DDThh:mm', as SDTM --DTC hold them) of an RFC 3339 instant */
export function localDateTime (instant: string, tz = 'UTC'): string {
  const ms = Date.parse(instant)
  return new Date(tz === 'UTC' ? ms : wallClock(ms, tz)).toISOString().slice(0, 16)
}

/**
 * The first instant (ISO, UTC) of the site's calendar day `date`. Where a
 * daylight-saving change skips local midnight, the day starts at the first
 * local time that exists.
 */
export function startOfLocalDay (date: string, tz = 'UTC'): string {
  const midnight = dayNumber(date) * DAY_MS
  if (tz === 'UTC') return new Date(midnight).toISOString()
  // two passes settle the offset unless a transition lies between the guesses
  let t = midnight - (wallClock(midnight, tz) - midnight)
  t = midnight - (wallClock(t, tz) - t)
  if (wallClock(t, tz) === midnight && wallClock(t - 1000, tz) < midnight) return new Date(t).toISOString()
  // a transition near midnight: the earliest second whose local date is `date`
  let lo = midnight - 15 * 3_600_000
  let hi = midnight + 15 * 3_600_000
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (wallClock(mid, tz) >= midnight) hi = mid
    else lo = mid
  }
  return new Date(hi).toISOString()
}
