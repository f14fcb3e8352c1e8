import type { Db, Tx } from '../../db/client.js'
import { insertAuditRow, insertAuditRows, readChainHead } from '../../db/repos/audit.js'
import { lockTrial, readTrial, type TrialRow } from '../../db/repos/trials.js'
import { releaseSavepoint, rollbackToSavepoint, savepoint, sendWrite, type Write } from '../../db/repos/writes.js'
import { scopedTransaction, writeEnded } from '../../db/scoped-transaction.js'
import { isDatabaseUnavailable } from '../../db/unavailable.js'
import type { Principal } from '../auth/roles.js'
import { notFound } from '../lib/errors.js'
import { auditKeyOf, chainRow, parseChainHead, type Actor, type AuditEntry, type ChainHead } from './audit.js'
import { reevaluateStatus, type StatusDocument, type Trigger } from './status.js'
import { forgetProtocols } from './protocols.js'
import { deferredWrites, pipelinedTransaction, type Pipeline } from './pipeline.js'
import { writeQueue } from './write-queue.js'

export interface WriteContext extends Pipeline {
  /** the trial row, locked FOR UPDATE for the whole transaction */
  trial: TrialRow
  principal: Principal
  /** the instant of this write: audit rows, versions and the re-evaluation share it */
  at: string
  /** appends an audit row to the trial's chain (a deferred write) */
  audit: (entry: AuditEntry) => void
  /** the statement that appends an audit row to the chain, for the caller to send with its other writes */
  auditStatement: (entry: AuditEntry) => Write
  /** the statement that appends these rows to the chain in order, one multi-row insert (a bulk write's) */
  auditStatements: (entries: AuditEntry[]) => Write
  /**
   * Declares that this write changed none of the status engine's inputs
   * (participants' DLT summaries and dosing, safety signals, the trial row):
   * the stored status stands, as it does for every read until its
   * nextChangeAt, and is not re-evaluated.
   */
  keepStatus: () => void
}

export interface WriteResult<T> { value: T, status: StatusDocument | null }

export interface WriteOptions {
  /**
   * The change may share one transaction with the other writes to the trial
   * waiting at the same time (group commit). Only for a change that reads
   * neither the status nor what a re-evaluation writes (the stored status,
   * decisions): a group is re-evaluated once, after its last write.
   */
  coalesce?: boolean
}

/**
 * Every clinical write goes through here: one transaction that locks the
 * trial row, runs the change, writes its audit rows, and re-evaluates the
 * trial's status (unless the change kept it). Two writes to one trial (from
 * any number of server instances) serialise on the row lock, so no decision
 * ever misses a committed DLT; a write that throws leaves nothing behind.
 *
 * Within this process a trial's writes take turns in a queue before they ask
 * for a connection (see writeQueue); writes that may coalesce and wait at the
 * same time run as one group: one transaction, one lock, one commit and one
 * re-evaluation, each write in a savepoint of its own, with its own result,
 * error and audit rows.
 */
export async function clinicalWrite<T, P = undefined> (
  db: Db,
  trialId: string,
  principal: Principal,
  trigger: Omit<Trigger, 'actor'> | null,
  change: (ctx: WriteContext, prefetched: P) => Promise<T>,
  /** reads the change needs, sent in the same round trip as the lock (and so seeing what it waited for) */
  prefetch?: (tx: Tx) => Promise<P>,
  options: WriteOptions = {}
): Promise<WriteResult<T>> {
  return await new Promise<WriteResult<T>>((resolve, reject) => {
    queue.push(db, trialId, {
      principal,
      trigger,
      change: change as Job['change'],
      prefetch,
      coalesce: options.coalesce === true,
      resolve: resolve as Job['resolve'],
      reject
    })
  })
}

interface Job {
  principal: Principal
  trigger: Omit<Trigger, 'actor'> | null
  change: (ctx: WriteContext, prefetched: unknown) => Promise<unknown>
  prefetch: ((tx: Tx) => Promise<unknown>) | undefined
  coalesce: boolean
  resolve: (result: WriteResult<unknown>) => void
  reject: (error: unknown) => void
}

// A group's writes each take a subtransaction id: PostgreSQL caches 64 per transaction before others' visibility checks slow down.
const GROUP_MAX = 32

const queue = writeQueue<Db, Job>(runGroup, (job) => job.coalesce, GROUP_MAX)

/** The trial's keyed audit chain as this transaction extends it: each row points back to the one before. */
function auditChain (key: Buffer, trialId: string, at: string, head: ChainHead) {
  const chain = {
    head,
    link: (actor: Actor, entry: AuditEntry) => {
      const next = chainRow(key, trialId, actor, entry, at, chain.head)
      chain.head = next.head
      return next.row
    },
    statement: (actor: Actor, entry: AuditEntry): Write => insertAuditRow(chain.link(actor, entry)),
    /** several entries appended in one multi-row statement (a bulk write's) */
    statements: (actor: Actor, entries: AuditEntry[]): Write => insertAuditRows(entries.map((entry) => chain.link(actor, entry))),
    /** the pipeline a re-evaluation runs in: its decision's audit row, by `actor`, joins the chain */
    audited: (pipeline: Pipeline, actor: Actor) => ({
      ...pipeline,
      audit: (entry: AuditEntry) => { pipeline.defer(sendWrite(pipeline.tx, chain.statement(actor, entry))) }
    })
  }
  return chain
}

type AuditChain = ReturnType<typeof auditChain>

/** How many writes to the trial wait in this process for the one running to end. */
export const waitingWrites = (db: Db, trialId: string): number => queue.waiting(db, trialId)

/** A write's context; `guard` throws once the write has ended, so a straggler's audit entry cannot move the chain head. */
function writeContext (pipeline: Pipeline, trial: TrialRow, principal: Principal, at: string, chain: AuditChain, keepStatus: () => void, guard = () => {}): WriteContext {
  const auditStatement = (entry: AuditEntry) => {
    guard()
    return chain.statement(principal, entry)
  }
  return {
    ...pipeline,
    trial,
    principal,
    at,
    audit: (entry) => pipeline.defer(sendWrite(pipeline.tx, auditStatement(entry))),
    auditStatement,
    auditStatements: (entries) => {
      guard()
      return chain.statements(principal, entries)
    },
    keepStatus
  }
}

async function runGroup (db: Db, trialId: string, jobs: Job[]): Promise<void> {
  if (jobs.length === 1) return await runAlone(db, trialId, jobs[0]!)
  const progress = { applied: false }
  let outcomes: Outcome[]
  try {
    outcomes = await applyGroup(db, trialId, jobs, progress)
  } catch (error) {
    forgetProtocols(trialId)
    // Rolled back after every write was applied (the re-evaluation or the commit failed), so nothing was
    // kept: each write is tried again on its own, and none fails for another's sake. While the database
    // is unreachable that would only fail each again.
    if (!progress.applied || isDatabaseUnavailable(error)) {
      for (const job of jobs) job.reject(error)
      return
    }
    for (const job of jobs) await runAlone(db, trialId, job)
    return
  }
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) jobs[i]!.resolve(outcome.result)
    else jobs[i]!.reject(outcome.error)
  })
}

async function runAlone (db: Db, trialId: string, job: Job): Promise<void> {
  try {
    job.resolve(await applyAlone(db, trialId, job))
  } catch (error) {
    // A protocol version read inside the rolled-back transaction may never have been committed.
    forgetProtocols(trialId)
    job.reject(error)
  }
}

async function applyAlone (db: Db, trialId: string, { principal, trigger, change, prefetch }: Job): Promise<WriteResult<unknown>> {
  return await pipelinedTransaction(db, async (pipeline) => {
    const { tx } = pipeline
    // Issued in this order on one connection: the reads run after the lock is granted, each in a
    // snapshot of its own, so under READ COMMITTED they see every write committed before it.
    const [trial, chain, prefetched] = await Promise.all([
      lockTrial(tx, trialId),
      readChainHead(tx, trialId),
      prefetch?.(tx)
    ])
    if (trial === undefined) throw notFound('Trial')
    const at = new Date().toISOString()
    let keep = false
    const audit = auditChain(auditKeyOf(db), trialId, at, parseChainHead(chain))
    const value = await change(writeContext(pipeline, trial, principal, at, audit, () => { keep = true }), prefetched)
    const status = trigger === null || keep ? null : await reevaluateStatus(audit.audited(pipeline, principal), trialId, { ...trigger, actor: principal.sub }, at)
    return { value, status }
  })
}

type Outcome = { ok: true, result: WriteResult<unknown> } | { ok: false, error: unknown }
type Applied = { ok: true, value: unknown, reevaluate: boolean, job: Job } | { ok: false, error: unknown }

/**
 * The group in one transaction: the lock and the chain head once, each write
 * in its savepoint (seeing the writes before it), then one re-evaluation for
 * the writes that need it, whose status every one of them receives.
 */
async function applyGroup (db: Db, trialId: string, jobs: Job[], progress: { applied: boolean }): Promise<Outcome[]> {
  return await pipelinedTransaction(db, async (pipeline) => {
    const { tx } = pipeline
    const [trial, head] = await Promise.all([lockTrial(tx, trialId), readChainHead(tx, trialId)])
    if (trial === undefined) throw notFound('Trial')
    const at = new Date().toISOString()
    const chain = auditChain(auditKeyOf(db), trialId, at, parseChainHead(head))
    const applied: Applied[] = []
    for (const job of jobs) applied.push(await applyItem(pipeline, trialId, job, at, chain, applied.length === 0 ? trial : undefined))
    progress.applied = true
    const reevaluating = applied.filter((a) => a.ok && a.reevaluate) as Array<Extract<Applied, { ok: true }>>
    // The decision's audit row is by the write whose trigger it is recorded with (the last).
    const status = reevaluating.length === 0
      ? null
      : await reevaluateStatus(chain.audited(pipeline, reevaluating.at(-1)!.job.principal), trialId, groupTrigger(reevaluating.map((a) => a.job)), at)
    return applied.map((a): Outcome => a.ok ? { ok: true, result: { value: a.value, status: a.reevaluate ? status : null } } : a)
  })
}

/**
 * One write of a group, between a savepoint and its release. Its deferred
 * writes are answered before the release, so a failure among them is its own:
 * it is rolled back to the savepoint (its audit rows with it, and the chain
 * head with them) and the group goes on.
 */
async function applyItem (group: Pipeline, trialId: string, job: Job, at: string, chain: AuditChain, locked: TrialRow | undefined): Promise<Applied> {
  const { tx } = group
  const scope = scopedTransaction(tx)
  const writes = deferredWrites()
  const head = chain.head
  let keep = false
  try {
    // One round trip: the savepoint, the trial row as the writes before left it, and the change's reads.
    const [, trial, prefetched] = await Promise.all([
      savepoint(tx),
      locked ?? readTrial(scope.tx, trialId),
      job.prefetch?.(scope.tx)
    ])
    const ended = () => { if (scope.ended()) throw writeEnded() }
    const value = await job.change(writeContext({ tx: scope.tx, defer: writes.defer }, trial!, job.principal, at, chain, () => { keep = true }, ended), prefetched)
    const failure = await writes.firstFailure()
    if (failure !== undefined) throw failure
    // Sent ahead of the next write's statements; it fails only with the connection, and the commit with it.
    group.defer(releaseSavepoint(tx))
    return { ok: true, value, reevaluate: job.trigger !== null && !keep, job }
  } catch (error) {
    scope.end()
    const failure = (await writes.firstFailure()) ?? error
    await rollbackToSavepoint(tx)
    chain.head = head
    forgetProtocols(trialId)
    return { ok: false, error: failure }
  } finally {
    scope.end()
  }
}

/**
 * The trigger a group's decision is recorded with: its last write's (the
 * state it is computed from is the one that write left), listing the writes
 * before it in `coalesced`.
 */
function groupTrigger (jobs: Job[]): Trigger {
  const triggers = jobs.map(({ trigger, principal }): Trigger => ({ ...trigger!, actor: principal.sub }))
  const last = triggers.pop()!
  return triggers.length === 0 ? last : { ...last, coalesced: triggers }
}
