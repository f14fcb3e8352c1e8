import type { toxicityCounts } from '../../db/schema.js'
import { readLiveAes, updateAe, type AeRow } from '../../db/repos/adverse-events.js'
import { readAdministrations, readParticipantStateAnySite, updateParticipantSummary, type ParticipantState } from '../../db/repos/participants.js'
import { addToxicityCounts } from '../../db/repos/summary.js'
import { sendWrite, sendWrites, type Write } from '../../db/repos/writes.js'
import type { Queryable } from '../../db/client.js'
import type { Pipeline } from './pipeline.js'
import type { OpenQuery } from '../domain/status.js'
import { classifyAe, type AeFacts, type DltClassification, type DltContext, type DltSummary, type DltVerdict } from '../domain/dlt.js'
import type { Attribution, DltDefinition, Protocol } from '../domain/protocol.js'
import { scheduleFor } from '../domain/schedule.js'
import { isSafetySignal } from '../domain/stopping-rules.js'
import { loadProtocol } from './protocols.js'

export const aeFacts = (row: AeRow): AeFacts => ({
  aeId: row.aeId,
  participantId: row.participantId,
  meddraCode: row.meddraCode,
  term: row.term,
  soc: row.soc,
  // The worst grade reached counts, not the latest (a correction resets it): an event that improves stays the DLT it was.
  grade: row.dltGrade,
  onsetDate: row.onsetDate,
  resolvedDate: row.resolvedDate,
  serious: row.serious,
  attribution: row.attribution as Attribution,
  clinicalSymptoms: row.clinicalSymptoms,
  requiredMedicalTreatment: row.requiredMedicalTreatment,
  // The facts it judged make a follow-up that changes one of them reopen it; one recorded without them applies as it always did.
  adjudication: row.dltAdjudicated === null
    ? null
    : { isDlt: row.dltAdjudicated, reason: row.dltAdjudicationReason ?? 'adjudicated', ...(row.dltAdjudicationFacts === null ? {} : { facts: row.dltAdjudicationFacts }) }
})

export const EMPTY_SUMMARY: DltSummary = {
  dltCount: 0, pendingDltCount: 0, pendingDltUntil: null, worstGrade: null, termWorst: {}, saeCount: 0, openQueries: []
}

/** The summary with one more live AE in it: folded over all of them, it is the summary of all. */
export function withVerdict (s: DltSummary, ae: Pick<AeRow, 'aeId' | 'grade' | 'meddraCode' | 'serious'>, verdict: DltClassification): DltSummary {
  const pending = verdict.pending && !verdict.adjudicated
  const until = pending ? verdict.pendingUntil : null
  return {
    dltCount: s.dltCount + (verdict.isDlt ? 1 : 0),
    pendingDltCount: s.pendingDltCount + (pending ? 1 : 0),
    // Stored instants come back in PostgreSQL's spelling: compare instants, not strings.
    pendingDltUntil: until !== null && (s.pendingDltUntil === null || Date.parse(until) < Date.parse(s.pendingDltUntil)) ? until : s.pendingDltUntil,
    worstGrade: Math.max(s.worstGrade ?? 0, ae.grade),
    termWorst: { ...s.termWorst, [ae.meddraCode]: Math.max(s.termWorst[ae.meddraCode] ?? 0, ae.grade) },
    saeCount: s.saeCount + (ae.serious ? 1 : 0),
    openQueries: pending && verdict.verdict === 'needs_information' ? [...s.openQueries, { aeId: ae.aeId, missing: verdict.missing }] : s.openQueries
  }
}

/** The classification columns of an AE row. */
const dltColumns = (verdict: DltClassification, protocolVersion: number) => ({
  isDlt: verdict.isDlt,
  dltComputed: verdict.computed.isDlt,
  dltPending: verdict.pending,
  dltPendingUntil: verdict.pendingUntil,
  dltReasons: verdict.reasons,
  dltProtocolVersion: protocolVersion,
  dltVerdict: verdict.verdict,
  dltMissing: verdict.missing,
  dltReadjudicate: verdict.readjudicate ?? null
})

/** Whether a stored AE's classification columns differ from these. */
const sameClassification = (row: AeRow, dlt: ReturnType<typeof dltColumns>) =>
  row.isDlt === dlt.isDlt && row.dltComputed === dlt.dltComputed && row.dltPending === dlt.dltPending &&
  row.dltProtocolVersion === dlt.dltProtocolVersion && row.dltVerdict === dlt.dltVerdict &&
  JSON.stringify(row.dltReasons) === JSON.stringify(dlt.dltReasons) && JSON.stringify(row.dltMissing) === JSON.stringify(dlt.dltMissing) &&
  JSON.stringify(row.dltReadjudicate) === JSON.stringify(dlt.dltReadjudicate)

/** Whether a verdict under this definition can depend on the participant's other AEs (a withConcurrent condition). */
export const dependsOnOtherAes = (definition: DltDefinition): boolean =>
  [...definition.exclusions ?? [], ...definition.inclusions ?? [], ...definition.alwaysDlt ?? []].some((c) => c.withConcurrent !== undefined)

/**
 * Whether some AE's verdict may depend on the participant's other AEs: under
 * any protocol version up to `protocolVersion`, since an AE keeps the version
 * it was classified under.
 */
export async function verdictsDependOnOtherAes (db: Queryable, trialId: string, protocolVersion: number): Promise<boolean> {
  for (let v = protocolVersion; v >= 1; v--) if (dependsOnOtherAes((await loadProtocol(db, trialId, v)).dltDefinition)) return true
  return false
}

export type { ParticipantState }

/** What an AE's verdict reads beside the AE: the participant's dosing, site calendar, group schedule and end of treatment. */
function contextOf (
  protocol: Protocol, person: ParticipantState, administrations: Array<{ administeredAt: string }>, otherAes: AeFacts[], asOf: string
): DltContext {
  const schedule = scheduleFor(protocol, person)
  return {
    administrations,
    otherAes,
    asOf,
    timeZone: person.timeZone,
    treatmentEndedAt: person.treatmentEndedAt,
    withdrawnAt: person.withdrawnAt,
    ...(schedule === undefined ? {} : { schedule })
  }
}

const sameSummary = (a: DltSummary, b: DltSummary) =>
  a.dltCount === b.dltCount && a.pendingDltCount === b.pendingDltCount && a.pendingDltUntil === b.pendingDltUntil &&
  a.worstGrade === b.worstGrade && a.saeCount === b.saeCount && sameQueries(a.openQueries, b.openQueries) &&
  sameGrades(a.termWorst, b.termWorst)

// The same open queries in any order: a participant's AEs are read back in no fixed order.
const sameQueries = (a: OpenQuery[], b: OpenQuery[]) =>
  a.length === b.length && a.every((q) => b.some((o) => o.aeId === q.aeId && o.missing.join() === q.missing.join()))

const sameGrades = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([code, grade]) => b[code] === grade)

/** What one participant's summary change writes: its row (null when unchanged) and its moves between toxicity-table cells. */
export interface SummaryChange { update: Write | null, delta: ToxicityDelta[] }

type ToxicityDelta = typeof toxicityCounts.$inferInsert

/** A participant's new summary, and the cells it moves between where a term's worst grade changed. */
function summaryChange (trialId: string, participantId: string, person: ParticipantState, summary: DltSummary, aes: AeRow[]): SummaryChange {
  if (sameSummary(person, summary)) return { update: null, delta: [] }
  const delta = toxicityDelta(trialId, { doseLevel: person.doseLevel, armKey: person.armId ?? '' }, person.termWorst, summary.termWorst, aes)
  return { update: updateParticipantSummary(trialId, participantId, summary), delta }
}

const cellKey = (d: ToxicityDelta) => `${d.doseLevel}\u0000${d.armKey}\u0000${d.meddraCode}\u0000${d.grade}`

/**
 * The statements of participants' summary changes, which touch distinct rows
 * and so may be sent together: an update per participant, and one statement
 * for all the cell moves, merged per cell (a statement may change a row once).
 */
export function summaryWrites (changes: SummaryChange[]): Write[] {
  const cells = new Map<string, ToxicityDelta>()
  for (const d of changes.flatMap((c) => c.delta)) {
    const cell = cells.get(cellKey(d))
    cells.set(cellKey(d), cell === undefined ? { ...d } : { ...cell, participants: cell.participants + d.participants })
  }
  const moves = [...cells.values()].filter((d) => d.participants !== 0)
  const updates = changes.flatMap((c) => c.update === null ? [] : [c.update])
  return moves.length === 0 ? updates : [...updates, addToxicityCounts(moves)]
}

/** A verdict an explicit re-classification changed (an amendment with reclassify). */
export interface VerdictChange { aeId: string, from: DltVerdict, to: DltVerdict }

export interface ReclassifyOptions {
  /**
   * The AEs classified afresh under `protocol` (a new AE, a follow-up), or
   * 'all' (an amendment that re-classifies explicitly). Every other AE keeps
   * the protocol version it was classified under: an amendment applies forward.
   */
  renew?: ReadonlySet<string> | 'all'
  /** collects the verdicts that changed */
  changes?: VerdictChange[]
}

/**
 * Re-classifies every live AE of one participant and refreshes what is kept
 * current from them: the participant's DLT summary (read by the status
 * engine) and the trial's toxicity counts (read by summaries), so that
 * neither read scans the trial's AEs. A participant's AEs are classified
 * together because a criterion may depend on another AE (withConcurrent) or
 * on the administrations (the window). Each AE is classified under the
 * protocol version it was classified under, unless `options.renew` names it
 * (then under `protocol`, version `protocolVersion`). Returns the live AEs as
 * now classified; the writes are deferred on the pipeline, seen by every
 * statement issued later.
 */
export async function reclassifyParticipant (
  pipeline: Pipeline, trialId: string, participantId: string, protocol: Protocol, protocolVersion: number, asOf: string,
  options: ReclassifyOptions = {}
): Promise<Map<string, AeRow>> {
  const { tx, defer } = pipeline
  const [admins, person, aes] = await Promise.all([
    readAdministrations(tx, trialId, participantId),
    readParticipantStateAnySite(tx, trialId, participantId),
    readLiveAes(tx, trialId, participantId)
  ])
  if (person === null) throw new Error(`participant ${participantId} of ${trialId} is missing`)
  const renewed = (row: AeRow) => options.renew === 'all' || (options.renew?.has(row.aeId) ?? false)
  const versionOf = (row: AeRow) => renewed(row) ? protocolVersion : row.dltProtocolVersion
  const protocols = new Map([[protocolVersion, protocol]])
  for (const v of new Set(aes.map(versionOf))) if (!protocols.has(v)) protocols.set(v, await loadProtocol(tx, trialId, v))
  // classifyAe skips the AE itself among otherAes.
  const facts = aes.map(aeFacts)
  const context = contextOf(protocol, person, admins, facts, asOf)
  let summary = EMPTY_SUMMARY
  const classified = new Map<string, AeRow>()
  for (const [i, row] of aes.entries()) {
    const version = versionOf(row)
    const versioned = protocols.get(version)!
    const verdict = classifyAe(versioned.dltDefinition, facts[i]!, version === protocolVersion ? context : contextOf(versioned, person, admins, facts, asOf))
    summary = withVerdict(summary, row, verdict)
    const dlt = dltColumns(verdict, version)
    if (!sameClassification(row, dlt)) defer(sendWrite(tx, updateAe(trialId, row.aeId, dlt)))
    if (row.dltVerdict !== dlt.dltVerdict) options.changes?.push({ aeId: row.aeId, from: row.dltVerdict as DltVerdict, to: dlt.dltVerdict })
    classified.set(row.aeId, { ...row, ...dlt })
  }
  const writes = summaryWrites([summaryChange(trialId, participantId, person, summary, aes)])
  if (writes.length > 0) defer(sendWrites(tx, writes))
  return classified
}

/**
 * Classifies new AEs of one participant, and adds them to the participant's
 * summary without reading the participant's other AEs. Valid only where the
 * definition does not depend on other AEs (dependsOnOtherAes): then no other
 * verdict changes with a new AE, so the stored summary plus these verdicts is
 * the summary of all. A stored summary that elapsed time has made stale (its
 * pendingDltUntil passed) is rebuilt in full by the status re-evaluation of
 * this write, which reads the new AEs too. `person` and `administrations` are
 * the participant's, read under the trial's lock.
 *
 * Returns the AEs classified (for the caller to insert); the participant's
 * summary change (see summaryWrites); and whether the write changed what the
 * status engine reads: the participant's DLT counts or earliest pending
 * instant, the trial's safety signals, a summary due for that rebuild, or the
 * AEs entered after a DLT assessment.
 * When it did not, the trial's stored status is the one a re-evaluation would
 * give.
 */
export function addClassified (
  aes: AeRow[], person: ParticipantState, administrations: Array<{ administeredAt: string }>,
  protocol: Protocol, protocolVersion: number, asOf: string
): { rows: AeRow[], summary: SummaryChange, statusInputsChanged: boolean } {
  const context = contextOf(protocol, person, administrations, [], asOf)
  let summary: DltSummary = person
  const rows = aes.map((ae) => {
    const verdict = classifyAe(protocol.dltDefinition, aeFacts(ae), context)
    summary = withVerdict(summary, ae, verdict)
    return { ...ae, ...dltColumns(verdict, protocolVersion) }
  })
  const due = person.pendingDltUntil !== null && Date.parse(person.pendingDltUntil) <= Date.parse(asOf)
  // What can change a decision (RULE_INPUTS): the AEs' own signal facts, and the DLT counts, which every design reads too.
  // An AE entered after a DLT assessment may undo it (requireAssessment).
  const assessed = protocol.dltDefinition.requireAssessment === true && person.dltAssessedAt !== null
  const statusInputsChanged = due || assessed || rows.some((row) => isSafetySignal(row)) || summary.dltCount !== person.dltCount ||
    summary.pendingDltCount !== person.pendingDltCount || summary.pendingDltUntil !== person.pendingDltUntil ||
    !sameQueries(summary.openQueries, person.openQueries)
  return { rows, summary: summaryChange(rows[0]!.trialId, rows[0]!.participantId, person, summary, rows), statusInputsChanged }
}

/** The cell moves of the toxicity table for every term whose worst grade for the participant changed. */
function toxicityDelta (
  trialId: string, group: { doseLevel: number, armKey: string },
  before: Record<string, number>, after: Record<string, number>, aes: AeRow[]
): ToxicityDelta[] {
  const names = new Map(aes.map((a) => [a.meddraCode, { soc: a.soc, term: a.term }]))
  const deltas: ToxicityDelta[] = []
  for (const code of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[code]
    const now = after[code]
    if (was === now) continue
    // A term that left the participant's live AEs keeps its name in the cell it leaves.
    const name = names.get(code) ?? { soc: '', term: '' }
    if (was !== undefined) deltas.push({ trialId, ...group, meddraCode: code, grade: was, ...name, participants: -1 })
    if (now !== undefined) deltas.push({ trialId, ...group, meddraCode: code, grade: now, ...name, participants: 1 })
  }
  return deltas
}
