// Regulatory reporting clocks for serious adverse events.
//
// Every clock starts at awareAt, the instant the site became aware of the event.
// The 7- and 15-day clocks of 21 CFR 312.32(c) and ICH E2A run from the
// sponsor's first knowledge, which cannot precede the site's, so starting them
// at awareAt can only make a report due earlier, never later.
// "Calendar days" are counted as whole 24-hour periods from awareAt (weekends
// and holidays included); instants are compared in UTC, so no DST shifts apply.

import type { AeOutcome, Attribution, SaeReportKind, SeriousnessCriterion } from './vocabulary.js'

export interface SaeClockInput {
  serious: boolean
  grade: number
  seriousnessCriteria?: readonly SeriousnessCriterion[]
  attribution: Attribution
  /** listed in the investigator's brochure; anything but true counts as unexpected */
  expected?: boolean
  outcome?: AeOutcome
}

export interface SaeReportDue {
  kind: SaeReportKind
  /** RFC 3339 instant in UTC */
  dueAt: string
  basis: string
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** Attributions that give "a reasonable possibility" the drug caused the event (21 CFR 312.32(a)). */
const SUSPECTED: ReadonlySet<Attribution> = new Set(['possible', 'probable', 'definite'])

export const INITIAL_BASIS =
  'Investigator reports a serious adverse event to the sponsor immediately (21 CFR 312.64(b); ICH E6(R2) 4.11.1); ' +
  'sponsor practice and most protocols fix "immediately" at 24 hours from site awareness'
export const SUSAR_7D_BASIS =
  'Unexpected fatal or life-threatening suspected adverse reaction: IND safety report no later than 7 calendar days ' +
  '(21 CFR 312.32(c)(2); ICH E2A III.A.1)'
export const SUSAR_15D_BASIS =
  'Serious and unexpected suspected adverse reaction: IND safety report no later than 15 calendar days ' +
  '(21 CFR 312.32(c)(1)(i); ICH E2A III.A.2)'

/**
 * The regulatory reports due for one adverse event, earliest first.
 * @param awareAt RFC 3339 instant (with zone) or epoch milliseconds
 */
export function saeReportingClocks (ae: SaeClockInput, awareAt: string | number): SaeReportDue[] {
  const start = toEpochMs(awareAt)
  if (!ae.serious) return []
  const due: SaeReportDue[] = [
    { kind: 'initial_24h', dueAt: iso(start + 24 * HOUR_MS), basis: INITIAL_BASIS }
  ]
  if (SUSPECTED.has(ae.attribution) && ae.expected !== true) {
    due.push(isFatalOrLifeThreatening(ae)
      ? { kind: 'susar_7d', dueAt: iso(start + 7 * DAY_MS), basis: SUSAR_7D_BASIS }
      : { kind: 'susar_15d', dueAt: iso(start + 15 * DAY_MS), basis: SUSAR_15D_BASIS })
  }
  return due
}

/**
 * "Life-threatening" in 21 CFR 312.32(a) is the reporter's judgment that the
 * event put the patient at immediate risk of death, recorded as a seriousness
 * criterion. CTCAE grade 4 ("life-threatening consequences; urgent intervention
 * indicated") is a severity, not that judgment, so it does not start the 7-day
 * clock by itself. CTCAE grade 5 is by definition death related to the AE, so it
 * counts as fatal even when outcome and criteria were not filled in.
 */
export function isFatalOrLifeThreatening (ae: SaeClockInput): boolean {
  const criteria = ae.seriousnessCriteria ?? []
  return criteria.includes('death') ||
    criteria.includes('life_threatening') ||
    ae.outcome === 'fatal' ||
    ae.grade === 5
}

function toEpochMs (instant: string | number): number {
  if (typeof instant === 'number') {
    if (!Number.isFinite(instant)) throw new RangeError(`awareAt is not a valid instant: ${instant}`)
    return instant
  }
  // RFC 3339 requires a zone: a local time without one would shift every clock.
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(instant)
  if (m === null) throw new RangeError(`awareAt is not an RFC 3339 instant with zone: '${instant}'`)
  const [, date, time, fraction, sign, hh, mm] = m
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * 60_000
  const ms = Date.parse(`${date}T${time}Z`)
  // Date.parse rolls impossible dates over (02-30 becomes 03-02); a round trip catches them.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== `${date}T${time}`) {
    throw new RangeError(`awareAt is not a valid date-time: '${instant}'`)
  }
  // Sub-millisecond digits are dropped: clocks are kept to the millisecond.
  const fractionMs = fraction === undefined ? 0 : Number(`${fraction.slice(1)}00`.slice(0, 3))
  return ms - offsetMs + fractionMs
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}
