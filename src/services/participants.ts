import { and, asc, eq, getTableColumns, gt, inArray, max, type SQL } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import type { z } from 'zod'
import { administrations, dltAssessments, participants, trialSites, type AdministrationRow, type ParticipantRow } from '../../db/schema.js'
import type { Db, Queryable } from '../../db/client.js'
import { readEngineParticipant, readFirstAdministrations, type EngineParticipant } from '../../db/repos/participants.js'
import type { Principal } from '../auth/roles.js'
import type { DmcInForce } from '../domain/dmc.js'
import { gateAdministration, gateEnrolment, sentinelCheck, type GateContext, type GateResult } from '../domain/dose-gate.js'
import { dltAssessmentRefusal } from '../domain/evaluability.js'
import type { Protocol } from '../domain/protocol.js'
import { participantSchedule, scheduleFor, type ParticipantSchedule } from '../domain/schedule.js'
import { localDate } from '../domain/site-calendar.js'
import { rowsAfter } from '../../db/keyset.js'
import { AppError, assertCurrentVersion, conflict, notFound, unprocessable, type FieldError } from '../lib/errors.js'
import { clinicalWrite, type WriteContext } from './clinical-write.js'
import { keyScope, once, type StoredResponse } from './idempotency.js'
import { loadProtocol } from './protocols.js'
import { reclassifyParticipant } from './classification.js'
import { statusInTransaction, type StatusDocument, type Trigger } from './status.js'
import { requireTrial, toInstant } from './trials.js'
import type {
  administrationBody, administrationSchema, dltAssessmentBody, dltAssessmentSchema, enrolBody, override, participantDetailSchema, participantSchema
} from '../schemas/participants.js'

export type ParticipantView = z.output<typeof participantSchema>
export type ParticipantDetail = z.output<typeof participantDetailSchema>
export type DltAssessmentInput = z.output<typeof dltAssessmentBody>
export type DltAssessmentView = z.output<typeof dltAssessmentSchema>
export type ParticipantStatus = ParticipantView['status']
export type AdministrationView = z.output<typeof administrationSchema>
export type Override = z.output<typeof override>
export type EnrolmentInput = z.output<typeof enrolBody>
export type AdministrationInput = z.output<typeof administrationBody>

const orNull = (at: string | null) => at === null ? null : toInstant(at)

export const toParticipantView = (r: ParticipantRow): ParticipantView => ({
  participantId: r.participantId,
  siteId: r.siteId,
  doseLevel: r.doseLevel,
  armId: r.armId,
  enrolledOn: r.enrolledOn,
  status: r.status as ParticipantStatus,
  withdrawnAt: orNull(r.withdrawnAt),
  withdrawalReason: r.withdrawalReason,
  overrideReason: r.overrideReason,
  version: r.version,
  dltCount: r.dltCount,
  firstAdministrationAt: orNull(r.firstAdministrationAt),
  lastAdministrationAt: orNull(r.lastAdministrationAt),
  treatmentEndedAt: orNull(r.treatmentEndedAt),
  treatmentEndReason: r.treatmentEndReason,
  // Withdrawal (or completion) ends the study for the participant; ending treatment does not.
  phase: r.status !== 'enrolled' ? 'off_study' : r.treatmentEndedAt !== null ? 'follow_up' : 'on_treatment'
})

const toAdministrationView = (r: AdministrationRow): AdministrationView => ({
  administrationId: r.administrationId,
  participantId: r.participantId,
  administeredAt: toInstant(r.administeredAt),
  doseLevel: r.doseLevel,
  dose: r.doseValue === null || r.doseUnit === null ? null : { value: Number(r.doseValue), unit: r.doseUnit },
  doseModification: r.modificationReason !== null,
  modificationReason: r.modificationReason,
  createdBy: r.createdBy,
  createdAt: toInstant(r.createdAt)
})

// Clocks of sites and server disagree a little; an instant further ahead than this is a data-entry error.
const CLOCK_SKEW_MS = 5 * 60_000

const inFuture = (instant: string, now: string) => Date.parse(instant) > Date.parse(now) + CLOCK_SKEW_MS

/** Site scope: edc and investigator see their own sites' participants only. */
const siteScope = (principal: Principal): SQL | undefined =>
  principal.sites === null ? undefined : inArray(participants.siteId, principal.sites)

/**
 * The participant, with their site's time zone (dates are compared in the
 * site's calendar, as enrolledOn is), if the principal's sites include its
 * site; 404 otherwise (or when absent).
 */
async function participantInScope (
  db: Queryable, trialId: string, participantId: string, principal: Principal
): Promise<ParticipantRow & { timeZone: string }> {
  const [row] = await db.select({ ...getTableColumns(participants), timeZone: trialSites.timeZone }).from(participants)
    .innerJoin(trialSites, and(eq(trialSites.trialId, participants.trialId), eq(trialSites.siteId, participants.siteId)))
    .where(and(eq(participants.trialId, trialId), eq(participants.participantId, participantId), siteScope(principal)))
  // Another site's participant is answered as absent: its existence is not this token's business.
  if (row === undefined) throw notFound('Participant')
  return row
}

/** The status document as the contract shows it, without participant-level rows. */
const publicStatus = (s: StatusDocument) => ({
  trialId: s.trialId,
  asOf: s.asOf,
  protocolVersion: s.protocolVersion,
  decisionId: s.decisionId,
  state: s.state,
  decision: s.decision,
  doseLevels: s.doseLevels,
  nextChangeAt: s.nextChangeAt
})

/**
 * The one gate in front of putting drug into a participant (domain/dose-gate.ts
 * decides): read inside the write's transaction, under the trial lock, so the
 * status cannot change between the check and the write. A refusal is 409 with
 * its code and the status; what it lets through says whether an admin's
 * override did, for the caller to audit and carry in the decision's trigger.
 */
async function gateDosing (
  ctx: WriteContext, override: Override | undefined, gate: (context: GateContext) => GateResult
): Promise<Extract<GateResult, { allowed: true }> & { status: StatusDocument }> {
  const status = await statusInTransaction(ctx, ctx.trial.trialId, ctx.at)
  const result = gate({ status, dmc: ctx.trial.dmcHold as DmcInForce, role: ctx.principal.role, override })
  if (result.allowed) return { ...result, status }
  // The problem's own `status` member is the HTTP status code (RFC 9457), so the document travels as trialStatus.
  throw conflict(result.code, result.reason, { code: result.code, decision: status.decision, trialStatus: publicStatus(status) })
}

/** An override is part of the decision history: it travels in the trigger of the decision it causes. */
function recordOverride (trigger: Trigger, override: Override | undefined, allowed: { overridden: boolean }): string | null {
  if (!allowed.overridden || override === undefined) return null
  trigger.override = override.reason
  return override.reason
}

/** An enrolment through the gate below the level the design names is a backfill (design.backfill): it does not move the design's current level. */
const isBackfill = (protocol: Protocol, doseLevel: number, named: number | null) =>
  protocol.design.type !== 'none' && protocol.design.backfill !== undefined && named !== null && doseLevel < named

/** The dose level and arm an enrolment asks for, checked against the protocol in force. */
function assignment (protocol: Protocol, version: number, input: EnrolmentInput): { doseLevel: number, armId: string | null } | FieldError[] {
  const arms = protocol.arms ?? []
  if (input.armId !== undefined) {
    const arm = arms.find((a) => a.armId === input.armId)
    if (arm === undefined) return [{ path: '/armId', message: `arm ${input.armId} is not in protocol version ${version}` }]
    if (input.doseLevel !== undefined && input.doseLevel !== arm.doseLevel) {
      return [{ path: '/doseLevel', message: `arm ${arm.armId} is dose level ${arm.doseLevel}` }]
    }
    return { doseLevel: arm.doseLevel, armId: arm.armId }
  }
  if (input.doseLevel === undefined) return [{ path: '', message: 'give doseLevel or armId' }]
  if (!protocol.doseLevels.some((d) => d.level === input.doseLevel)) {
    return [{ path: '/doseLevel', message: `dose level ${input.doseLevel} is not in protocol version ${version}` }]
  }
  const atLevel = arms.filter((a) => a.doseLevel === input.doseLevel)
  if (atLevel.length === 1) return { doseLevel: input.doseLevel, armId: atLevel[0]!.armId }
  // Parallel groups are counted per arm: an enrolment that names no arm would count nowhere.
  if (protocol.design.type === 'none' && arms.length > 0) return [{ path: '/armId', message: 'this trial enrols by arm: give armId' }]
  return { doseLevel: input.doseLevel, armId: null }
}

export async function enrolParticipant (
  db: Db, trialId: string, principal: Principal, input: EnrolmentInput, idempotencyKey?: string
): Promise<StoredResponse<ParticipantView>> {
  const trigger: Trigger = { type: 'participant_enrolled', entity: 'participant', entityId: input.participantId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => await once(ctx, {
    trialId,
    scope: keyScope(principal, 'POST /v1/trials/:trialId/participants'),
    key: idempotencyKey
  }, input, async () => {
    const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
    const [site] = await ctx.tx.select({ siteId: trialSites.siteId }).from(trialSites)
      .where(and(eq(trialSites.trialId, trialId), eq(trialSites.siteId, input.siteId)))
    const errors: FieldError[] = []
    if (site === undefined) errors.push({ path: '/siteId', message: `trial ${trialId} has no site ${input.siteId}` })
    const assigned = assignment(protocol, ctx.trial.protocolVersion, input)
    if (Array.isArray(assigned)) errors.push(...assigned)
    if (errors.length > 0 || Array.isArray(assigned)) throw unprocessable('The enrolment is not valid', errors)
    const [existing] = await ctx.tx.select({ participantId: participants.participantId }).from(participants)
      .where(and(eq(participants.trialId, trialId), eq(participants.participantId, input.participantId)))
    // Participant ids are unique in the trial across its sites, so a site-scoped caller learns that the id is taken
    // (an enrolment cannot be silently dropped); the answer is the same whichever site holds it, and names nothing else.
    if (existing !== undefined) {
      throw conflict('participant-exists', `Participant id ${input.participantId} is already in use in this trial; nothing was enrolled`)
    }
    const allowed = await gateDosing(ctx, input.override, (gate) => gateEnrolment(gate, assigned))
    const overrideReason = recordOverride(trigger, input.override, allowed)
    const backfill = overrideReason === null && isBackfill(protocol, assigned.doseLevel, allowed.status.decision.nextDoseLevel)
    const [last] = await ctx.tx.select({ seq: max(participants.seq) }).from(participants).where(eq(participants.trialId, trialId))
    const [row] = await ctx.tx.insert(participants).values({
      trialId,
      participantId: input.participantId,
      siteId: input.siteId,
      doseLevel: assigned.doseLevel,
      armId: assigned.armId,
      enrolledOn: input.enrolledOn,
      seq: (last?.seq ?? 0) + 1,
      overrideReason,
      backfill,
      createdAt: ctx.at,
      updatedAt: ctx.at
    }).returning()
    const view = toParticipantView(row!)
    ctx.audit({ action: 'enrol', entity: 'participant', entityId: input.participantId, after: view, reason: overrideReason })
    return { statusCode: 201, body: view }
  }))
  return value
}

/**
 * Records one administration. A dose level other than the participant's
 * assigned one is a dose modification and needs its reason. The DLT window
 * moves with the administrations, so the participant's AEs are re-classified.
 */
export async function recordAdministration (
  db: Db, trialId: string, participantId: string, principal: Principal, input: AdministrationInput, idempotencyKey?: string
): Promise<StoredResponse<AdministrationView>> {
  const administrationId = uuidv7()
  const trigger: Trigger = { type: 'administration_recorded', entity: 'administration', entityId: administrationId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => await once(ctx, {
    trialId,
    scope: keyScope(principal, `POST /v1/trials/:trialId/participants/${participantId}/administrations`),
    key: idempotencyKey
  }, input, async () => {
    const p = await participantInScope(ctx.tx, trialId, participantId, principal)
    if (p.status !== 'enrolled') {
      throw new AppError(422, 'participant-not-on-study', `Participant ${participantId} is ${p.status}: no administration can be recorded`, {
        errors: [{ path: '', message: `participant is ${p.status}` }]
      })
    }
    const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
    const errors: FieldError[] = []
    if (localDate(input.administeredAt, p.timeZone) < p.enrolledOn) {
      errors.push({ path: '/administeredAt', message: `before the participant's enrolment on ${p.enrolledOn}` })
    }
    if (p.treatmentEndedAt !== null && Date.parse(input.administeredAt) > Date.parse(p.treatmentEndedAt)) {
      errors.push({ path: '/administeredAt', message: `after the participant's end of treatment at ${toInstant(p.treatmentEndedAt)}` })
    }
    if (inFuture(input.administeredAt, ctx.at)) errors.push({ path: '/administeredAt', message: 'in the future' })
    if (!protocol.doseLevels.some((d) => d.level === input.doseLevel)) {
      errors.push({ path: '/doseLevel', message: `dose level ${input.doseLevel} is not in protocol version ${ctx.trial.protocolVersion}` })
    }
    const modified = input.doseLevel !== p.doseLevel
    if (modified && input.reason === undefined) {
      errors.push({ path: '/reason', message: `a dose level other than the participant's (${p.doseLevel}) is a dose modification and needs a reason` })
    }
    if (errors.length > 0) throw unprocessable('The administration is not valid', errors)
    // The sentinel interval is judged on administeredAt instants, so a back-dated dose cannot break it.
    const others = protocol.design.sentinel === undefined ? [] : await readFirstAdministrations(ctx.tx, trialId, input.doseLevel, participantId)
    const sentinel = sentinelCheck(protocol.design.sentinel, others, p, input.administeredAt)
    const allowed = await gateDosing(ctx, input.override, (gate) => gateAdministration(gate, { participantLevel: p.doseLevel, doseLevel: input.doseLevel, sentinel }))
    const overrideReason = recordOverride(trigger, input.override, allowed)
    const [row] = await ctx.tx.insert(administrations).values({
      trialId,
      administrationId,
      participantId,
      administeredAt: input.administeredAt,
      doseLevel: input.doseLevel,
      doseValue: input.dose === undefined ? null : String(input.dose.value),
      doseUnit: input.dose?.unit ?? null,
      modificationReason: modified ? input.reason! : null,
      createdBy: principal.sub,
      createdAt: ctx.at
    }).returning()
    const at = Date.parse(input.administeredAt)
    const first = p.firstAdministrationAt === null || at < Date.parse(p.firstAdministrationAt) ? input.administeredAt : p.firstAdministrationAt
    const last = p.lastAdministrationAt === null || at > Date.parse(p.lastAdministrationAt) ? input.administeredAt : p.lastAdministrationAt
    await ctx.tx.update(participants).set({ firstAdministrationAt: first, lastAdministrationAt: last, updatedAt: ctx.at })
      .where(and(eq(participants.trialId, trialId), eq(participants.participantId, participantId)))
    await reclassifyParticipant(ctx, trialId, participantId, protocol, ctx.trial.protocolVersion, ctx.at)
    const view = toAdministrationView(row!)
    const reasons = [modified ? `${allowed.reduction ? 'dose reduction' : 'dose modification'}: ${input.reason!}` : null, overrideReason === null ? null : `override: ${overrideReason}`]
    ctx.audit({
      action: 'administer',
      entity: 'administration',
      entityId: administrationId,
      after: view,
      reason: reasons.filter((r) => r !== null).join('; ') || null
    })
    return { statusCode: 201, body: view }
  }))
  return value
}

/**
 * A course window stops waiting for the planned administrations a participant
 * will no longer receive (treatment ended, withdrawn): their AEs' verdicts may
 * change. Other windows do not depend on it.
 */
async function reclassifyCourse (ctx: WriteContext, participantId: string): Promise<void> {
  const protocol = await loadProtocol(ctx.tx, ctx.trial.trialId, ctx.trial.protocolVersion)
  if (protocol.dltDefinition.windowStart !== 'course') return
  await reclassifyParticipant(ctx, ctx.trial.trialId, participantId, protocol, ctx.trial.protocolVersion, ctx.at)
}

export async function withdrawParticipant (
  db: Db, trialId: string, participantId: string, principal: Principal, change: { expectedVersion: number, withdrawnAt: string, reason: string }
): Promise<ParticipantView> {
  const trigger = { type: 'participant_withdrawn', entity: 'participant', entityId: participantId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const p = await participantInScope(ctx.tx, trialId, participantId, principal)
    assertCurrentVersion(change.expectedVersion, p.version)
    if (p.status !== 'enrolled') throw conflict('participant-not-enrolled', `Participant ${participantId} is already ${p.status}`)
    const errors = afterDosingErrors('/withdrawnAt', change.withdrawnAt, p, ctx.at)
    if (errors.length > 0) throw unprocessable('The withdrawal is not valid', errors)
    const [row] = await ctx.tx.update(participants).set({
      status: 'withdrawn',
      withdrawnAt: change.withdrawnAt,
      withdrawalReason: change.reason,
      version: p.version + 1,
      updatedAt: ctx.at
    }).where(and(eq(participants.trialId, trialId), eq(participants.participantId, participantId))).returning()
    await reclassifyCourse(ctx, participantId)
    const view = toParticipantView(row!)
    ctx.audit({ action: 'withdraw', entity: 'participant', entityId: participantId, before: toParticipantView(p), after: view, reason: change.reason })
    return view
  })
  return value
}

/** What makes an instant that ends dosing (a withdrawal, the end of treatment) impossible for this participant. */
function afterDosingErrors (
  path: string, at: string, p: { enrolledOn: string, timeZone: string, lastAdministrationAt: string | null }, now: string
): FieldError[] {
  const errors: FieldError[] = []
  if (localDate(at, p.timeZone) < p.enrolledOn) errors.push({ path, message: `before the participant's enrolment on ${p.enrolledOn}` })
  if (p.lastAdministrationAt !== null && Date.parse(at) < Date.parse(p.lastAdministrationAt)) {
    errors.push({ path, message: `before the participant's last administration at ${toInstant(p.lastAdministrationAt)}` })
  }
  if (inFuture(at, now)) errors.push({ path, message: 'in the future' })
  return errors
}

/**
 * Ends the participant's treatment: no administration after it, and the
 * participant stays on study in follow-up (their DLT window runs on; only the
 * planned administrations still to come are not given). Needs the
 * participant's version and a reason.
 */
export async function endTreatment (
  db: Db, trialId: string, participantId: string, principal: Principal, change: { expectedVersion: number, treatmentEndedAt: string, reason: string }
): Promise<ParticipantView> {
  const trigger = { type: 'treatment_ended', entity: 'participant', entityId: participantId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    const p = await participantInScope(ctx.tx, trialId, participantId, principal)
    assertCurrentVersion(change.expectedVersion, p.version)
    if (p.status !== 'enrolled') throw conflict('participant-not-enrolled', `Participant ${participantId} is ${p.status}`)
    if (p.treatmentEndedAt !== null) {
      throw conflict('treatment-ended', `Participant ${participantId}'s treatment ended at ${toInstant(p.treatmentEndedAt)}`)
    }
    const errors = afterDosingErrors('/treatmentEndedAt', change.treatmentEndedAt, p, ctx.at)
    if (errors.length > 0) throw unprocessable('The end of treatment is not valid', errors)
    const [row] = await ctx.tx.update(participants).set({
      treatmentEndedAt: change.treatmentEndedAt,
      treatmentEndReason: change.reason,
      version: p.version + 1,
      updatedAt: ctx.at
    }).where(and(eq(participants.trialId, trialId), eq(participants.participantId, participantId))).returning()
    await reclassifyCourse(ctx, participantId)
    const view = toParticipantView(row!)
    ctx.audit({ action: 'end_treatment', entity: 'participant', entityId: participantId, before: toParticipantView(p), after: view, reason: change.reason })
    return view
  })
  return value
}

/** The participant's schedule as the status engine sees it; null when their group has none. */
export function scheduleOf (protocol: Protocol, p: EngineParticipant, asOf: string): ParticipantSchedule | null {
  const schedule = scheduleFor(protocol, p)
  if (schedule === undefined) return null
  return participantSchedule(schedule, {
    administrations: p.administrations.map((a) => a.administeredAt),
    treatmentEndedAt: p.treatmentEndedAt,
    withdrawnAt: p.withdrawnAt,
    timeZone: p.timeZone,
    asOf
  })
}

const scheduleView = (ps: ParticipantSchedule): ParticipantDetail['schedule'] => ({
  ...ps,
  administrations: ps.administrations.map((a) => ({ ...a, administeredAt: a.administeredAt === null ? null : toInstant(a.administeredAt) })),
  unplanned: ps.unplanned.map(toInstant)
})

export async function getParticipant (db: Queryable, trialId: string, participantId: string, principal: Principal): Promise<ParticipantDetail> {
  const trial = await requireTrial(db, trialId)
  const [row, protocol] = await Promise.all([
    participantInScope(db, trialId, participantId, principal),
    loadProtocol(db, trialId, trial.protocolVersion)
  ])
  // Without a planned schedule the administrations are not read.
  const schedule = scheduleFor(protocol, row) === undefined
    ? null
    : scheduleOf(protocol, (await readEngineParticipant(db, trialId, participantId))!, new Date().toISOString())
  return { ...toParticipantView(row), schedule: schedule === null ? null : scheduleView(schedule) }
}

/**
 * The site's confirmation that every AE of the participant's DLT period is
 * entered (dltDefinition.requireAssessment): refused (409) before the DLT
 * window ended. The status is re-evaluated: the participant may become
 * evaluable. An AE with onset in the window entered later undoes it.
 */
export async function recordDltAssessment (
  db: Db, trialId: string, participantId: string, principal: Principal, input: DltAssessmentInput
): Promise<DltAssessmentView> {
  const assessmentId = uuidv7()
  const trigger = { type: 'dlt_assessment_recorded', entity: 'participant', entityId: participantId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    await participantInScope(ctx.tx, trialId, participantId, principal)
    const [protocol, engine] = await Promise.all([
      loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion),
      readEngineParticipant(ctx.tx, trialId, participantId)
    ])
    const schedule = scheduleFor(protocol, engine!)
    const refused = dltAssessmentRefusal({ ...engine!, ...(schedule === undefined ? {} : { schedule }) }, protocol.dltDefinition, ctx.at)
    if (refused !== null) throw conflict('dlt-window-open', `The DLT assessment cannot be recorded yet: ${refused}`)
    const [row] = await ctx.tx.insert(dltAssessments).values({
      trialId,
      participantId,
      assessmentId,
      allAdverseEventsEntered: input.allAdverseEventsEntered,
      comment: input.comment ?? null,
      recordedBy: principal.sub,
      role: principal.role,
      recordedAt: ctx.at
    }).returning()
    const view: DltAssessmentView = {
      assessmentId,
      participantId,
      allAdverseEventsEntered: row!.allAdverseEventsEntered,
      comment: row!.comment,
      recordedBy: row!.recordedBy,
      role: row!.role,
      recordedAt: toInstant(row!.recordedAt)
    }
    ctx.audit({ action: 'dlt_assessment', entity: 'participant', entityId: participantId, after: view, reason: input.comment ?? null })
    return view
  })
  return value
}

export interface ParticipantFilter { siteId?: string | undefined, doseLevel?: number | undefined, status?: ParticipantStatus | undefined }

/** Participants in participantId order after `after`. */
export async function listParticipants (
  db: Queryable, trialId: string, principal: Principal, filter: ParticipantFilter, after: string | undefined, limit: number
): Promise<ParticipantView[]> {
  await requireTrial(db, trialId)
  const rows = await db.select().from(participants).where(and(
    eq(participants.trialId, trialId),
    siteScope(principal),
    filter.siteId === undefined ? undefined : eq(participants.siteId, filter.siteId),
    filter.doseLevel === undefined ? undefined : eq(participants.doseLevel, filter.doseLevel),
    filter.status === undefined ? undefined : eq(participants.status, filter.status),
    after === undefined ? undefined : gt(participants.participantId, after)
  )).orderBy(asc(participants.participantId)).limit(limit)
  return rows.map(toParticipantView)
}

/** A participant's administrations in time order, after the (administeredAt, administrationId) key `after`. */
export async function listAdministrations (
  db: Queryable, trialId: string, participantId: string, principal: Principal, after: [string, string] | undefined, limit: number
): Promise<AdministrationView[]> {
  await requireTrial(db, trialId)
  await participantInScope(db, trialId, participantId, principal)
  const rows = await db.select().from(administrations).where(and(
    eq(administrations.trialId, trialId),
    eq(administrations.participantId, participantId),
    after === undefined
      ? undefined
      : rowsAfter([administrations.administeredAt, administrations.administrationId], after)
  )).orderBy(asc(administrations.administeredAt), asc(administrations.administrationId)).limit(limit)
  return rows.map(toAdministrationView)
}
