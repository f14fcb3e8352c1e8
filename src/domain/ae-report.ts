// Checks of one adverse-event report that need no database: its dates against
// the participant's enrolment and against today, its seriousness, grade 5
// against a fatal outcome and a death, and the attribution scale. Every
// problem is reported (not just the first), each at its JSON pointer.
//
// An AE with onset after the end of treatment or after withdrawal is accepted:
// follow-up is part of the trial, and a death in it must reach the SAE and
// death rules (phaseAtOnset says where it fell).
//
// Time: dates are 'YYYY-MM-DD' calendar days; an instant (withdrawal, asOf)
// counts on the site's calendar day (site-calendar.ts), as in the DLT window.
import type { FieldError } from './ctcae.js'
import { localDate } from './site-calendar.js'
import { ATTRIBUTIONS, type PARTICIPANT_PHASES } from './vocabulary.js'

export interface AeReportFields {
  grade: number
  onsetDate: string
  resolvedDate?: string | null
  serious: boolean
  seriousnessCriteria?: readonly string[] | null
  attribution: string
  outcome?: string | null
  /** RFC 3339 instant the site became aware of the event */
  awareAt?: string | null
}

export interface AeReportContext {
  /** the participant in this trial; null when the trial has no such participant */
  participant: { enrolledOn: string, withdrawnAt: string | null } | null
  /** RFC 3339 instant the report is checked at (its time of receipt) */
  asOf: string
  /** the site's IANA time zone ['UTC'] */
  timeZone?: string
}

export type ParticipantPhase = typeof PARTICIPANT_PHASES[number]

/**
 * The participant's phase on the day of onset: off study after the local day
 * of withdrawal, in follow-up after the local day treatment ended, on
 * treatment otherwise (an onset on the day itself is still before it).
 */
export function phaseAtOnset (
  participant: { treatmentEndedAt?: string | null, withdrawnAt?: string | null }, onsetDate: string, timeZone = 'UTC'
): ParticipantPhase {
  const after = (instant: string | null | undefined) => instant != null && onsetDate > localDate(instant, timeZone)
  return after(participant.withdrawnAt) ? 'off_study' : after(participant.treatmentEndedAt) ? 'follow_up' : 'on_treatment'
}

/** How far ahead of the server's clock an awareAt may be: the sending system's clock may run fast. */
export const AWARE_AT_TOLERANCE_MS = 5 * 60_000

export function checkAeReport (ae: AeReportFields, ctx: AeReportContext): FieldError[] {
  const errors: FieldError[] = []
  const tz = ctx.timeZone ?? 'UTC'
  const today = localDate(ctx.asOf, tz)
  const zone = tz === 'UTC' ? 'UTC' : `at the site, ${tz}`
  const resolved = ae.resolvedDate ?? null
  const criteria = ae.seriousnessCriteria ?? []

  if (ctx.participant === null) {
    errors.push({ path: '/participantId', message: 'no participant with this id is enrolled in this trial' })
  } else if (ae.onsetDate < ctx.participant.enrolledOn) {
    errors.push({ path: '/onsetDate', message: `onset ${ae.onsetDate} is before enrolment on ${ctx.participant.enrolledOn}` })
  }
  if (ae.onsetDate > today) errors.push({ path: '/onsetDate', message: `onset ${ae.onsetDate} is in the future (today is ${today} ${zone})` })
  if (resolved !== null && resolved < ae.onsetDate) {
    errors.push({ path: '/resolvedDate', message: `resolution ${resolved} is before onset ${ae.onsetDate}` })
  }
  if (resolved !== null && resolved > today) {
    errors.push({ path: '/resolvedDate', message: `resolution ${resolved} is in the future (today is ${today} ${zone})` })
  }
  if (ae.awareAt != null && Date.parse(ae.awareAt) > Date.parse(ctx.asOf) + AWARE_AT_TOLERANCE_MS) {
    errors.push({ path: '/awareAt', message: `awareAt ${ae.awareAt} is in the future` })
  }

  // ICH E2A II.B: a serious AE is one that meets at least one seriousness criterion.
  if (ae.serious && criteria.length === 0) {
    errors.push({ path: '/seriousnessCriteria', message: 'a serious AE needs at least one seriousness criterion' })
  }
  if (!ae.serious && criteria.length > 0) {
    errors.push({ path: '/seriousnessCriteria', message: `seriousness criteria (${criteria.join(', ')}) are given but serious is false` })
  }

  // CTCAE v5.0: "Grade 5 Death related to AE"; ICH E2A: an event that results in death is serious.
  if (ae.grade === 5 && !ae.serious) {
    errors.push({ path: '/serious', message: 'grade 5 is death related to the AE: serious must be true' })
  }
  if (ae.grade === 5 && !criteria.includes('death')) {
    errors.push({ path: '/seriousnessCriteria', message: 'grade 5 is death related to the AE: seriousnessCriteria must include death' })
  }
  if (ae.grade === 5 && ae.outcome !== 'fatal') {
    errors.push({ path: '/outcome', message: `grade 5 is death related to the AE: outcome must be fatal, got ${ae.outcome ?? 'none'}` })
  }
  if (ae.grade !== 5 && ae.outcome === 'fatal') {
    errors.push({ path: '/grade', message: `outcome fatal means death related to the AE, which is grade 5; got grade ${ae.grade}` })
  }

  if (!(ATTRIBUTIONS as readonly string[]).includes(ae.attribution)) {
    errors.push({ path: '/attribution', message: `attribution must be one of ${ATTRIBUTIONS.join(', ')}; got '${ae.attribution}'` })
  }
  return errors
}
