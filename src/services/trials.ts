import { and, asc, eq, gt, inArray } from 'drizzle-orm'
import type { z } from 'zod'
import { participants, protocolVersions, trials, trialSites, type ProtocolVersionRow, type TrialRow } from '../../db/schema.js'
import type { Db, Queryable, Tx } from '../../db/client.js'
import { findTrial, setAmendmentLimit } from '../../db/repos/trials.js'
import type { Principal } from '../auth/roles.js'
import { amendmentLimit } from '../domain/amendment.js'
import { parseProtocol, type Protocol } from '../domain/protocol.js'
import { isTimeZone } from '../domain/site-calendar.js'
import { assertCurrentVersion, conflict, notFound, unprocessable, type FieldError } from '../lib/errors.js'
import { auditKeyOf, auditor, GENESIS } from './audit.js'
import { clinicalWrite } from './clinical-write.js'
import { once, type StoredResponse } from './idempotency.js'
import { reclassifyParticipant, type VerdictChange } from './classification.js'
import { reevaluateStatus, statusInTransaction, type Trigger } from './status.js'
import { loadProtocol } from './protocols.js'
import { pipelinedTransaction } from './pipeline.js'
import type { protocolVersionSchema, siteBody, siteSchema, trialCreateBody, trialSchema } from '../schemas/trials.js'

export type SiteInput = z.output<typeof siteBody>
export type SiteView = z.output<typeof siteSchema>
export type TrialInput = z.output<typeof trialCreateBody>
export type TrialView = z.output<typeof trialSchema>
export type ProtocolVersionView = z.output<typeof protocolVersionSchema>

/** PostgreSQL spells timestamps its own way; responses carry RFC 3339 instants. */
export const toInstant = (at: string): string => new Date(at).toISOString()

/** The protocol document, or 422 with one entry per problem at its path under /protocol. */
export function validateProtocol (document: unknown, extra: FieldError[] = []): Protocol {
  const parsed = parseProtocol(document)
  const errors = [...(parsed.ok ? [] : parsed.errors.map((e) => ({ path: '/protocol' + e.path, message: e.message }))), ...extra]
  if (errors.length > 0) throw unprocessable('The protocol is not valid', errors)
  return (parsed as { protocol: Protocol }).protocol
}

const zoneErrors = (timeZone: string | undefined, path: string): FieldError[] =>
  timeZone === undefined || isTimeZone(timeZone) ? [] : [{ path, message: `${timeZone} is not an IANA time zone this server knows` }]

function siteErrors (sites: SiteInput[]): FieldError[] {
  const seen = new Set<string>()
  return sites.flatMap((s, i) => {
    const dup = seen.has(s.siteId)
    seen.add(s.siteId)
    return [...(dup ? [{ path: `/sites/${i}/siteId`, message: `duplicate siteId ${s.siteId}` }] : []), ...zoneErrors(s.timeZone, `/sites/${i}/timeZone`)]
  })
}

const toSiteView = (r: { siteId: string, name: string, timeZone: string }): SiteView => ({ siteId: r.siteId, name: r.name, timeZone: r.timeZone })

async function sitesOf (db: Queryable, trialIds: string[]): Promise<Map<string, SiteView[]>> {
  const rows = trialIds.length === 0
    ? []
    : await db.select().from(trialSites).where(inArray(trialSites.trialId, trialIds)).orderBy(asc(trialSites.trialId), asc(trialSites.siteId))
  const byTrial = new Map<string, SiteView[]>()
  for (const r of rows) byTrial.set(r.trialId, [...(byTrial.get(r.trialId) ?? []), toSiteView(r)])
  return byTrial
}

const trialColumns = {
  trialId: trials.trialId,
  title: trials.title,
  phase: trials.phase,
  version: trials.version,
  protocolVersion: trials.protocolVersion,
  protocol: protocolVersions.document,
  createdAt: trials.createdAt,
  updatedAt: trials.updatedAt
}

interface TrialJoinRow {
  trialId: string
  title: string
  phase: string | null
  version: number
  protocolVersion: number
  protocol: unknown
  createdAt: string
  updatedAt: string
}

async function toViews (db: Queryable, rows: TrialJoinRow[]): Promise<TrialView[]> {
  const sites = await sitesOf(db, rows.map((r) => r.trialId))
  return rows.map((r) => ({
    trialId: r.trialId,
    title: r.title,
    phase: r.phase,
    version: r.version,
    protocolVersion: r.protocolVersion,
    protocol: r.protocol as Record<string, unknown>,
    sites: sites.get(r.trialId) ?? [],
    createdAt: toInstant(r.createdAt),
    updatedAt: toInstant(r.updatedAt)
  }))
}

const currentProtocolJoin = and(eq(protocolVersions.trialId, trials.trialId), eq(protocolVersions.version, trials.protocolVersion))

export async function getTrial (db: Queryable, trialId: string): Promise<TrialView | null> {
  const rows = await db.select(trialColumns).from(trials).innerJoin(protocolVersions, currentProtocolJoin).where(eq(trials.trialId, trialId))
  const [view] = await toViews(db, rows)
  return view ?? null
}

/** Trials in trialId order after `after`, limited to the token's trials when it names any. */
export async function listTrials (db: Queryable, scope: string[] | null, after: string | undefined, limit: number): Promise<TrialView[]> {
  const rows = await db.select(trialColumns).from(trials).innerJoin(protocolVersions, currentProtocolJoin)
    .where(and(scope === null ? undefined : inArray(trials.trialId, scope), after === undefined ? undefined : gt(trials.trialId, after)))
    .orderBy(asc(trials.trialId)).limit(limit)
  return await toViews(db, rows)
}

/**
 * Creates a trial with protocol version 1 and its initial status, in one
 * transaction with its audit row. Used by POST /v1/trials and by the seeds.
 */
export async function createTrial (db: Db, principal: Principal, input: TrialInput, idempotencyKey?: string): Promise<StoredResponse<TrialView>> {
  const sites = input.sites ?? []
  validateProtocol(input.protocol, siteErrors(sites))
  return await pipelinedTransaction(db, async (pipeline) => await once(pipeline, {
    trialId: input.trialId,
    scope: `${principal.sub} POST /v1/trials`,
    key: idempotencyKey
  }, input, async () => {
    const { tx } = pipeline
    const at = new Date().toISOString()
    const inserted = await tx.insert(trials).values({
      trialId: input.trialId,
      title: input.title,
      phase: input.phase ?? null,
      createdAt: at,
      updatedAt: at
    }).onConflictDoNothing().returning({ trialId: trials.trialId })
    if (inserted.length === 0) throw conflict('trial-exists', `Trial ${input.trialId} already exists`)
    await tx.insert(protocolVersions).values({
      trialId: input.trialId, version: 1, document: input.protocol, reason: null, createdBy: principal.sub, createdAt: at
    })
    if (sites.length > 0) await tx.insert(trialSites).values(sites.map((s) => ({ trialId: input.trialId, ...s, createdAt: at })))
    const view = (await getTrial(tx, input.trialId))!
    // A new trial's chain starts here, under the trial row this transaction inserted.
    const { audit } = auditor(pipeline, auditKeyOf(db), input.trialId, principal, at, GENESIS)
    audit({ action: 'create', entity: 'trial', entityId: input.trialId, after: view })
    await reevaluateStatus({ ...pipeline, audit }, input.trialId, { type: 'trial_created', entity: 'trial', entityId: input.trialId, actor: principal.sub }, at)
    return { statusCode: 201, body: view }
  }))
}

/** Dose levels and arms that participants are enrolled at must survive an amendment. */
async function removedAssignments (tx: Tx, trialId: string, protocol: Protocol): Promise<FieldError[]> {
  const used = await tx.selectDistinct({ doseLevel: participants.doseLevel, armId: participants.armId }).from(participants)
    .where(eq(participants.trialId, trialId))
  const levels = new Set(protocol.doseLevels.map((d) => d.level))
  const arms = new Map((protocol.arms ?? []).map((a) => [a.armId, a.doseLevel]))
  return used.flatMap((u): FieldError[] => {
    if (u.armId !== null && arms.get(u.armId) !== u.doseLevel) {
      return [{ path: '/protocol/arms', message: `arm ${u.armId} at dose level ${u.doseLevel} has enrolled participants and must be kept` }]
    }
    return levels.has(u.doseLevel) ? [] : [{ path: '/protocol/doseLevels', message: `dose level ${u.doseLevel} has enrolled participants and must be kept` }]
  })
}

/**
 * Protocol amendment: version N+1 with who and why, earlier versions kept.
 * It applies forward: new AEs and follow-ups are classified under it, while
 * every AE already classified keeps the verdict of the version it was
 * classified under (its dlt.protocolVersion). With `reclassify` every
 * participant's AEs are re-classified under it explicitly: the verdicts that
 * changed are returned, audited and carried by the decision's trigger. Then
 * the status is re-evaluated.
 */
export async function amendProtocol (
  db: Db, trialId: string, principal: Principal, change: { expectedVersion: number, protocol: unknown, reason: string, reclassify?: boolean | undefined }
): Promise<TrialView & { reclassified?: VerdictChange[] }> {
  const trigger: Omit<Trigger, 'actor'> = { type: 'protocol_amended', entity: 'protocol', entityId: trialId }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    assertCurrentVersion(change.expectedVersion, ctx.trial.version)
    const protocol = validateProtocol(change.protocol)
    const removed = await removedAssignments(ctx.tx, trialId, protocol)
    if (removed.length > 0) throw unprocessable('The amendment removes dose levels or arms in use', removed)
    const next = ctx.trial.protocolVersion + 1
    // Amendments apply forward: what the status in force closed stays closed until the DMC's next decision.
    const before = await statusInTransaction(ctx, trialId, ctx.at)
    await setAmendmentLimit(ctx.tx, trialId, amendmentLimit(before, ctx.trial.protocolVersion))
    await ctx.tx.insert(protocolVersions).values({
      trialId, version: next, document: change.protocol, reason: change.reason, createdBy: principal.sub, createdAt: ctx.at
    })
    await ctx.tx.update(trials).set({ version: ctx.trial.version + 1, protocolVersion: next, updatedAt: ctx.at }).where(eq(trials.trialId, trialId))
    const reclassified: VerdictChange[] = []
    if (change.reclassify === true) {
      const people = await ctx.tx.select({ participantId: participants.participantId }).from(participants).where(eq(participants.trialId, trialId))
      for (const p of people) await reclassifyParticipant(ctx, trialId, p.participantId, protocol, next, ctx.at, { renew: 'all', changes: reclassified })
      // The decision this amendment makes records which verdicts it changed.
      trigger.reclassified = reclassified
      trigger.change = `re-classified under version ${next}: ${reclassified.length} verdict(s) changed`
    }
    const explicit = change.reclassify === true ? { reclassify: true, reclassified } : {}
    ctx.audit({
      action: 'amend',
      entity: 'protocol',
      entityId: trialId,
      before: { protocolVersion: ctx.trial.protocolVersion },
      after: { protocolVersion: next, protocol: change.protocol, ...explicit },
      reason: change.reason
    })
    return { ...(await getTrial(ctx.tx, trialId))!, ...(change.reclassify === true ? { reclassified } : {}) }
  })
  return value
}

export async function addSite (db: Db, trialId: string, principal: Principal, site: SiteInput, idempotencyKey?: string): Promise<StoredResponse<SiteView>> {
  const errors = zoneErrors(site.timeZone, '/timeZone')
  if (errors.length > 0) throw unprocessable('The site is not valid', errors)
  const { value } = await clinicalWrite(db, trialId, principal, null, async (ctx) => await once(ctx, {
    trialId,
    scope: `${principal.sub} POST /v1/trials/:trialId/sites`,
    key: idempotencyKey
  }, site, async () => {
    const inserted = await ctx.tx.insert(trialSites).values({ trialId, ...site, createdAt: ctx.at }).onConflictDoNothing().returning()
    if (inserted.length === 0) throw conflict('site-exists', `Site ${site.siteId} already belongs to trial ${trialId}`)
    await ctx.tx.update(trials).set({ version: ctx.trial.version + 1, updatedAt: ctx.at }).where(eq(trials.trialId, trialId))
    const view = toSiteView(inserted[0]!)
    ctx.audit({ action: 'create', entity: 'site', entityId: site.siteId, after: view })
    return { statusCode: 201, body: view }
  }))
  return value
}

/**
 * Moves a site to another time zone (a correction of its calendar). Its
 * participants' DLT windows, study days and "today" move with it, so their
 * AEs are re-classified and the status is re-evaluated. Needs the trial's
 * version (its ETag) and a reason; returns the site and the trial's new version.
 */
export async function changeSiteTimeZone (
  db: Db, trialId: string, siteId: string, principal: Principal, change: { expectedVersion: number, timeZone: string, reason: string }
): Promise<{ site: SiteView, version: number }> {
  const errors = zoneErrors(change.timeZone, '/timeZone')
  if (errors.length > 0) throw unprocessable('The time zone is not valid', errors)
  const trigger = { type: 'site_time_zone_changed', entity: 'site', entityId: siteId, change: `time zone ${change.timeZone}` }
  const { value } = await clinicalWrite(db, trialId, principal, trigger, async (ctx) => {
    assertCurrentVersion(change.expectedVersion, ctx.trial.version)
    const [before] = await ctx.tx.select().from(trialSites).where(and(eq(trialSites.trialId, trialId), eq(trialSites.siteId, siteId)))
    if (before === undefined) throw notFound('Site')
    if (before.timeZone === change.timeZone) {
      ctx.keepStatus()
      return { site: toSiteView(before), version: ctx.trial.version }
    }
    const [row] = await ctx.tx.update(trialSites).set({ timeZone: change.timeZone })
      .where(and(eq(trialSites.trialId, trialId), eq(trialSites.siteId, siteId))).returning()
    await ctx.tx.update(trials).set({ version: ctx.trial.version + 1, updatedAt: ctx.at }).where(eq(trials.trialId, trialId))
    const protocol = await loadProtocol(ctx.tx, trialId, ctx.trial.protocolVersion)
    const people = await ctx.tx.select({ participantId: participants.participantId }).from(participants)
      .where(and(eq(participants.trialId, trialId), eq(participants.siteId, siteId)))
    for (const p of people) await reclassifyParticipant(ctx, trialId, p.participantId, protocol, ctx.trial.protocolVersion, ctx.at)
    const site = toSiteView(row!)
    ctx.audit({ action: 'update', entity: 'site', entityId: siteId, before: toSiteView(before), after: site, reason: change.reason })
    return { site, version: ctx.trial.version + 1 }
  })
  return value
}

const toVersionView = (r: ProtocolVersionRow): ProtocolVersionView => ({
  trialId: r.trialId,
  version: r.version,
  protocol: r.document as Record<string, unknown>,
  reason: r.reason,
  createdBy: r.createdBy,
  createdAt: toInstant(r.createdAt)
})

export async function getProtocolVersion (db: Queryable, trialId: string, version: number): Promise<ProtocolVersionView | null> {
  const [row] = await db.select().from(protocolVersions).where(and(eq(protocolVersions.trialId, trialId), eq(protocolVersions.version, version)))
  return row === undefined ? null : toVersionView(row)
}

export async function listProtocolVersions (db: Queryable, trialId: string, after: number | undefined, limit: number): Promise<ProtocolVersionView[]> {
  const rows = await db.select().from(protocolVersions)
    .where(and(eq(protocolVersions.trialId, trialId), after === undefined ? undefined : gt(protocolVersions.version, after)))
    .orderBy(asc(protocolVersions.version)).limit(limit)
  return rows.map(toVersionView)
}

/**
 * The trial (404 when absent): the one check that a trial exists. Who may
 * read its participant-level records (the DMC only where the protocol
 * unblinds it) is the route's declared access, enforced by the auth plugin
 * before the handler runs.
 */
export async function requireTrial (db: Queryable, trialId: string): Promise<TrialRow> {
  const row = await findTrial(db, trialId)
  if (row === undefined) throw notFound('Trial')
  return row
}
