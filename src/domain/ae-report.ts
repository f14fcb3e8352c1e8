// Checks of one adverse-event report that need no database: its dates against
// the participant's enrolment and withdrawal and against today, its
// seriousness, grade 5 against a fatal outcome, and the attribution scale.
// Every problem is reported (not just the first), each at its JSON pointer.
//
// Time: dates are 'YYYY-MM-DD' calendar days; an instant (withdrawal, asOf)
// counts on its UTC calendar day, as in the DLT window (dlt.ts).
import type { FieldError } from './ctcae.js'
import { ATTRIBUTIONS } from './vocabulary.js'

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
}

/** How far ahead of the server's clock an awareAt may be: the sending system's clock may run fast. */
export const AWARE_AT_TOLERANCE_MS = 5 * 60_000

const utcDay = (instant: string): string => new Date(Date.parse(instant)).toISOString().slice(0, 10)

export function checkAeReport (ae: AeReportFields, ctx: AeReportContext): FieldError[] {
  const errors: FieldError[] = []
  const today = utcDay(ctx.asOf)
  const resolved = ae.resolvedDate ?? null
  const criteria = ae.seriousnessCriteria ?? []

  if (ctx.participant === null) {
    errors.push({ path: '/participantId', message: 'no participant with this id is enrolled in this trial' })
  } else {
    if (ae.onsetDate < ctx.participant.enrolledOn) {
      errors.push({ path: '/onsetDate', message: `onset ${ae.onsetDate} is before enrolment on ${ctx.participant.enrolledOn}` })
    }
    const withdrawn = ctx.participant.withdrawnAt === null ? null : utcDay(ctx.participant.withdrawnAt)
    if (withdrawn !== null && withdrawn < ae.onsetDate) {
      errors.push({ path: '/participantId', message: `the participant was withdrawn on ${withdrawn}, before onset ${ae.onsetDate}` })
    }
  }
  if (ae.onsetDate > today) errors.push({ path: '/onsetDate', message: `onset ${ae.onsetDate} is in the future (today is ${today} UTC)` })
  if (resolved !== null && resolved < ae.onsetDate) {
    errors.push({ path: '/resolvedDate', message: `resolution ${resolved} is before onset ${ae.onsetDate}` })
  }
  if (resolved !== null && resolved > today) {
    errors.push({ path: '/resolvedDate', message: `resolution ${resolved} is in the future (today is ${today} UTC)` })
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

  // CTCAE v5.0: "Grade 5 Death related to AE".
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
