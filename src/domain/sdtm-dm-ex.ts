// SDTM DM (SDTMIG v3.3 section 5.2) and EX (section 6.1.3) datasets from the
// participants and administrations this service holds: enough for USUBJID,
// the reference dates that study days count from, the arms and the exposure
// to resolve. Demographics (SEX, COUNTRY, AGE, RACE) and informed consent are
// not held by this service: those variables are present and null
// (Define-XML origin "Not Available"), to be merged from the EDC.
import { usubjid, studyDay, type SdtmRow } from './sdtm.js'
import { localDate, localDateTime } from './site-calendar.js'

export interface DmSubject {
  studyId: string
  participantId: string
  siteId: string
  timeZone: string
  /** the armId, for parallel-group trials */
  armId: string | null
  /** the dose level enrolled at (planned) */
  doseLevel: number
  /** the planned arm's description: the arm label, or the dose level's label */
  armLabel: string
  /** administered instants and levels, in order */
  administrations: ReadonlyArray<{ administeredAt: string, doseLevel: number }>
  treatmentEndedAt: string | null
  withdrawnAt: string | null
  /** onset and resolution of the subject's live fatal or grade 5 AEs */
  deaths: ReadonlyArray<{ onsetDate: string, resolvedDate: string | null }>
}

const armCode = (s: Pick<DmSubject, 'armId' | 'doseLevel'>) => s.armId ?? `DL${s.doseLevel}`

/** RFSTDTC: the date of the first administration in the site's calendar (null when never dosed). */
export const referenceStart = (s: Pick<DmSubject, 'administrations' | 'timeZone'>): string | null =>
  s.administrations[0] === undefined ? null : localDate(s.administrations[0].administeredAt, s.timeZone)

export function dmRow (s: DmSubject): SdtmRow {
  const first = s.administrations[0]
  const last = s.administrations[s.administrations.length - 1]
  const levels = [...new Set(s.administrations.map((a) => a.doseLevel))].sort((a, b) => a - b)
  const asPlanned = first !== undefined && levels.length === 1 && levels[0] === s.doseLevel
  const end = s.withdrawnAt ?? s.treatmentEndedAt
  const death = [...s.deaths].map((d) => d.resolvedDate ?? d.onsetDate).sort()[0] ?? null
  return {
    STUDYID: s.studyId,
    DOMAIN: 'DM',
    USUBJID: usubjid(s.studyId, s.participantId),
    SUBJID: s.participantId,
    RFSTDTC: referenceStart(s),
    RFENDTC: end === null ? null : localDate(end, s.timeZone),
    RFXSTDTC: first === undefined ? null : localDateTime(first.administeredAt, s.timeZone),
    RFXENDTC: last === undefined ? null : localDateTime(last.administeredAt, s.timeZone),
    RFICDTC: null,
    RFPENDTC: s.withdrawnAt === null ? null : localDate(s.withdrawnAt, s.timeZone),
    DTHDTC: death,
    DTHFL: death === null ? null : 'Y',
    SITEID: s.siteId,
    AGE: null,
    AGEU: null,
    SEX: null,
    RACE: null,
    ARMCD: armCode(s),
    ARM: s.armLabel,
    ACTARMCD: asPlanned ? armCode(s) : null,
    ACTARM: asPlanned ? s.armLabel : null,
    ARMNRS: first === undefined ? 'ASSIGNED, NOT TREATED' : asPlanned ? null : 'UNPLANNED TREATMENT',
    ACTARMUD: first === undefined || asPlanned ? null : `Dose level${levels.length > 1 ? 's' : ''} ${levels.join(', ')} administered`,
    COUNTRY: null
  }
}

export interface ExAdministration {
  administrationId: string
  administeredAt: string
  doseLevel: number
  dose: { value: number, unit: string } | null
}

/**
 * A subject's EX records, one per administration in the order given (EXSEQ
 * 1, 2, ...; ties broken by administrationId). A single administration
 * starts and ends at the instant recorded.
 */
export function exRows (s: Pick<DmSubject, 'studyId' | 'participantId' | 'timeZone' | 'administrations'>, given: readonly ExAdministration[]): SdtmRow[] {
  const rfstdtc = referenceStart(s)
  return [...given]
    .sort((a, b) => Date.parse(a.administeredAt) - Date.parse(b.administeredAt) || (a.administrationId < b.administrationId ? -1 : 1))
    .map((a, i) => {
      const at = localDateTime(a.administeredAt, s.timeZone)
      const day = studyDay(localDate(a.administeredAt, s.timeZone), rfstdtc)
      return {
        STUDYID: s.studyId,
        DOMAIN: 'EX',
        USUBJID: usubjid(s.studyId, s.participantId),
        EXSEQ: i + 1,
        EXSPID: a.administrationId,
        EXTRT: a.doseLevel === 0 ? 'PLACEBO' : 'INVESTIGATIONAL PRODUCT',
        EXDOSE: a.dose?.value ?? null,
        EXDOSU: a.dose?.unit ?? null,
        EPOCH: 'TREATMENT',
        EXSTDTC: at,
        EXENDTC: at,
        EXSTDY: day,
        EXENDY: day
      }
    })
}
