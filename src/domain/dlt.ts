// DLT classification of one adverse event under a protocol's dltDefinition.
//
// Time: dates ('YYYY-MM-DD') and the site's calendar day of instants
// (site-calendar.ts; UTC unless the site says otherwise) are whole days. An AE
// is in the DLT window when its onset date lies in [administration day,
// administration day + windowDays] (inclusive), counted from the first
// administration or, for 'each_administration', from the last administration
// on or before onset; for 'course', from the first administration to
// windowDays after the last administration of the planned DLT period
// (schedule.ts courseLastDay). Durations are whole days:
// (resolvedDate - onsetDate) x 24 h, so an AE resolving the day after onset
// lasted 24 h. An unresolved AE has lasted (local day of asOf - onsetDate) x
// 24 h so far.
//
// Grade: the caller passes the worst grade the AE reached (worstGrade): an
// event that improves stays the DLT it was; only a correction of an entry
// error replaces the grade it corrects.
//
// Entries (exclusions, inclusions, alwaysDlt) apply to an AE their terms,
// meddraCodes or socs select (matched case-insensitively; an alwaysDlt entry
// without any selects every AE); an entry holds when all its conditions hold:
// grade (equal), minGrade, attributions, maxDurationHours (lasted at most, i.e.
// "resolved within"), minDurationHours (lasted at least), withConcurrent
// (another of the participant's AEs overlapping in days with grade >= minGrade).
//
// Decision: DLT when in window, grade >= minGrade, attribution listed, the
// required symptom/treatment flags are true (not stated: unknown), no exclusion holds and, if
// inclusions select the AE, at least one of them holds. An alwaysDlt entry
// that holds makes an in-window AE a DLT regardless of grade, attribution,
// symptom/treatment requirements and exclusions; attribution matters for it
// only when the entry lists attributions. A duration condition that an
// unresolved AE could still meet or miss is unknown; when the outcome depends
// on it the AE is pending (not a DLT yet), and `pendingUntil` says when
// elapsed time alone will settle it.
//
// No silent "no": a required qualifier (clinical symptoms, medical treatment)
// that the AE does not state is unknown, not false; when the outcome depends on
// it the verdict is 'needs_information' and `missing` names the fields. Only an
// explicit false fails a qualifier. A related (possible, probable, definite)
// grade 5 in the window is a DLT whatever the qualifiers, exclusions and
// inclusions say: a DMC does not dismiss a treatment-related death.
import type { OpenQuery } from './status.js'
import type { Attribution, DltCriteria, DltDefinition, Schedule } from './protocol.js'
import { courseLastDay, participantSchedule } from './schedule.js'
import { dateOf, dayNumber, localDate, startOfLocalDay } from './site-calendar.js'
import type { DLT_VERDICTS } from './vocabulary.js'

export interface AeFacts {
  aeId: string
  participantId: string
  meddraCode: string
  term: string
  soc: string
  grade: number
  onsetDate: string
  resolvedDate?: string | null
  serious: boolean
  attribution: Attribution
  clinicalSymptoms?: boolean | null
  requiredMedicalTreatment?: boolean | null
  adjudication?: Adjudication | null
}

/** the AE fields a classification depends on: what an adjudication judged */
export const ADJUDICATED_FIELDS = ['meddraCode', 'term', 'soc', 'grade', 'onsetDate', 'resolvedDate', 'attribution', 'clinicalSymptoms', 'requiredMedicalTreatment'] as const
export type AdjudicatedFacts = Pick<AeFacts, typeof ADJUDICATED_FIELDS[number]>

/**
 * A DMC or safety adjudication, with the facts it judged. It applies while
 * those facts are unchanged; once a follow-up changes one of them the computed
 * verdict applies and the AE needs a new adjudication. An adjudication recorded
 * without its facts applies as it always did.
 */
export interface Adjudication { isDlt: boolean, reason: string, facts?: AdjudicatedFacts }

/** the snapshot an adjudication of this AE records */
export function adjudicatedFacts (ae: AeFacts): AdjudicatedFacts {
  return Object.fromEntries(ADJUDICATED_FIELDS.map((f) => [f, ae[f] ?? null])) as AdjudicatedFacts
}

export interface DltContext {
  /** the participant's administrations */
  administrations: { administeredAt: string }[]
  /** the participant's other non-nullified AEs */
  otherAes: AeFacts[]
  /** RFC 3339 instant the classification is made at */
  asOf: string
  /** the site's IANA time zone ['UTC'] */
  timeZone?: string
  /** the participant's group schedule (schedule.ts scheduleFor): required for windowStart 'course' */
  schedule?: Schedule
  /** end of treatment and withdrawal: a course window's planned administrations after them are not given */
  treatmentEndedAt?: string | null
  withdrawnAt?: string | null
}

export type DltVerdict = typeof DLT_VERDICTS[number]

export interface DltClassification {
  isDlt: boolean
  /** not decided yet: verdict 'pending' or 'needs_information' */
  pending: boolean
  verdict: DltVerdict
  /** while 'needs_information': the AE fields the site must state (e.g. 'clinicalSymptoms') */
  missing: string[]
  reasons: string[]
  computed: { isDlt: boolean, pending: boolean }
  adjudicated: boolean
  /** set when an adjudication no longer applies because a fact it judged changed: list the AE for re-adjudication */
  readjudicate?: { changed: string[] }
  /** while computed.pending: the instant at which elapsed time alone settles a pending duration condition */
  pendingUntil: string | null
}

/** Kleene three-valued logic: null = not known yet */
type Tri = boolean | null
const and = (xs: Tri[]): Tri => xs.includes(false) ? false : xs.includes(null) ? null : true
const or = (xs: Tri[]): Tri => xs.includes(true) ? true : xs.includes(null) ? null : false
const not = (x: Tri): Tri => x === null ? null : !x

const RELATED: readonly Attribution[] = ['possible', 'probable', 'definite']
const dateDay = dayNumber
const dayDate = dateOf
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()
const list = (xs: readonly string[]) => `[${xs.join(', ')}]`

type Selector = Pick<DltCriteria, 'terms' | 'meddraCodes' | 'socs'>

function selects (s: Selector, ae: AeFacts): boolean {
  if (s.terms === undefined && s.meddraCodes === undefined && s.socs === undefined) return true
  return (s.terms?.some((t) => same(t, ae.term)) ?? false) ||
    (s.meddraCodes?.includes(ae.meddraCode) ?? false) ||
    (s.socs?.some((x) => same(x, ae.soc)) ?? false)
}

function describeSelector (s: Selector): string {
  const parts = [
    ...(s.terms ?? []),
    ...(s.meddraCodes ?? []).map((c) => `MedDRA ${c}`),
    ...(s.socs ?? []).map((x) => `SOC ${x}`)
  ]
  return parts.length === 0 ? 'any AE' : parts.join('/')
}

function describe (c: DltCriteria): string {
  const parts = [describeSelector(c)]
  if (c.grade !== undefined) parts.push(`grade ${c.grade}`)
  if (c.minGrade !== undefined) parts.push(`grade >= ${c.minGrade}`)
  if (c.attributions !== undefined) parts.push(`attribution in ${list(c.attributions)}`)
  if (c.maxDurationHours !== undefined) parts.push(`resolved within ${c.maxDurationHours} h`)
  if (c.minDurationHours !== undefined) parts.push(`lasting at least ${c.minDurationHours} h`)
  if (c.withConcurrent !== undefined) parts.push(`with concurrent ${describeSelector(c.withConcurrent)} grade >= ${c.withConcurrent.minGrade}`)
  return parts.join(' ')
}

interface Clock {
  onset: number
  /** whole-day duration in hours: final when resolved, elapsed so far otherwise */
  hours: number
  resolved: boolean
  /** days at which unknown conditions become known by elapsed time */
  settles: number[]
}

function clockOf (ae: AeFacts, asOf: string, tz: string): Clock {
  const onset = dateDay(ae.onsetDate)
  const resolved = ae.resolvedDate != null
  const end = resolved ? dateDay(ae.resolvedDate!) : dateDay(localDate(asOf, tz))
  return { onset, hours: (end - onset) * 24, resolved, settles: [] }
}

function maxDuration (limit: number, clock: Clock): Tri {
  if (clock.hours > limit) return false
  if (clock.resolved) return true
  clock.settles.push(clock.onset + Math.floor(limit / 24) + 1)
  return null
}

function minDuration (limit: number, clock: Clock): Tri {
  if (clock.hours >= limit) return true
  if (clock.resolved) return false
  clock.settles.push(clock.onset + Math.ceil(limit / 24))
  return null
}

const endDay = (ae: AeFacts) => ae.resolvedDate != null ? dateDay(ae.resolvedDate) : Infinity

function concurrent (c: NonNullable<DltCriteria['withConcurrent']>, ae: AeFacts, others: AeFacts[]): boolean {
  const start = dateDay(ae.onsetDate)
  const end = endDay(ae)
  return others.some((o) => o.aeId !== ae.aeId && o.grade >= c.minGrade && selects(c, o) &&
    dateDay(o.onsetDate) <= end && start <= endDay(o))
}

function holds (c: DltCriteria, ae: AeFacts, ctx: DltContext, clock: Clock): Tri {
  return and([
    c.grade === undefined || ae.grade === c.grade,
    c.minGrade === undefined || ae.grade >= c.minGrade,
    c.attributions === undefined || c.attributions.includes(ae.attribution),
    c.maxDurationHours === undefined || maxDuration(c.maxDurationHours, clock),
    c.minDurationHours === undefined || minDuration(c.minDurationHours, clock),
    c.withConcurrent === undefined || concurrent(c.withConcurrent, ae, ctx.otherAes)
  ])
}

function durationNote (clock: Clock): string {
  return clock.resolved ? `lasted ${clock.hours} h` : `unresolved, ${clock.hours} h so far`
}

function inWindow (def: DltDefinition, ae: AeFacts, ctx: DltContext, tz: string): { ok: boolean, reason: string } {
  const days = ctx.administrations.map((a) => dateDay(localDate(a.administeredAt, tz))).sort((a, b) => a - b)
  if (days.length === 0) return { ok: false, reason: 'no administration recorded: onset outside any DLT window' }
  const onset = dateDay(ae.onsetDate)
  if (def.windowStart === 'course') return inCourse(def, ae, ctx, tz)
  const starts = def.windowStart === 'first_administration' ? days.slice(0, 1) : days
  const start = starts.filter((d) => d <= onset).at(-1)
  if (start === undefined) return { ok: false, reason: `onset ${ae.onsetDate} before the first administration ${dayDate(days[0]!)}` }
  const from = def.windowStart === 'first_administration' ? 'first administration' : 'administration'
  return onset <= start + def.windowDays
    ? { ok: true, reason: `onset ${ae.onsetDate} within ${def.windowDays}-day window from ${from} ${dayDate(start)}` }
    : { ok: false, reason: `onset ${ae.onsetDate} after the ${def.windowDays}-day window from ${from} ${dayDate(start)}` }
}

function inCourse (def: DltDefinition, ae: AeFacts, ctx: DltContext, tz: string): { ok: boolean, reason: string } {
  if (ctx.schedule === undefined) throw new Error("windowStart 'course' needs the participant's schedule")
  const ps = participantSchedule(ctx.schedule, {
    administrations: ctx.administrations.map((a) => a.administeredAt),
    treatmentEndedAt: ctx.treatmentEndedAt,
    withdrawnAt: ctx.withdrawnAt,
    timeZone: tz,
    asOf: ctx.asOf
  })
  const first = ps.firstDate!
  const last = courseLastDay(ps, def.windowDays)!
  const span = `course window ${first} to ${last} (${def.windowDays} days after the last administration of the DLT period)`
  if (ae.onsetDate < first) return { ok: false, reason: `onset ${ae.onsetDate} before the first administration ${first}` }
  return ae.onsetDate <= last ? { ok: true, reason: `onset ${ae.onsetDate} within ${span}` } : { ok: false, reason: `onset ${ae.onsetDate} after ${span}` }
}

function required (
  flag: boolean | null | undefined, need: boolean | undefined, what: string, field: string, reasons: string[], missing: string[]
): Tri {
  if (need !== true) return true
  if (flag == null) {
    reasons.push(`${what}: not reported (required): needs information`)
    missing.push(field)
    return null
  }
  reasons.push(flag ? `${what}: yes (required)` : `${what}: not reported as yes (required)`)
  return flag
}

/**
 * The grade a DLT verdict uses, from an AE's versions in the order recorded:
 * the worst grade reached, except that a correction of an entry error replaces
 * the worst so far with its own grade (later versions count from there).
 */
export function worstGrade (versions: readonly { grade: number, correction?: boolean }[]): number {
  return versions.reduce((worst, v) => v.correction === true ? v.grade : Math.max(worst, v.grade), 0)
}

const outcome = (x: Tri, met: string, pending: string, unmet: string) => x === true ? met : x === null ? pending : unmet

export function classifyAe (def: DltDefinition, ae: AeFacts, ctx: DltContext): DltClassification {
  const tz = ctx.timeZone ?? 'UTC'
  const reasons: string[] = []
  const missing: string[] = []
  const clock = clockOf(ae, ctx.asOf, tz)
  const window = inWindow(def, ae, ctx, tz)
  reasons.push(window.reason)

  const gradeOk = ae.grade >= def.minGrade
  reasons.push(`grade ${ae.grade} ${gradeOk ? '>=' : '<'} minGrade ${def.minGrade}`)
  const attributionOk = def.attributions.includes(ae.attribution)
  reasons.push(`attribution ${ae.attribution} ${attributionOk ? 'in' : 'not in'} ${list(def.attributions)}`)
  const symptomsOk = required(ae.clinicalSymptoms, def.requireClinicalSymptoms, 'clinical symptoms', 'clinicalSymptoms', reasons, missing)
  const treatmentOk = required(ae.requiredMedicalTreatment, def.requireMedicalTreatment, 'medical treatment required', 'requiredMedicalTreatment', reasons, missing)

  const exclusions = (def.exclusions ?? []).filter((c) => selects(c, ae)).map((c) => {
    const x = holds(c, ae, ctx, clock)
    reasons.push(`${outcome(x, 'excluded', 'exclusion pending', 'exclusion not met')}: ${describe(c)} (${durationNote(clock)})`)
    return x
  })
  const inclusions = (def.inclusions ?? []).filter((c) => selects(c, ae)).map((c) => {
    const x = holds(c, ae, ctx, clock)
    reasons.push(`${outcome(x, 'inclusion met', 'inclusion pending', 'inclusion not met')}: ${describe(c)} (${durationNote(clock)})`)
    return x
  })
  const always = (def.alwaysDlt ?? []).filter((c) => selects(c, ae)).map((c) => {
    const x = holds(c, ae, ctx, clock)
    if (x !== false) reasons.push(`${x === true ? 'alwaysDlt' : 'alwaysDlt pending'}: ${describe(c)}`)
    return x
  })

  const base = and([
    window.ok, gradeOk, attributionOk, symptomsOk, treatmentOk,
    not(or(exclusions)),
    inclusions.length === 0 || or(inclusions)
  ])
  const byCriteria = or([base, and([window.ok, or(always)])])
  const relatedDeath = window.ok && ae.grade === 5 && RELATED.includes(ae.attribution)
  if (relatedDeath && byCriteria !== true) reasons.push(`related grade 5 (${ae.attribution}): a DLT whatever the qualifiers and exclusions`)
  const result = or([byCriteria, relatedDeath])
  const computed = { isDlt: result === true, pending: result === null }
  const verdict: DltVerdict = result === true ? 'dlt' : result === false ? 'not_dlt' : missing.length > 0 ? 'needs_information' : 'pending'
  const open = verdict === 'needs_information' ? missing : []
  const settles = computed.pending ? clock.settles : []
  const pendingUntil = settles.length > 0 ? startOfLocalDay(dayDate(Math.min(...settles)), tz) : null
  const asComputed = { ...computed, verdict, missing: open, reasons, computed, adjudicated: false, pendingUntil }
  if (ae.adjudication == null) return asComputed
  const judged = `adjudicated ${ae.adjudication.isDlt ? 'as DLT' : 'as not a DLT'}: ${ae.adjudication.reason}`
  const facts = ae.adjudication.facts
  const now = adjudicatedFacts(ae)
  const changed = facts === undefined ? [] : ADJUDICATED_FIELDS.filter((f) => (facts[f] ?? null) !== now[f])
  if (changed.length > 0) {
    reasons.push(`${judged} (no longer applies: ${changed.map((f) => `${f} was ${String(facts![f] ?? null)}, now ${String(now[f])}`).join(', ')}; the computed verdict applies until a new adjudication)`)
    return { ...asComputed, readjudicate: { changed } }
  }
  reasons.push(judged)
  return {
    isDlt: ae.adjudication.isDlt, pending: false, verdict: ae.adjudication.isDlt ? 'dlt' : 'not_dlt', missing: [], reasons, computed, adjudicated: true, pendingUntil
  }
}

/** What a participant's row keeps current from the classifications of its live AEs. */
export interface DltSummary {
  dltCount: number
  pendingDltCount: number
  /** the earliest instant elapsed time settles one of the pending verdicts */
  pendingDltUntil: string | null
  worstGrade: number | null
  /** worst grade per MedDRA code: the diff base for toxicity_counts */
  termWorst: Record<string, number>
  saeCount: number
  /** of the pending verdicts, those that need information from the site (in the order folded) */
  openQueries: OpenQuery[]
}
