import { sql } from 'drizzle-orm'
import {
  bigint, boolean, date, index, integer, jsonb, numeric, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid
} from 'drizzle-orm/pg-core'
import type { AmendmentLimit } from '../src/domain/amendment.js'
import type { AdjudicatedFacts } from '../src/domain/dlt.js'
import type { OpenQuery } from '../src/domain/status.js'
import type { Principal } from '../src/auth/roles.js'

// Every table leads its primary key with trial_id so that the schema can be
// distributed by trial (Citus `create_distributed_table(..., 'trial_id')`):
// every query and every transaction of the service touches a single trial.

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' })
const createdAt = () => instant('created_at').notNull().defaultNow()

export const trials = pgTable('trials', {
  trialId: text('trial_id').primaryKey(),
  title: text('title').notNull(),
  phase: text('phase'),
  /** optimistic-concurrency version of the trial resource (bumped by amendments and site changes) */
  version: integer('version').notNull().default(1),
  protocolVersion: integer('protocol_version').notNull().default(1),
  /** DMC hold in force: null, 'pause' or 'terminate' */
  dmcHold: text('dmc_hold'),
  /** what the status in force before the last amendment allows (domain/amendment.ts), until the next DMC decision */
  amendmentLimit: jsonb('amendment_limit').$type<AmendmentLimit>(),
  // The anchor of the trial's audit chain, kept by a trigger on every audit_log insert (db/migrations,
  // audit anchor): rows deleted from the chain's end no longer reach it.
  auditCount: integer('audit_count').notNull().default(0),
  auditHead: text('audit_head').notNull().default('0'.repeat(64)),
  createdAt: createdAt(),
  updatedAt: instant('updated_at').notNull().defaultNow()
})

export const trialSites = pgTable('trial_sites', {
  trialId: text('trial_id').notNull().references(() => trials.trialId),
  siteId: text('site_id').notNull(),
  name: text('name').notNull(),
  /** IANA time zone of the site's calendar: DLT windows, study days and "today" are counted in it */
  timeZone: text('time_zone').notNull().default('UTC'),
  createdAt: createdAt()
}, (t) => [primaryKey({ columns: [t.trialId, t.siteId] })])

export const protocolVersions = pgTable('protocol_versions', {
  trialId: text('trial_id').notNull().references(() => trials.trialId),
  version: integer('version').notNull(),
  document: jsonb('document').notNull(),
  reason: text('reason'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt()
}, (t) => [primaryKey({ columns: [t.trialId, t.version] })])

export const participants = pgTable('participants', {
  trialId: text('trial_id').notNull().references(() => trials.trialId),
  participantId: text('participant_id').notNull(),
  siteId: text('site_id').notNull(),
  doseLevel: integer('dose_level').notNull(),
  armId: text('arm_id'),
  enrolledOn: date('enrolled_on', { mode: 'string' }).notNull(),
  /** enrolment order within the trial; the latest enrolment defines the current dose level */
  seq: integer('seq').notNull(),
  status: text('status').notNull().default('enrolled'),
  withdrawnAt: instant('withdrawn_at'),
  withdrawalReason: text('withdrawal_reason'),
  /** end of treatment: the participant stays on study in follow-up (not a withdrawal) */
  treatmentEndedAt: instant('treatment_ended_at'),
  treatmentEndReason: text('treatment_end_reason'),
  overrideReason: text('override_reason'),
  /** enrolled at a cleared level below the one the design named (design.backfill): not the design's current level */
  backfill: boolean('backfill').notNull().default(false),
  version: integer('version').notNull().default(1),
  // Facts the status engine needs, kept current by every write so that a
  // status read never scans adverse events.
  firstAdministrationAt: instant('first_administration_at'),
  lastAdministrationAt: instant('last_administration_at'),
  dltCount: integer('dlt_count').notNull().default(0),
  pendingDltCount: integer('pending_dlt_count').notNull().default(0),
  /** earliest instant at which elapsed time alone settles a pending DLT classification */
  pendingDltUntil: instant('pending_dlt_until'),
  worstGrade: smallint('worst_grade'),
  /** worst grade per MedDRA code among the participant's live AEs: the diff base for toxicity_counts */
  termWorst: jsonb('term_worst').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
  saeCount: integer('sae_count').notNull().default(0),
  /** the live AEs whose verdict is 'needs_information', with the fields each waits for: the open queries to the site */
  openQueries: jsonb('open_queries').$type<OpenQuery[]>().notNull().default(sql`'[]'::jsonb`),
  createdAt: createdAt(),
  updatedAt: instant('updated_at').notNull().defaultNow()
}, (t) => [
  primaryKey({ columns: [t.trialId, t.participantId] }),
  uniqueIndex('participants_trial_seq').on(t.trialId, t.seq),
  index('participants_trial_site').on(t.trialId, t.siteId, t.participantId)
])

export const administrations = pgTable('administrations', {
  trialId: text('trial_id').notNull(),
  administrationId: uuid('administration_id').notNull(),
  participantId: text('participant_id').notNull(),
  administeredAt: instant('administered_at').notNull(),
  doseLevel: integer('dose_level').notNull(),
  doseValue: numeric('dose_value'),
  doseUnit: text('dose_unit'),
  /** set when given at a level other than the participant's assigned one */
  modificationReason: text('modification_reason'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt()
}, (t) => [
  primaryKey({ columns: [t.trialId, t.administrationId] }),
  index('administrations_participant').on(t.trialId, t.participantId, t.administeredAt)
])

/** The site's confirmation that every AE of the DLT period is entered (dltDefinition.requireAssessment). */
export const dltAssessments = pgTable('dlt_assessments', {
  trialId: text('trial_id').notNull(),
  participantId: text('participant_id').notNull(),
  assessmentId: uuid('assessment_id').notNull(),
  allAdverseEventsEntered: boolean('all_adverse_events_entered').notNull(),
  comment: text('comment'),
  recordedBy: text('recorded_by').notNull(),
  role: text('role').notNull(),
  recordedAt: instant('recorded_at').notNull()
}, (t) => [primaryKey({ columns: [t.trialId, t.participantId, t.assessmentId] })])

export const adverseEvents = pgTable('adverse_events', {
  trialId: text('trial_id').notNull(),
  aeId: uuid('ae_id').notNull(),
  participantId: text('participant_id').notNull(),
  // Copied from the participant so that site-scoped lists and per-dose
  // summaries filter on one table.
  siteId: text('site_id').notNull(),
  doseLevel: integer('dose_level').notNull(),
  version: integer('version').notNull().default(1),
  ctcaeVersion: text('ctcae_version').notNull().default('5.0'),
  meddraCode: text('meddra_code').notNull(),
  term: text('term').notNull(),
  soc: text('soc').notNull(),
  otherSpecify: text('other_specify'),
  grade: smallint('grade').notNull(),
  onsetDate: date('onset_date', { mode: 'string' }).notNull(),
  resolvedDate: date('resolved_date', { mode: 'string' }),
  serious: boolean('serious').notNull(),
  seriousnessCriteria: jsonb('seriousness_criteria').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  attribution: text('attribution').notNull(),
  expected: boolean('expected'),
  clinicalSymptoms: boolean('clinical_symptoms'),
  requiredMedicalTreatment: boolean('required_medical_treatment'),
  outcome: text('outcome'),
  actionTaken: text('action_taken'),
  externalId: text('external_id'),
  awareAt: instant('aware_at').notNull(),
  /** the participant's phase on the day of onset (phaseAtOnset): on_treatment, follow_up or off_study */
  phase: text('phase').notNull().default('on_treatment'),
  // DLT classification: computed by the protocol in force, optionally overridden by adjudication.
  dltComputed: boolean('dlt_computed').notNull().default(false),
  dltPending: boolean('dlt_pending').notNull().default(false),
  dltReasons: jsonb('dlt_reasons').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  dltPendingUntil: instant('dlt_pending_until'),
  dltProtocolVersion: integer('dlt_protocol_version').notNull(),
  /** dlt | not_dlt | pending | needs_information (dlt.ts DltVerdict) */
  dltVerdict: text('dlt_verdict').notNull().default('not_dlt'),
  /** while needs_information: the AE fields the site must state */
  dltMissing: jsonb('dlt_missing').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  /** the grade the verdict uses: the worst the AE reached over its versions, reset by a correction (dlt.ts worstGrade) */
  dltGrade: smallint('dlt_grade').notNull(),
  dltAdjudicated: boolean('dlt_adjudicated'),
  /** the latest adjudication's reason and the facts it judged (dlt.ts adjudicatedFacts) */
  dltAdjudicationReason: text('dlt_adjudication_reason'),
  dltAdjudicationFacts: jsonb('dlt_adjudication_facts').$type<AdjudicatedFacts>(),
  /** set while a follow-up changed a fact the adjudication judged: the AE awaits a new adjudication */
  dltReadjudicate: jsonb('dlt_readjudicate').$type<{ changed: string[] }>(),
  isDlt: boolean('is_dlt').notNull().default(false),
  nullifiedAt: instant('nullified_at'),
  nullifyReason: text('nullify_reason'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  updatedAt: instant('updated_at').notNull().defaultNow()
}, (t) => [
  primaryKey({ columns: [t.trialId, t.aeId] }),
  // Per site: a sending system's ids say nothing across sites (site scope), and the same AE always comes from its participant's site.
  // externalId before siteId: AE creation looks the id up before it knows the participant's site.
  uniqueIndex('adverse_events_external_id').on(t.trialId, t.externalId, t.siteId),
  index('adverse_events_onset').on(t.trialId, t.onsetDate, t.aeId),
  index('adverse_events_participant').on(t.trialId, t.participantId, t.onsetDate),
  index('adverse_events_site').on(t.trialId, t.siteId, t.onsetDate, t.aeId),
  index('adverse_events_dlt_verdict').on(t.trialId, t.dltVerdict, t.onsetDate, t.aeId),
  index('adverse_events_readjudicate').on(t.trialId, t.onsetDate, t.aeId).where(sql`${t.dltReadjudicate} is not null`),
  index('adverse_events_signals').on(t.trialId).where(sql`${t.nullifiedAt} is null and (${t.serious} or ${t.grade} = 5)`)
])

export const adverseEventVersions = pgTable('adverse_event_versions', {
  trialId: text('trial_id').notNull(),
  aeId: uuid('ae_id').notNull(),
  version: integer('version').notNull(),
  /** the whole AE as it stood at this version */
  snapshot: jsonb('snapshot').notNull(),
  changedBy: text('changed_by').notNull(),
  role: text('role').notNull(),
  reason: text('reason'),
  /** the version corrects an entry error: its grade replaces the worst so far (dlt.ts worstGrade) */
  correction: boolean('correction').notNull().default(false),
  changedAt: createdAt(),
  /**
   * Commit order of the trial's versions: assigned at insert, under the trial
   * lock, so a version committed later always has a greater seq. SDTM numbers
   * a subject's AE records (AESEQ) by it: a new AE or grade never renumbers
   * the records already exported.
   */
  seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity()
}, (t) => [primaryKey({ columns: [t.trialId, t.aeId, t.version] })])

export const adjudications = pgTable('adjudications', {
  trialId: text('trial_id').notNull(),
  adjudicationId: uuid('adjudication_id').notNull(),
  aeId: uuid('ae_id').notNull(),
  isDlt: boolean('is_dlt').notNull(),
  computedIsDlt: boolean('computed_is_dlt').notNull(),
  reason: text('reason').notNull(),
  /** the AE's facts the adjudication judged (dlt.ts adjudicatedFacts): a follow-up changing one reopens it */
  facts: jsonb('facts').$type<AdjudicatedFacts>(),
  adjudicatedBy: text('adjudicated_by').notNull(),
  role: text('role').notNull(),
  createdAt: createdAt()
}, (t) => [
  primaryKey({ columns: [t.trialId, t.adjudicationId] }),
  index('adjudications_ae').on(t.trialId, t.aeId)
])

export const idempotencyKeys = pgTable('idempotency_keys', {
  trialId: text('trial_id').notNull(),
  /** the caller (token subject) and route the key belongs to */
  scope: text('scope').notNull(),
  key: text('key').notNull(),
  requestHash: text('request_hash').notNull(),
  statusCode: integer('status_code').notNull(),
  response: jsonb('response').notNull(),
  createdAt: createdAt()
}, (t) => [primaryKey({ columns: [t.trialId, t.scope, t.key] })])

export const auditLog = pgTable('audit_log', {
  trialId: text('trial_id').notNull(),
  /** position in the trial's hash chain, from 1 */
  seq: bigint('seq', { mode: 'number' }).notNull(),
  auditId: uuid('audit_id').notNull(),
  at: instant('at').notNull(),
  actor: text('actor').notNull(),
  role: text('role').notNull(),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id').notNull(),
  before: jsonb('before'),
  after: jsonb('after'),
  reason: text('reason'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  /** how `hash` is made: 1 SHA-256 (rows from before the chain was keyed), 2 HMAC-SHA256 with the server's audit key */
  chain: smallint('chain').notNull().default(1)
}, (t) => [
  primaryKey({ columns: [t.trialId, t.seq] }),
  index('audit_log_entity').on(t.trialId, t.entity, t.entityId)
])

/**
 * The standard toxicity table, kept current by every write: participants per
 * (dose level, arm, term, worst grade), each participant counted once per term
 * at their worst grade. Summaries read it instead of aggregating every AE.
 */
export const toxicityCounts = pgTable('toxicity_counts', {
  trialId: text('trial_id').notNull(),
  doseLevel: integer('dose_level').notNull(),
  /** the arm, or '' for trials without arms (a key column cannot be null) */
  armKey: text('arm_key').notNull(),
  meddraCode: text('meddra_code').notNull(),
  grade: smallint('grade').notNull(),
  soc: text('soc').notNull(),
  term: text('term').notNull(),
  participants: integer('participants').notNull()
}, (t) => [primaryKey({ columns: [t.trialId, t.doseLevel, t.armKey, t.meddraCode, t.grade] })])

export const trialStatus = pgTable('trial_status', {
  trialId: text('trial_id').primaryKey(),
  /** the status document as last evaluated by a write */
  status: jsonb('status').notNull(),
  decisionId: uuid('decision_id').notNull(),
  evaluatedAt: instant('evaluated_at').notNull(),
  /** when a DLT window closes next: until then the stored status holds without re-evaluation */
  nextChangeAt: instant('next_change_at')
}, (t) => [
  // The status scheduler's due scan, across trials (src/plugins/status-scheduler.ts).
  index('trial_status_next_change').on(t.nextChangeAt).where(sql`${t.nextChangeAt} is not null`)
])

export const decisions = pgTable('decisions', {
  trialId: text('trial_id').notNull(),
  decisionId: uuid('decision_id').notNull(),
  at: instant('at').notNull(),
  trigger: jsonb('trigger').notNull(),
  protocolVersion: integer('protocol_version').notNull(),
  state: text('state').notNull(),
  action: text('action').notNull(),
  nextDoseLevel: integer('next_dose_level'),
  snapshot: jsonb('snapshot').notNull(),
  serviceVersion: text('service_version').notNull()
}, (t) => [primaryKey({ columns: [t.trialId, t.decisionId] })])

export const dmcDecisions = pgTable('dmc_decisions', {
  trialId: text('trial_id').notNull(),
  dmcDecisionId: uuid('dmc_decision_id').notNull(),
  decision: text('decision').notNull(),
  rationale: text('rationale').notNull(),
  statusDecisionId: uuid('status_decision_id').notNull(),
  signer: text('signer').notNull(),
  meaning: text('meaning').notNull(),
  signedAt: instant('signed_at').notNull(),
  statusHash: text('status_hash').notNull()
}, (t) => [primaryKey({ columns: [t.trialId, t.dmcDecisionId] })])

export const webhooks = pgTable('webhooks', {
  trialId: text('trial_id').notNull(),
  webhookId: uuid('webhook_id').notNull(),
  url: text('url').notNull(),
  /** a Standard Webhooks `whsec_` secret: deliveries are signed with it */
  secret: text('secret').notNull(),
  /** the secret a rotation replaced: it signs too, beside the new one, until previous_secret_until */
  previousSecret: text('previous_secret'),
  previousSecretUntil: instant('previous_secret_until'),
  /** false: disabled, nothing is enqueued or sent (pending deliveries wait for it to be enabled) */
  active: boolean('active').notNull().default(true),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt()
}, (t) => [primaryKey({ columns: [t.trialId, t.webhookId] })])

export const outbox = pgTable('outbox', {
  trialId: text('trial_id').notNull(),
  outboxId: uuid('outbox_id').notNull(),
  webhookId: uuid('webhook_id').notNull(),
  /** the trial's event number (shared by the deliveries of one event); null for a ping, which is not ordered */
  sequence: bigint('sequence', { mode: 'number' }),
  /** the body sent, as the Standard Webhooks payload (schemas/webhooks.ts) */
  payload: jsonb('payload').notNull(),
  attempts: integer('attempts').notNull().default(0),
  /** the next attempt, or while an attempt is in flight the end of its lease (another instance retries after it) */
  nextAttemptAt: instant('next_attempt_at').notNull().defaultNow(),
  lastAttemptAt: instant('last_attempt_at'),
  deliveredAt: instant('delivered_at'),
  /** set when the last attempt failed: dead-lettered, until replayed */
  deadAt: instant('dead_at'),
  lastError: text('last_error'),
  createdAt: createdAt()
}, (t) => [
  primaryKey({ columns: [t.trialId, t.outboxId] }),
  index('outbox_due').on(t.nextAttemptAt).where(sql`${t.deliveredAt} is null and ${t.deadAt} is null`),
  index('outbox_by_webhook').on(t.trialId, t.webhookId, t.createdAt, t.outboxId),
  index('outbox_sequence').on(t.trialId, t.sequence)
])

/**
 * Stream tickets: a browser's EventSource cannot send a bearer token, so it
 * opens the trial's event stream with a ticket issued to that token. Only the
 * ticket's SHA-256 is kept; a ticket is redeemed (deleted) once.
 */
export const streamTickets = pgTable('stream_tickets', {
  trialId: text('trial_id').notNull(),
  ticketHash: text('ticket_hash').notNull(),
  /** the token's principal (subject, role, sites, trials), as the auth plugin made it */
  principal: jsonb('principal').$type<Principal>().notNull(),
  expiresAt: instant('expires_at').notNull()
}, (t) => [primaryKey({ columns: [t.trialId, t.ticketHash] })])

// One row type per table, for the code that reads them.
export type TrialRow = typeof trials.$inferSelect
export type TrialSiteRow = typeof trialSites.$inferSelect
export type ProtocolVersionRow = typeof protocolVersions.$inferSelect
export type ParticipantRow = typeof participants.$inferSelect
export type AdministrationRow = typeof administrations.$inferSelect
export type DltAssessmentRow = typeof dltAssessments.$inferSelect
export type AdverseEventRow = typeof adverseEvents.$inferSelect
export type AdverseEventVersionRow = typeof adverseEventVersions.$inferSelect
export type AdjudicationRow = typeof adjudications.$inferSelect
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect
export type AuditRow = typeof auditLog.$inferSelect
export type ToxicityCountRow = typeof toxicityCounts.$inferSelect
export type TrialStatusRow = typeof trialStatus.$inferSelect
export type DecisionRow = typeof decisions.$inferSelect
export type DmcDecisionRow = typeof dmcDecisions.$inferSelect
export type WebhookRow = typeof webhooks.$inferSelect
export type OutboxRow = typeof outbox.$inferSelect
